"""``scan --statistics``: how many findings each rule raised, printed instead of the findings (like Ruff's)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import TextIO

from slopguard.core.report import Report


@dataclass(frozen=True, slots=True)
class RuleCount:
    """One rule's findings in a scan."""

    count: int
    rule_id: str
    severity: str
    title: str


def rule_counts(result: Report) -> list[RuleCount]:
    """One entry per rule that fired, most findings first (then by id)."""
    counts: dict[str, int] = {}
    for f in result.findings:
        counts[f.rule_id] = counts.get(f.rule_id, 0) + 1
    first = {f.rule_id: f for f in reversed(result.findings)}
    rows = [RuleCount(n, rid, first[rid].severity.label, first[rid].title) for rid, n in counts.items()]
    return sorted(rows, key=lambda r: (-r.count, r.rule_id))


def render_statistics(result: Report, stream: TextIO, as_json: bool = False) -> None:
    """A line (or a JSON object) per rule, then the files that were not analysed: they count as unknown."""
    rows = rule_counts(result)
    if as_json:
        doc = {"rules": [asdict(r) for r in rows], "not_analysed": [s.display for s in result.skipped]}
        stream.write(json.dumps(doc, indent=2) + "\n")
        return
    width = max((len(str(r.count)) for r in rows), default=1)
    id_width = max((len(r.rule_id) for r in rows), default=0)
    for r in rows:
        stream.write(f"{r.count:>{width}}\t{r.rule_id:<{id_width}}\t[{r.severity}]\t{r.title}\n")
    if result.skipped:
        stream.write(f"{len(result.skipped)} file(s) not analysed\n")
