"""Run the tree-sitter rules of one language over one parsed file: each rule's query, compiled once."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from tree_sitter import Query, QueryCursor

from slopguard.engine.hit import Hit
from slopguard.engine.registry import TSRule
from slopguard.engine.treesitter.context import TSContext
from slopguard.engine.treesitter.grammars import grammar

_QUERIES: dict[tuple[str, str], Query | None] = {}


def _query(rule: TSRule, grammar_name: str) -> Query | None:
    key = (rule.meta.id, grammar_name)
    if key not in _QUERIES:
        _QUERIES[key] = compile_query(rule, grammar_name)
    return _QUERIES[key]


def compile_query(rule: TSRule, grammar_name: str) -> Query | None:
    """The rule's query for a grammar; None only when it uses node kinds that grammar does not have
    (a JavaScript query on TypeScript-only syntax, say). A syntax error in the query is an error."""
    try:
        return Query(grammar(grammar_name), rule.query)
    except Exception as exc:
        if "syntax" in str(exc).lower():
            raise ValueError(f"{rule.meta.id}: invalid tree-sitter query: {exc}") from exc
        return None


def run_ts_rules(ctx: TSContext, rules: Sequence[TSRule]) -> Iterator[tuple[TSRule, Hit]]:
    root = ctx.tree.root_node
    for rule in rules:
        query = _query(rule, ctx.grammar)
        if query is None:
            continue
        for _, captures in QueryCursor(query).matches(root):
            for hit in rule.check(captures, ctx):
                yield rule, hit
