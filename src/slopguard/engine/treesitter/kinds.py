"""The nodes of some kinds in one tree, found by one native query instead of a walk in Python.

A rule that looks at every call of a file (or of one function, or one class body) reads them from here: the
query runs once per file and set of kinds, and the nodes come back in the order a depth-first walk of the named
nodes would meet them (a parent before its children, siblings in source order).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable

from tree_sitter import Node, Query, QueryCursor

from slopguard.engine.budget import check_now
from slopguard.engine.treesitter.grammars import grammar

_QUERIES: dict[tuple[str, frozenset[str]], Query | None] = {}


def _query(grammar_name: str, kinds: frozenset[str]) -> Query | None:
    """One pattern matching any of ``kinds`` (those the grammar has); None when it has none of them."""
    key = (grammar_name, kinds)
    if key not in _QUERIES:
        language = grammar(grammar_name)
        known = sorted(k for k in kinds if language.id_for_node_kind(k, True) is not None)
        source = "[" + " ".join(f"({kind})" for kind in known) + "] @node"
        _QUERIES[key] = Query(language, source) if known else None
    return _QUERIES[key]


class Kinds:
    """The named nodes of some kinds in a tree, in walk order."""

    def __init__(self, root: Node, grammar_name: str, kinds: Iterable[str]) -> None:
        query = _query(grammar_name, frozenset(kinds))
        found = QueryCursor(query).captures(root).get("node", []) if query is not None else []
        check_now()  # one native query cannot be interrupted: the budget is checked after it
        # The query reports them grouped by pattern, not in tree order: sorted by start, the enclosing one first.
        self.nodes: list[Node] = sorted(found, key=lambda n: (n.start_byte, -n.end_byte))
        self._starts = [n.start_byte for n in self.nodes]

    def inside(self, node: Node) -> list[Node]:
        """Those in the subtree of ``node`` (``node`` itself included), in walk order."""
        first = bisect_left(self._starts, node.start_byte)
        out: list[Node] = []
        for candidate in self.nodes[first:]:
            if candidate.start_byte > node.end_byte:
                break
            if candidate.end_byte > node.end_byte:
                continue
            ambiguous = candidate.start_byte == candidate.end_byte or (
                candidate.start_byte == node.start_byte and candidate.end_byte == node.end_byte
            )  # an empty node at an edge, or one spanning the same text: only its ancestry tells
            if not ambiguous or _descends(candidate, node):
                out.append(candidate)
        return out


def _descends(node: Node, ancestor: Node) -> bool:
    """Whether ``node`` is ``ancestor`` or lies in its subtree."""
    current: Node | None = node
    while current is not None:
        if current.id == ancestor.id:
            return True
        if current.start_byte < ancestor.start_byte or current.end_byte > ancestor.end_byte:
            return False
        current = current.parent
    return False


__all__ = ["Kinds"]
