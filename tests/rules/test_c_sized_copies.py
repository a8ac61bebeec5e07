"""A copy into a buffer allocated from the source's own size is reported low; a size that only looks like one
(``sizeof`` of a pointer) stays high."""

from __future__ import annotations

from pathlib import Path

from slopguard.core.finding import Severity
from slopguard.engine.analyse import analyse
from slopguard.engine.registry import all_rule_meta
from slopguard.rules import load_all

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "rules" / "c" / "C-BUF-002.c"


def test_copies_sized_from_the_source_are_low_and_sizeof_a_pointer_is_not() -> None:
    load_all()
    text = FIXTURE.read_text(encoding="utf-8")
    lines = text.splitlines()
    result = analyse(FIXTURE.name, text.encode(), "c", frozenset(all_rule_meta()), 10**6, 60.0)
    severity = {f.location.start_line: f.severity for f in result.findings if f.rule_id == "C-BUF-002"}

    def line_of(fragment: str) -> int:
        return next(i for i, line in enumerate(lines, 1) if fragment in line)

    assert severity[line_of("strcpy(copy, tmpl);")] is Severity.LOW  # sizeof of the source array
    assert severity[line_of('sprintf((char *)out, "%s/%lu", path, index);')] is Severity.LOW  # strlen through a cast
    assert severity[line_of("strcpy(out, name);")] is Severity.HIGH  # sizeof of a pointer
