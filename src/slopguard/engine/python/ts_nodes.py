"""What the tree-sitter → ``ast`` converter modules share: positions, node text, and the one error they raise."""

from __future__ import annotations

from typing import TypedDict

from tree_sitter import Node


class Unsupported(Exception):
    """A construct the converter cannot express as ``ast`` (Python 2 syntax, an error node)."""

    def __init__(self, node: Node, reason: str) -> None:
        super().__init__(reason)
        self.node = node
        self.reason = reason


class Span(TypedDict):
    lineno: int
    col_offset: int
    end_lineno: int
    end_col_offset: int


def span(node: Node, end: Node | None = None) -> Span:
    """The ``ast`` position of a node (or from ``node`` to ``end``): 1-based lines, UTF-8 byte columns."""
    last = end if end is not None else node
    return Span(
        lineno=node.start_point[0] + 1,
        col_offset=node.start_point[1],
        end_lineno=last.end_point[0] + 1,
        end_col_offset=last.end_point[1],
    )


def text(node: Node) -> str:
    return (node.text or b"").decode("utf-8", "replace")


_EXTRAS = frozenset({"comment", "line_continuation"})


def named(node: Node) -> list[Node]:
    """Named children, comments and line continuations left out."""
    return [c for c in node.named_children if c.type not in _EXTRAS]


def only(node: Node) -> Node:
    """The one named child of a wrapper node."""
    children = named(node)
    if len(children) != 1:
        raise Unsupported(node, f"unexpected {node.type}")
    return children[0]


def field(node: Node, name: str) -> Node:
    child = node.child_by_field_name(name)
    if child is None:
        raise Unsupported(node, f"{node.type} without {name}")
    return child


def code_span(node: Node) -> Span:
    """Like :func:`span`, but ending at the last token that is not a comment (a block's trailing comments are not
    part of its statement in ``ast``)."""
    last = node
    while True:
        children = [c for c in last.children if c.type != "comment" and c.end_byte > c.start_byte]
        if not children:
            break
        last = children[-1]
    return span(node, last)
