"""The shipped example service: the demo finds exactly the planted flaws listed in expected-findings.txt."""

from __future__ import annotations

from pathlib import Path

from slopguard.core.config import Settings
from slopguard.engine.registry import rule_meta
from slopguard.engine.scanner import Scanner

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "ai-generated-app"


def test_example_findings_are_exactly_the_planted_flaws() -> None:
    expected = {
        (path, int(line), rule)
        for path, _, rest in (
            row.partition(":") for row in (EXAMPLE / "expected-findings.txt").read_text().splitlines()
        )
        if rest and not path.startswith("#")
        for line, rule in [rest.split()]
    }
    result = Scanner(Settings(root=EXAMPLE, cache=False), rule_meta()).scan_paths([EXAMPLE])
    found = {(f.location.path, f.location.start_line, f.rule_id) for f in result.findings}
    assert result.skipped == []
    assert sorted(found - expected) == [], "unexpected findings"
    assert sorted(expected - found) == [], "missed planted flaws"
