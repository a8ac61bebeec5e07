"""Run the tree-sitter rules of one language over one parsed file: each rule's query, compiled once."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from tree_sitter import Query, QueryCursor

from slopguard.engine.registry import Hit, TSRule
from slopguard.engine.treesitter.context import TSContext
from slopguard.engine.treesitter.grammars import grammar

_QUERIES: dict[tuple[str, str], Query | None] = {}


def _query(rule: TSRule, grammar_name: str) -> Query | None:
    key = (rule.meta.id, grammar_name)
    if key not in _QUERIES:
        try:
            _QUERIES[key] = Query(grammar(grammar_name), rule.query)
        except Exception:  # a query written for another grammar of the same family
            _QUERIES[key] = None
    return _QUERIES[key]


def run_ts_rules(ctx: TSContext, rules: Sequence[TSRule]) -> Iterator[tuple[TSRule, Hit]]:
    root = ctx.tree.root_node
    for rule in rules:
        query = _query(rule, ctx.grammar)
        if query is None:
            continue
        for _, captures in QueryCursor(query).matches(root):
            for hit in rule.check(captures, ctx):
                yield rule, hit
