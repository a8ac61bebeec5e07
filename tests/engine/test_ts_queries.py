"""Every tree-sitter rule's query compiles for every grammar of every language it declares."""

from __future__ import annotations

import pytest

from slopguard.engine.languages import language
from slopguard.engine.registry import ts_rules
from slopguard.engine.treesitter.runner import compile_query
from slopguard.rules import load_all

load_all()


@pytest.mark.parametrize("rule_id", sorted(ts_rules()) or ["<no rules loaded>"])
def test_query_compiles(rule_id: str) -> None:
    rule = ts_rules()[rule_id]
    compiled = [
        compile_query(rule, g) for lang in rule.meta.languages for g in (g.name for g in language(lang).grammars)
    ]
    assert compiled and all(q is not None for q in compiled), f"{rule_id}: query does not compile for some grammar"
