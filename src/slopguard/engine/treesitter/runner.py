"""Run the tree-sitter rules of one language over one parsed file, in one pass over its tree.

The queries of the rules that run together are joined into one query, compiled once per grammar and rule set
(rules with the same query text share its patterns): one walk of the tree finds every rule's matches, which are
then handed to each rule in turn, in the order its own query would have found them. Walking the tree once per
rule cost more than all the rules' checks on ordinary files.

The query runs under the file's time budget (checked after the query and every 256 matches; the file is
skipped once it runs out), and never over a tree deeper than tree-sitter's query engine can follow.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from tree_sitter import Query, QueryCursor, Tree

from slopguard.engine.budget import check_now
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


@dataclass(frozen=True)
class _Plan:
    """The joined query of a rule set: which distinct query each pattern came from, and each rule's."""

    query: Query | None
    pattern_slots: tuple[int, ...]  # pattern index -> slot (one slot per distinct query text)
    rule_slots: tuple[int | None, ...]  # rule -> its slot; None when its query does not fit the grammar
    slots: int


_PLANS: dict[tuple[str, tuple[str, ...]], _Plan] = {}


def _plan(rules: Sequence[TSRule], grammar_name: str) -> _Plan:
    key = (grammar_name, tuple(rule.meta.id for rule in rules))
    if key not in _PLANS:
        _PLANS[key] = join_queries(rules, grammar_name)
    return _PLANS[key]


def join_queries(rules: Sequence[TSRule], grammar_name: str) -> _Plan:
    """One query holding the patterns of every rule's query (each distinct query text once)."""
    texts: dict[str, int] = {}
    pattern_slots: list[int] = []
    rule_slots: list[int | None] = []
    for rule in rules:
        query = _query(rule, grammar_name)
        if query is None:
            rule_slots.append(None)
            continue
        if rule.query not in texts:
            texts[rule.query] = len(texts)
            pattern_slots += [texts[rule.query]] * query.pattern_count
        rule_slots.append(texts[rule.query])
    joined = Query(grammar(grammar_name), "\n".join(texts)) if texts else None
    if joined is not None and joined.pattern_count != len(pattern_slots):
        raise ValueError(
            f"joined query of {grammar_name} has {joined.pattern_count} patterns, not {len(pattern_slots)}"
        )
    return _Plan(joined, tuple(pattern_slots), tuple(rule_slots), len(texts))


def run_ts_rules(ctx: TSContext, rules: Sequence[TSRule]) -> Iterator[tuple[TSRule, Hit]]:
    plan = _plan(rules, ctx.grammar)
    if plan.query is None:
        return
    found: list[list[dict[str, Any]]] = [[] for _ in range(plan.slots)]
    matches = QueryCursor(plan.query).matches(ctx.tree.root_node)
    check_now()  # one native query cannot be interrupted: the budget is checked after it
    slot_of = plan.pattern_slots
    for pattern, captures in matches:
        found[slot_of[pattern]].append(captures)
    for rule, slot in zip(rules, plan.rule_slots, strict=True):
        if slot is None:
            continue
        for count, captures in enumerate(found[slot]):
            if not count & 255:
                check_now()  # between matches: a rule's check may be slow on some file
            for hit in rule.check(captures, ctx):
                yield rule, hit
