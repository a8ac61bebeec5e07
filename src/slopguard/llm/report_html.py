"""The bench report: JSON and a self-contained HTML page with inline SVG charts and, per sample, its answers and
findings (no scripts, no external files).

Every number in the HTML carries its raw value in ``data-*`` attributes (``data-model``, ``data-round``,
``data-metric``, ``data-value`` and, where it applies, ``data-language`` / ``data-cwe``), so tests and other tools can
read the page back without parsing formatted text.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from html import escape
from typing import Any

from slopguard.llm.report_answers import answers_section
from slopguard.llm.report_charts import bar_chart, line_chart, num, pct
from slopguard.llm.suite import cwe_label

SEVERITIES = ("critical", "high", "medium", "low")


def report_json(summary: dict[str, Any]) -> str:
    return json.dumps(summary, indent=2, sort_keys=False) + "\n"


def _a(value: object) -> str:
    return escape(str(value), quote=True)


def _cell(text: str, model: str, round_: int, metric: str, value: float | int | None, **extra: str) -> str:
    attrs = "".join(f' data-{k}="{_a(v)}"' for k, v in extra.items())
    raw = "" if value is None else f' data-value="{num(float(value))}"'
    return f'<td data-model="{_a(model)}" data-round="{round_}" data-metric="{metric}"{attrs}{raw}>{_a(text)}</td>'


def _summary_table(models: list[dict[str, Any]]) -> str:
    head = ("Model", "Round", "Answers", "Insecure", "Insecure share", "Findings (C/H/M/L)", "Density /100 lines",
            "Package refs", "Hallucinated", "Hallucinated share", "Tokens in", "Tokens out", "Cost")  # fmt: skip
    rows = ["<table><thead><tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr></thead><tbody>"]
    for entry in models:
        model = entry["model"]
        for r in entry["rounds"]:
            n = r["round"]
            sev = "/".join(str(r["findings"].get(s, 0)) for s in SEVERITIES)
            cells = [
                f"<td>{_a(model)}</td>",
                f"<td>{n}</td>",
                _cell(str(r["answers"]), model, n, "answers", r["answers"]),
                _cell(str(r["insecure"]), model, n, "insecure", r["insecure"]),
                _cell(pct(r["insecure_share"]), model, n, "insecure_share", r["insecure_share"]),
                _cell(sev, model, n, "findings_total", r["findings_total"]),
                _cell(f"{r['density']:.2f}", model, n, "density", r["density"]),
                _cell(str(r["packages"]), model, n, "packages", r["packages"]),
                _cell(str(r["hallucinated"]), model, n, "hallucinated", r["hallucinated"]),
                _cell(pct(r["hallucinated_share"]), model, n, "hallucinated_share", r["hallucinated_share"]),
                _cell(f"{r['input_tokens']:,}", model, n, "input_tokens", r["input_tokens"]),
                _cell(f"{r['output_tokens']:,}", model, n, "output_tokens", r["output_tokens"]),
                _cell(f"{r['cost']:.4f}", model, n, "cost", r["cost"]),
            ]
            rows.append("<tr>" + "".join(cells) + "</tr>")
    rows.append("</tbody></table>")
    return "".join(rows)


def _breakdown_table(models: list[dict[str, Any]], key: str, attr: str, labels: dict[str, str]) -> str:
    """Insecure share per language (key="languages") or per tempted CWE (key="cwes"), one column per round."""
    names = sorted({name for e in models for r in e["rounds"] for name in r[key]}, key=lambda s: (len(s), s))
    rounds = [r["round"] for r in models[0]["rounds"]] if models else []
    head = [attr.capitalize(), "Model", *(f"Round {n}" for n in rounds)]
    if key == "cwes":
        head += [f"Tempted CWE found, round {n}" for n in rounds]
    rows = ["<table><thead><tr>" + "".join(f"<th>{_a(h)}</th>" for h in head) + "</tr></thead><tbody>"]
    for name in names:
        for entry in models:
            model = entry["model"]
            cells = [f"<td>{_a(labels.get(name, name))}</td>", f"<td>{_a(model)}</td>"]
            stats = [(r["round"], r[key].get(name)) for r in entry["rounds"]]
            for n, s in stats:
                if s is None:
                    cells.append("<td>–</td>")
                    continue
                text = f"{pct(s['insecure_share'])} ({s['insecure']}/{s['answers']})"
                cells.append(_cell(text, model, n, "insecure_share", s["insecure_share"], **{attr: name}))
            if key == "cwes":
                for n, s in stats:
                    if s is None:
                        cells.append("<td>–</td>")
                        continue
                    text = f"{pct(s['tempted_share'])} ({s['tempted']}/{s['answers']})"
                    cells.append(_cell(text, model, n, "tempted_share", s["tempted_share"], **{attr: name}))
            rows.append("<tr>" + "".join(cells) + "</tr>")
    rows.append("</tbody></table>")
    return "".join(rows)


CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px;color:#111827;max-width:1280px}
h1{font-size:22px}h2{font-size:17px;margin-top:28px}p.meta{color:#4b5563;font-size:13px}
table{border-collapse:collapse;font-size:13px;margin:8px 0}
th,td{border:1px solid #d1d5db;padding:3px 8px;text-align:right}
th{background:#f3f4f6}td:first-child,td:nth-child(2){text-align:left}
.chart{margin:6px 12px 6px 0;border:1px solid #e5e7eb;background:#fff}.charts{display:flex;flex-wrap:wrap}
.tt{font-size:13px;font-weight:600}.ax{font-size:11px;fill:#374151}.lg{font-size:11px}.grid{stroke:#e5e7eb}
details.sample{margin:4px 0;border:1px solid #e5e7eb;padding:2px 8px}summary{cursor:pointer;font-size:13px}
pre.answer{background:#f9fafb;border:1px solid #e5e7eb;padding:8px;font-size:12px;overflow-x:auto;white-space:pre-wrap}
ul.findings{font-size:13px}h4{font-size:13px;margin:10px 0 4px}
"""


