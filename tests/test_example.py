"""The shipped examples: the demo finds exactly the planted flaws listed in each expected-findings.txt."""

from __future__ import annotations

from pathlib import Path

import pytest

from slopguard.core.config import Settings
from slopguard.engine.registry import select_rules
from slopguard.pipeline.catalog import code_rules, make_scanner

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
PROJECTS = sorted(p.parent.name for p in EXAMPLES.glob("*/expected-findings.txt"))


def expected(project: Path) -> set[tuple[str, int, str]]:
    rows = (project / "expected-findings.txt").read_text().splitlines()
    out = set()
    for row in rows:
        if not row.strip() or row.startswith("#"):
            continue
        where, rule = row.split()
        path, _, line = where.rpartition(":")
        out.add((path, int(line), rule))
    return out


def test_there_are_examples() -> None:
    assert "ai-generated-app" in PROJECTS


@pytest.mark.parametrize("name", PROJECTS)
def test_example_findings_are_exactly_the_planted_flaws(name: str) -> None:
    project = EXAMPLES / name
    rules = select_rules([], [], code_rules())
    result = make_scanner(Settings(root=project, cache=False), rules).scan_paths([project])
    found = {(f.location.path, f.location.start_line, f.rule_id) for f in result.findings}
    assert result.skipped == []
    assert sorted(found - expected(project)) == [], "unexpected findings"
    assert sorted(expected(project) - found) == [], "missed planted flaws"
