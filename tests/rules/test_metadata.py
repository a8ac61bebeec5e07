"""Rule metadata is complete, and the generated rule reference in docs/ is current."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from slopguard.cli.rules import rules_markdown
from slopguard.guide.rule_reference import catalog

DOCS = Path(__file__).resolve().parents[2] / "docs" / "rules.md"


@pytest.mark.parametrize("rule_id", sorted(catalog()))
def test_metadata_is_complete(rule_id: str) -> None:
    meta = catalog()[rule_id]
    assert re.fullmatch(r"[A-Z]+-[A-Z]+-\d{3}", meta.id)
    assert meta.title and meta.cwe and all(c > 0 for c in meta.cwe)
    assert len(meta.why) > 80, "the why text should say what the assistant writes and what an attacker does"
    assert len(meta.fix) > 20
    assert meta.languages


def test_rule_reference_is_generated_from_metadata() -> None:
    assert DOCS.read_text(encoding="utf-8") == rules_markdown(catalog()), "run: make docs"
