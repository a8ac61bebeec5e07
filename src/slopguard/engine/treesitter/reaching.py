"""Reaching definitions inside one function: which assignments of a name can give it its value at a use.

A function's definitions (declarations, assignments, ``+=``, ``sb.append(x)``) are listed once in document order.
At a use, the walk goes up the tree from the use and, at each level, back through the siblings that ran before
it: a plain assignment of the whole name that runs whenever its statement does ends the walk (it kills everything
earlier); assignments under a condition, a loop or a ``try`` add to the answer without ending it. Definitions in a
branch that never runs (:class:`~slopguard.engine.treesitter.folding.Folder`) are dropped, so
``if ((7 * 42) - num > 200) bar = "safe"; else bar = param;`` leaves only ``"safe"``. A use inside a loop also
sees every definition in that loop (the previous iteration's).
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field

from tree_sitter import Node

from slopguard.engine.treesitter.folding import IFS, LOOPS, TRIES, Folder, Step
from slopguard.engine.treesitter.spec import Binding


@dataclass(frozen=True)
class Definition:
    """One assignment of ``name``: ``anchor`` is the node that performs it, ``value`` the assigned expression."""

    name: str
    scope: int  # the id of the function it belongs to
    binding: Binding
    anchor: Node
    value: Node
    kills: bool  # a plain assignment of the whole name: earlier values are gone
    augmented: bool  # ``+=`` / ``append``: the new value includes the old one


@dataclass
class Definitions:
    """The definitions of one function, by name, in document order; and the names it declares."""

    function: Node
    by_name: dict[str, list[Definition]] = field(default_factory=dict)
    declared: set[str] = field(default_factory=set)
    _starts: dict[str, list[int]] = field(default_factory=dict)
    # (name, use node id) -> the answer of :func:`reaching`; emptied whenever the definitions change
    answers: dict[tuple[str, int], tuple[list[Definition], bool]] = field(default_factory=dict)

    def add(self, definition: Definition) -> None:
        self.by_name.setdefault(definition.name, []).append(definition)
        self.answers.clear()

    def seal(self) -> None:
        """Sort each name's definitions into document order."""
        for found in self.by_name.values():
            found.sort(key=lambda d: (d.anchor.start_byte, -d.anchor.end_byte))
        self._starts = {name: [d.anchor.start_byte for d in found] for name, found in self.by_name.items()}
        self.answers.clear()

    def prune(self, folder: Folder) -> None:
        """Drop the definitions in branches that never run (``else bar = param`` under an always-true ``if``)."""
        live = {
            name: [d for d in found if folder.path(d.anchor, self.function) is not Step.NEVER]
            for name, found in self.by_name.items()
        }
        self.by_name = live
        self._starts = {name: [d.anchor.start_byte for d in found] for name, found in live.items()}
        self.answers.clear()

    def ordered(self) -> list[Definition]:
        """Every definition, in document order."""
        return sorted((d for found in self.by_name.values() for d in found), key=lambda d: d.anchor.start_byte)

    def within(self, name: str, node: Node) -> list[Definition]:
        found = self.by_name.get(name, [])
        starts = self._starts.get(name, [])
        first = bisect_left(starts, node.start_byte)
        out: list[Definition] = []
        for definition in found[first:]:
            if definition.anchor.start_byte >= node.end_byte:
                break
            if definition.anchor.end_byte <= node.end_byte:
                out.append(definition)
        return out


def reaching(defs: Definitions, name: str, use: Node, folder: Folder) -> tuple[list[Definition], bool]:
    """The definitions of ``name`` that may reach ``use``, and whether the function's entry value may too (kept
    per use: a value is looked up again for every expression that reads it)."""
    key = (name, use.id)
    answer = defs.answers.get(key)
    if answer is None:
        answer = defs.answers[key] = _reaching(defs, name, use, folder)
    return list(answer[0]), answer[1]


def _reaching(defs: Definitions, name: str, use: Node, folder: Folder) -> tuple[list[Definition], bool]:
    found: list[Definition] = []
    seen: set[int] = set()

    def take(candidates: list[Definition]) -> None:
        for definition in candidates:
            if definition.anchor.id not in seen:
                seen.add(definition.anchor.id)
                found.append(definition)

    node = use
    while node.id != defs.function.id and node.parent is not None:
        parent = node.parent
        if parent.type in LOOPS:
            take(defs.within(name, parent))  # the previous iteration's values
        weak = parent.type in TRIES and node.type in ("catch_clause", "finally_clause")
        for sibling in reversed(_preceding(node, parent, folder)):
            candidates = defs.within(name, sibling)
            if not candidates:
                continue
            killers = (
                [] if weak else [d for d in candidates if d.kills and folder.path(d.anchor, sibling) is Step.ALWAYS]
            )
            if killers:
                last = killers[-1].anchor.start_byte
                take([d for d in candidates if d.anchor.start_byte >= last])
                return found, False
            take(candidates)
        node = parent
    return found, True


def _preceding(node: Node, parent: Node, folder: Folder) -> list[Node]:
    """The siblings of ``node`` that ran before it (an ``else`` does not follow its ``then``, nor a case another)."""
    siblings: list[Node] = []
    for child in parent.named_children:
        if child.id == node.id:
            break
        siblings.append(child)
    if parent.type in IFS:  # Go's ``if v := f(); v != ""`` runs its initializer before either branch
        ran = {c.id for c in (parent.child_by_field_name("initializer"), parent.child_by_field_name("condition")) if c}
        return [s for s in siblings if s.id in ran]
    live = folder.live_cases(parent) if any(_is_case(s) for s in siblings) else None
    if live is not None and node.id in live:
        return [s for s in siblings if not _is_case(s) or s.id in live]
    return [s for s in siblings if not _is_case(s)]


def _is_case(node: Node) -> bool:
    return node.type in (
        "switch_block_statement_group", "switch_rule", "switch_case", "switch_default", "case_statement",
        "expression_case", "default_case", "match_arm",
    )  # fmt: skip


__all__ = ["Definition", "Definitions", "reaching"]
