"""Every rule has an annotated fixture; the flagged lines must be exactly the ``expect`` lines."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from slopguard.core.languages import language_of
from slopguard.engine.analyse import analyse
from slopguard.engine.registry import rule_meta

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "rules"
MARKER = re.compile(r"(?:#|//|/\*|--|<!--)\s*(expect|ok):\s*([A-Z0-9\-]+(?:\s*,\s*[A-Z0-9\-]+)*)")


def fixture_for(rule_id: str) -> Path | None:
    matches = sorted(p for p in FIXTURES.rglob(f"{rule_id}.*") if p.is_file())
    return matches[0] if matches else None


def annotations(path: Path, rule_id: str) -> tuple[set[int], set[int]]:
    expect: set[int] = set()
    ok: set[int] = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        for kind, ids in MARKER.findall(line):
            if rule_id in {i.strip() for i in ids.split(",")}:
                (expect if kind == "expect" else ok).add(number)
    return expect, ok


def language(path: Path) -> str:
    lang = language_of(path)
    assert lang is not None, f"fixture {path} has an unsupported extension"
    return lang


@pytest.mark.parametrize("rule_id", sorted(rule_meta()))
def test_rule_fixture(rule_id: str) -> None:
    path = fixture_for(rule_id)
    assert path is not None, f"{rule_id} has no fixture under tests/fixtures/rules/"
    expect, ok = annotations(path, rule_id)
    assert expect, f"{path.name}: no '# expect: {rule_id}' line"
    assert ok, f"{path.name}: no '# ok: {rule_id}' look-alike line"
    result = analyse(path.name, path.read_bytes(), language(path), frozenset({rule_id}), 10_000_000)
    assert result.skipped is None, f"{path.name} was skipped: {result.skipped}"
    flagged = {f.location.start_line for f in result.findings if f.rule_id == rule_id}
    missed = sorted(expect - flagged)
    false_alarms = sorted(flagged - expect)
    assert not missed and not false_alarms, (
        f"{path.name}: missed lines {missed}, false alarms on {false_alarms}"
    )


def test_fixture_names_match_rules() -> None:
    known = set(rule_meta())
    orphans = [p.name for p in FIXTURES.rglob("*") if p.is_file() and p.stem not in known]
    assert not orphans, f"fixtures for unknown rules: {orphans}"
