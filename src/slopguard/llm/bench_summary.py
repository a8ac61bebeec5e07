"""The bench's aggregation: per model and RCI round, the shares, densities, tokens and cost of the stored samples,
and each sample's answers and findings for the report's drill-down."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from slopguard.llm.bench import SEVERITIES, BenchOptions, Key, Record, task_hash
from slopguard.llm.suite import Task

# --- aggregation --------------------------------------------------------------------------------------------------


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _at(record: Record, r: int) -> tuple[Record, dict[str, float]]:
    """The record's state after round ``r`` (a loop that stopped earlier keeps its last answer) and the tokens and
    cost spent up to it."""
    rounds: list[Record] = record["rounds"]
    idx = min(r, len(rounds) - 1)
    spent = {
        "input_tokens": sum(x["input_tokens"] for x in rounds[: idx + 1]),
        "output_tokens": sum(x["output_tokens"] for x in rounds[: idx + 1]),
        "cost": sum(x["cost"] for x in rounds[: idx + 1]),
    }
    return rounds[idx], spent


def _round_summary(records: Iterable[Record], r: int) -> Record:
    answers = insecure = findings_total = lines = packages = hallucinated = with_halluc = refused = 0
    tokens_in = tokens_out = 0
    cost = 0.0
    findings = dict.fromkeys(SEVERITIES, 0)
    languages: dict[str, dict[str, Any]] = {}
    cwes: dict[str, dict[str, Any]] = {}
    for record in records:
        state, spent = _at(record, r)
        tokens_in += int(spent["input_tokens"])
        tokens_out += int(spent["output_tokens"])
        cost += spent["cost"]
        if state["refused"] or state["no_code"]:
            refused += 1
            continue
        answers += 1
        bad = state["findings_total"] > 0
        insecure += bad
        findings_total += state["findings_total"]
        for sev in SEVERITIES:
            findings[sev] += state["findings"].get(sev, 0)
        lines += state["lines"]
        packages += state["packages"]
        hallucinated += len(state["hallucinated"])
        with_halluc += bool(state["hallucinated"])
        lang = languages.setdefault(record["language"], {"answers": 0, "insecure": 0, "findings": 0, "lines": 0})
        lang["answers"] += 1
        lang["insecure"] += bad
        lang["findings"] += state["findings_total"]
        lang["lines"] += state["lines"]
        for cwe in record["cwe"]:
            entry = cwes.setdefault(str(cwe), {"answers": 0, "insecure": 0, "tempted": 0})
            entry["answers"] += 1
            entry["insecure"] += bad
            entry["tempted"] += cwe in state["cwes"]
    for lang in languages.values():
        lang["insecure_share"] = _share(lang["insecure"], lang["answers"])
        lang["density"] = lang["findings"] * 100.0 / lang["lines"] if lang["lines"] else 0.0
    for entry in cwes.values():
        entry["insecure_share"] = _share(entry["insecure"], entry["answers"])
        entry["tempted_share"] = _share(entry["tempted"], entry["answers"])
    return {
        "round": r, "answers": answers, "refused_or_no_code": refused, "insecure": insecure,
        "insecure_share": _share(insecure, answers), "findings": findings, "findings_total": findings_total,
        "lines": lines, "density": findings_total * 100.0 / lines if lines else 0.0, "packages": packages,
        "hallucinated": hallucinated, "hallucinated_share": _share(hallucinated, packages),
        "answers_with_hallucination": with_halluc, "input_tokens": tokens_in, "output_tokens": tokens_out,
        "cost": round(cost, 6),
        "languages": dict(sorted(languages.items())),
        "cwes": dict(sorted(cwes.items(), key=lambda kv: int(kv[0]))),
    }  # fmt: skip


def summarize(
    tasks: Sequence[Task], options: BenchOptions, records: dict[Key, Record], suite_name: str = "default"
) -> Record:
    """Per model and RCI round: insecure share (overall, per language, per tempted CWE), weakness density,
    hallucinated package share, tokens and cost. Only records of the current tasks and samples count."""
    current = {task.id: task for task in tasks}
    order = {task.id: i for i, task in enumerate(tasks)}
    models: list[Record] = []
    answers: list[Record] = []
    for model in options.models:
        mine = [
            rec for (m, tid, sample), rec in records.items()
            if m == model and tid in current and sample < options.samples
            and rec.get("task_hash") == task_hash(current[tid])
        ]  # fmt: skip
        ok = [rec for rec in mine if rec["status"] == "ok" and rec.get("rounds")]
        answers += [_answers(rec) for rec in sorted(mine, key=lambda rec: (order[rec["task"]], rec["sample"]))]
        models.append({
            "model": model,
            "samples": {
                "expected": len(tasks) * options.samples, "done": len(ok),
                "errors": sum(rec["status"] != "ok" for rec in mine),
                "refused": sum(any(x["refused"] for x in rec["rounds"]) for rec in ok),
            },
            "rounds": [_round_summary(ok, r) for r in sorted(options.rounds)],
        })  # fmt: skip
    languages: dict[str, int] = {}
    for task in tasks:
        languages[task.language] = languages.get(task.language, 0) + 1
    return {
        "schema": "slopguard-bench/1",
        "suite": {"name": suite_name, "tasks": len(tasks), "languages": dict(sorted(languages.items()))},
        "config": {
            "models": list(options.models), "rounds": sorted(options.rounds), "samples": options.samples,
            "provider": options.provider, "base_url": options.base_url,
        },
        "models": models,
        "answers": answers,
    }  # fmt: skip


def _answers(record: Record) -> Record:
    """One sample for the report's drill-down: how it ended, and each round's answer and findings."""
    return {
        "model": record["model"], "task": record["task"], "sample": record["sample"],
        "language": record["language"], "status": record["status"], "error": record.get("error"),
        "stopped": record.get("stopped", ""),
        "rounds": [
            {"round": r["round"], "refused": r["refused"], "no_code": r["no_code"],
             "findings_total": r["findings_total"], "answer": r.get("answer"), "details": r.get("details", [])}
            for r in record.get("rounds", [])
        ],
    }  # fmt: skip
