"""Run the tree-sitter rules of one language over one parsed file: each rule's query, compiled once.

Queries run under the file's time budget (checked after each query and between matches; the file is skipped once
it runs out), and never over a tree deeper than tree-sitter's query engine can follow.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from tree_sitter import Query, QueryCursor, Tree

from slopguard.engine.budget import check, check_now
from slopguard.engine.hit import Hit
from slopguard.engine.registry import TSRule
from slopguard.engine.treesitter.context import TSContext
from slopguard.engine.treesitter.grammars import grammar

_QUERIES: dict[tuple[str, str], Query | None] = {}
# tree-sitter's query cursor counts depth in 16 bits (past 65,535 levels it misses matches), and a pattern that
# stays open across a deep subtree costs time in proportion to its depth.
# No real program nests this deep; a tree that does is not analysed (the file is skipped, failing closed).
MAX_TREE_DEPTH = 20_000
_ANY_NODE: dict[str, Query] = {}


class TooDeep(Exception):
    """The syntax tree is nested deeper than the query engine can follow."""


def ensure_shallow(tree: Tree, grammar_name: str, limit: int = MAX_TREE_DEPTH) -> None:
    """Raise TooDeep when some node of ``tree`` lies deeper than ``limit`` (cheap: only trees with more nodes
    than ``limit`` can be that deep, and the check stops descending at ``limit``)."""
    root = tree.root_node
    total = root.descendant_count
    if total <= limit:
        return
    if grammar_name not in _ANY_NODE:
        _ANY_NODE[grammar_name] = Query(grammar(grammar_name), "_ @n")
    cursor = QueryCursor(_ANY_NODE[grammar_name])
    cursor.set_max_start_depth(limit)
    reached = len(cursor.captures(root).get("n", []))  # linear, and stops at the limit
    check_now()
    if reached < total:
        raise TooDeep(f"code nested more than {limit:,} levels deep")


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
        matches = QueryCursor(query).matches(
            root,
        )
        check_now()  # one native query cannot be interrupted: the budget is checked after each
        for _, captures in matches:
            check()
            for hit in rule.check(captures, ctx):
                yield rule, hit
