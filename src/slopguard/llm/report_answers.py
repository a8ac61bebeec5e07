"""The bench report's drill-down: one row per sample (model, task, sample) linking to that sample's answers and
findings, round by round. Each sample's details sit in a closed ``<details>`` element; following a row's link
opens it (browsers expand a closed ``<details>`` whose content is the link's target), and so does a click on its
summary. Answers are model output: they are escaped and shown as text, never run."""

from __future__ import annotations

from html import escape
from typing import Any

SEVERITIES = ("critical", "high", "medium", "low")


def _a(value: object) -> str:
    return escape(str(value), quote=True)


def answer_id(index: int) -> str:
    """The anchor of the ``index``-th sample's details (0-based, in the summary's ``answers`` order)."""
    return f"answer-{index + 1}"


def _outcome(sample: dict[str, Any]) -> str:
    if sample["status"] != "ok":
        return f"failed: {sample.get('error') or 'unknown error'}"
    rounds = sample["rounds"]
    counts = " → ".join(
        "refused" if r["refused"] else "no code" if r["no_code"] else str(r["findings_total"]) for r in rounds
    )
    return f"findings by round: {counts}" + (f" (stopped: {sample['stopped']})" if sample.get("stopped") else "")


def _index(samples: list[dict[str, Any]]) -> str:
    rows = ["<table class='answers'><thead><tr><th>Model</th><th>Task</th><th>Sample</th><th>Language</th>"
            "<th>Outcome</th><th>Details</th></tr></thead><tbody>"]  # fmt: skip
    for i, s in enumerate(samples):
        rows.append(
            f'<tr data-model="{_a(s["model"])}" data-task="{_a(s["task"])}" data-sample="{s["sample"]}">'
            f"<td>{_a(s['model'])}</td><td>{_a(s['task'])}</td><td>{s['sample']}</td><td>{_a(s['language'])}</td>"
            f'<td>{_a(_outcome(s))}</td><td><a href="#{answer_id(i)}">answers and findings</a></td></tr>'
        )
    rows.append("</tbody></table>")
    return "".join(rows)


def _round(r: dict[str, Any]) -> str:
    head = f"Round {r['round']}" + (" (refused)" if r["refused"] else "") + (" (no code)" if r["no_code"] else "")
    parts = [f"<h4>{_a(head)}</h4>"]
    details = sorted(r["details"], key=lambda d: (SEVERITIES.index(d["severity"]), d["file"], d["line"]))
    if details:
        items = "".join(
            f'<li data-rule="{_a(d["rule"])}">{_a(d["rule"])} [{_a(d["severity"])}] '
            f"{_a(d['file'])}:{d['line']}: {_a(d['message'])}</li>"
            for d in details
        )
        parts.append(f"<ul class='findings'>{items}</ul>")
    elif not (r["refused"] or r["no_code"]):
        parts.append("<p class='meta'>No findings.</p>")
    answer = r.get("answer")
    if answer is None:
        parts.append("<p class='meta'>The answer was not stored (a run of an older slopguard).</p>")
    else:
        parts.append(f"<pre class='answer'>{_a(answer)}</pre>")
    return "".join(parts)


def _details(index: int, sample: dict[str, Any]) -> str:
    title = f"{sample['model']} · {sample['task']} · sample {sample['sample']}"
    body = [f"<p class='meta'>{_a(_outcome(sample))}</p>", *(_round(r) for r in sample["rounds"])]
    return (
        f'<details class="sample" data-model="{_a(sample["model"])}" data-task="{_a(sample["task"])}">'
        f"<summary>{_a(title)}</summary>"
        f'<div id="{answer_id(index)}" class="sample-body">{"".join(body)}</div></details>'
    )


def answers_section(samples: list[dict[str, Any]]) -> list[str]:
    """The section's HTML parts: the heading, the index of samples and every sample's details."""
    if not samples:
        return []
    return [
        "<h2>Answers and findings, per task</h2>",
        "<p class='meta'>Each row links to that sample's answers, round by round, with the findings of each.</p>",
        _index(samples),
        *(_details(i, s) for i, s in enumerate(samples)),
    ]
