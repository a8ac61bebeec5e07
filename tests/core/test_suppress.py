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
    # Line 6 names the wrong rule: the finding stays, and the directive that silences nothing is reported.
    assert lines == [(3, "SG-SUPPRESS-001"), (6, "PY-SQLI-001"), (6, "SG-SUPPRESS-003"), (7, "PY-SQLI-001")]


def _flagged(code: str, rule_ids: frozenset[str] | None = None) -> list[tuple[int, str, str]]:
    ids = frozenset(code_rules()) if rule_ids is None else rule_ids
    result = analyse("a.py", code.encode(), "python", ids, 10**6)
    return [(f.location.start_line, f.rule_id, f.message) for f in result.findings if f.rule_id.startswith("SG-")]


MISTYPED = """import subprocess


def backup(path):
    subprocess.run(f"tar czf /b.tgz {path}", shell=True)  # slopguard: ignore[PY-CMDI-01] -- path is from settings
"""


def test_mistyped_rule_id_is_reported_with_a_suggestion() -> None:
    ((line, rule, message),) = _flagged(MISTYPED)
    assert (line, rule) == (5, "SG-SUPPRESS-002") and "PY-CMDI-01" in message and "PY-CMDI-001?" in message
    assert _flagged(MISTYPED, frozenset(code_rules()) - {"SG-SUPPRESS-002"}) == []


def test_known_rule_ids_are_not_unknown_in_any_case() -> None:
    code = 'import hashlib\nh = hashlib.md5(b"x")  # slopguard: ignore[py-hash-002] -- cache key\n'
    assert _flagged(code) == []
    placeholder = 'DOC = "write # slopguard: ignore[RULE-ID, ...] -- reason"\n'
    assert _flagged(placeholder) == []


UNUSED = """def total(db, x):
    # slopguard: ignore[PY-SQLI-001] -- x is an int
    return db.execute("SELECT sum(n) FROM t WHERE id = ?", (x,)).fetchone()  # slopguard: ignore -- old habit
"""


def test_unused_suppressions_are_reported_only_for_rules_that_ran() -> None:
    assert [(line, rule) for line, rule, _ in _flagged(UNUSED)] == [(2, "SG-SUPPRESS-003"), (3, "SG-SUPPRESS-003")]
    # PY-SQLI-001 not selected: its suppression may well be needed, and a blanket one cannot be judged.
    assert _flagged(UNUSED, frozenset(code_rules()) - {"PY-SQLI-001"}) == []
    assert _flagged(UNUSED, frozenset({"SG-SUPPRESS-003"})) == []


def test_unused_is_not_judged_when_the_file_could_not_be_analysed() -> None:
    broken = UNUSED + "def broken(:\n"
    assert _flagged(broken) == []
