"""Walking tree-sitter trees the same way in every tree-sitter pack."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator

from tree_sitter import Node


def walk(node: Node, skip: Collection[str] = ()) -> Iterator[Node]:
    """``node`` and its named descendants, depth first in source order; subtrees of a type in ``skip`` are not
    entered."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        children = current.named_children
        stack.extend(reversed([c for c in children if c.type not in skip] if skip else children))


def ancestor(node: Node, kinds: Collection[str]) -> Node | None:
    """The nearest enclosing node of one of these types (``node`` itself excluded), else None."""
    parent = node.parent
    while parent is not None and parent.type not in kinds:
        parent = parent.parent
    return parent


def any_of(names: Iterable[str]) -> str:
    """The arguments of a ``#any-of?`` query predicate: ``"Query" "Exec"``."""
    return " ".join(f'"{n}"' for n in names)
