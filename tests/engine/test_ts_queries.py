"""Every tree-sitter rule's query compiles for every grammar of every language it declares."""

from __future__ import annotations

import pytest

from slopguard.engine.registry import ts_rules
from slopguard.engine.treesitter.runner import compile_query

GRAMMARS = {"javascript": ["javascript"], "typescript": ["typescript", "tsx"], "java": ["java"], "c": ["c"],
            "cpp": ["cpp"], "rust": ["rust"], "go": ["go"]}  # fmt: skip


@pytest.mark.parametrize("rule_id", sorted(ts_rules()))
def test_query_compiles(rule_id: str) -> None:
    rule = ts_rules()[rule_id]
    compiled = [compile_query(rule, g) for lang in rule.meta.languages for g in GRAMMARS.get(lang, [])]
    assert compiled and all(q is not None for q in compiled), f"{rule_id}: query does not compile for some grammar"
