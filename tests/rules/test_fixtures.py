"""Every rule has an annotated fixture; the flagged lines must be exactly the ``expect`` lines.

The ``# expect: RULE-ID`` / ``# ok: RULE-ID`` syntax and the scoring are those of ``tests/labels.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from labels import score_file

from slopguard.core.suppress import parse_suppressions
from slopguard.pipeline.catalog import code_rules

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "rules"


def fixture_for(rule_id: str) -> Path | None:
    matches = sorted(p for p in FIXTURES.rglob(f"{rule_id}.*") if p.is_file())
    return matches[0] if matches else None


def rules_for(rule_id: str, path: Path) -> frozenset[str]:
    """The rule under test, plus the code rules the fixture's suppressions name: whether a suppression is used
    depends on its rules running (their findings must all be suppressed, or they count as false alarms)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    named = {rid for directive in parse_suppressions(lines) for rid in directive.rule_ids}
    return frozenset({rule_id} | (named & set(code_rules())))


@pytest.mark.parametrize("rule_id", sorted(code_rules()))
def test_rule_fixture(rule_id: str) -> None:
    path = fixture_for(rule_id)
    assert path is not None, f"{rule_id} has no fixture under tests/fixtures/rules/"
    score = score_file(path, path.name, rules_for(rule_id, path))
    expect, ok = score.labels.lines(rule_id)
    assert expect, f"{path.name}: no '# expect: {rule_id}' line"
    assert ok, f"{path.name}: no '# ok: {rule_id}' look-alike line"
    assert score.skipped is None, f"{path.name} was skipped: {score.skipped}"
    missed = sorted(line for line, _ in score.misses)
    false_alarms = sorted(line for line, _ in score.false_alarms)
    assert not missed and not false_alarms, f"{path.name}: missed lines {missed}, false alarms on {false_alarms}"


def test_fixture_names_match_rules() -> None:
    known = set(code_rules())
    orphans = [p.name for p in FIXTURES.rglob("*") if p.is_file() and p.stem not in known]
    assert not orphans, f"fixtures for unknown rules: {orphans}"