def charts(summary: dict[str, Any]) -> list[str]:
    """The report's SVG figures: insecure share by model and language (first and last round), weakness density
    and insecure share by RCI round."""
    models = summary["models"]
    names = [m["model"] for m in models]
    rounds: list[int] = list(summary["config"]["rounds"])
    out: list[str] = []
    picks = [rounds[0]] if len(rounds) == 1 else [rounds[0], rounds[-1]]
    for pick in picks:
        languages = sorted({lang for m in models for r in m["rounds"] if r["round"] == pick for lang in r["languages"]})
        values: dict[tuple[str, str], float | None] = {}
        for m in models:
            for r in m["rounds"]:
                if r["round"] == pick:
                    for lang, s in r["languages"].items():
                        values[(lang, m["model"])] = s["insecure_share"]
        title = f"Answers with at least one finding, by language (round {pick})"
        out.append(bar_chart(title, languages, names, values, metric="insecure_share", round_=pick))

    def series(metric: str) -> dict[str, list[float | None]]:
        return {m["model"]: [r[metric] for r in m["rounds"]] for m in models}

    out.append(line_chart("Weakness density (findings per 100 lines) by RCI round", rounds, series("density"),
                          metric="density"))  # fmt: skip
    out.append(line_chart("Answers with at least one finding, by RCI round", rounds, series("insecure_share"),
                          metric="insecure_share", percent=True))  # fmt: skip
    return out


def render_html(summary: dict[str, Any], title: str = "slopguard bench") -> str:
    """The whole report as one HTML document."""

    models: list[dict[str, Any]] = summary["models"]
    config = summary["config"]
    rounds = ", ".join(str(r) for r in config["rounds"])
    meta = (
        f"{summary['suite']['tasks']} task(s) from {summary['suite']['name']} · {config['samples']} sample(s) each"
        f" · RCI rounds {rounds} · provider {config['provider']}"
    )
    status = []
    for m in models:
        s = m["samples"]
        status.append(
            f'<li data-model="{_a(m["model"])}" data-metric="done" data-value="{s["done"]}">{_a(m["model"])}: '
            f"{s['done']}/{s['expected']} samples done, {s['errors']} failed, {s['refused']} refused</li>"
        )
    cwe_labels = {str(c): cwe_label(int(c)) for m in models for r in m["rounds"] for c in r["cwes"]}
    parts: Iterable[str] = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{_a(title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{_a(title)}</h1>",
        f'<p class="meta">{_a(meta)}</p>',
        f"<ul>{''.join(status)}</ul>",
        '<div class="charts">',
        *charts(summary),
        "</div>",
        "<h2>Per model and RCI round</h2>",
        '<p class="meta">Insecure share: answers with code that have at least one finding. Density: findings per '
        "100 lines of code. Hallucinated share: package references that do not exist in their registry. Tokens and "
        "cost are cumulative up to the round.</p>",
        _summary_table(models),
        "<h2>Insecure share by language</h2>",
        _breakdown_table(models, "languages", "language", {}),
        "<h2>By tempted weakness (CWE)</h2>",
        '<p class="meta">Per CWE a task is tagged with: the share of its answers with any finding, and the share '
        "with a finding of that very CWE.</p>",
        _breakdown_table(models, "cwes", "cwe", cwe_labels),
        *answers_section(summary.get("answers", [])),
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"
