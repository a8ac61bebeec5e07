"""Inline suppressions silence one rule on one line; a suppression must say why."""

from __future__ import annotations

from slopguard.core.suppress import parse_suppressions
from slopguard.engine.analyse import analyse
from slopguard.pipeline.catalog import code_rules

CODE = """\
def a(db, x):
    db.execute("DELETE FROM t WHERE id = " + x)  # slopguard: ignore[PY-SQLI-001] -- x is an int from our own queue
    db.execute("DELETE FROM t WHERE id = " + x)  # slopguard: ignore[PY-SQLI-001]
    # slopguard: ignore[PY-SQLI-001] -- checked against the allow-list in the caller
    db.execute("DELETE FROM t WHERE id = " + x)
    db.execute("DELETE FROM t WHERE id = " + x)  # slopguard: ignore[PY-EVAL-001] -- wrong rule, still reported
    db.execute("DELETE FROM t WHERE id = " + x)
"""


def test_directives_parse() -> None:
    found = parse_suppressions(CODE.splitlines())
    assert [(s.line, s.covers, bool(s.reason)) for s in found] == [
        (2, 2, True),
        (3, 3, False),
        (4, 5, True),
        (6, 6, True),
    ]
    assert found[0].reason == "x is an int from our own queue"


def test_suppressed_lines_and_reasonless_directive() -> None:
    result = analyse("a.py", CODE.encode(), "python", frozenset(code_rules()), 10**6)
    lines = sorted((f.location.start_line, f.rule_id) for f in result.findings)
    assert lines == [(3, "SG-SUPPRESS-001"), (6, "PY-SQLI-001"), (7, "PY-SQLI-001")]
