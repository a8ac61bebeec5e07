"""Pointers into C++ temporaries: ``const char *p = (a + b).c_str();`` keeps the text of a std::string that is
destroyed at the end of that statement, so every later read of ``p`` reads freed memory (C-MEM-002)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tree_sitter import Node

from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.c.common import declared_name, unwrap
from slopguard.rules.shared.trees import walk

# The views whose pointer lives only as long as the object, and the calls that make a new string by value.
VIEWS = frozenset({"c_str", "data"})
_BY_VALUE = re.compile(r"^(?:std::)?(?:w?string|to_w?string|format|basic_string<.*>)$|^fmt::format$")
_BY_VALUE_METHODS = frozenset({"substr", "str"})  # std::string::substr, std::ostringstream::str


@dataclass(frozen=True)
class Dangling:
    """The pointer's name, the statement that takes it, and the first read of it after that statement."""

    name: str
    statement: Node
    use: Node


def temporary(ctx: TSContext, node: Node) -> bool:
    """A string object that dies at the end of the full expression: ``a + b``, ``std::string(x)``,
    ``std::to_string(n)``, ``s.substr(1)``, ``out.str()``."""
    node = unwrap(node)
    if node.type == "binary_expression":
        operator = node.child_by_field_name("operator")
        return operator is not None and operator.type == "+"
    if node.type == "compound_literal_expression":
        return True
    fn = node.child_by_field_name("function") if node.type == "call_expression" else None
    if fn is None:
        return False
    if fn.type == "field_expression":
        method = fn.child_by_field_name("field")
        return method is not None and ctx.text(method) in _BY_VALUE_METHODS
    return bool(_BY_VALUE.match(ctx.compact(fn)))


def dangling_pointer(ctx: TSContext, declarator: Node, value: Node) -> Dangling | None:
    """``T *name = <temporary>.c_str();`` and the first read of ``name`` after the declaration, if any."""
    fn = value.child_by_field_name("function")
    receiver = fn.child_by_field_name("argument") if fn is not None else None
    pointer = declarator.child_by_field_name("declarator")
    statement = declarator.parent
    kind = statement.child_by_field_name("type") if statement is not None else None
    held = pointer is not None and (
        pointer.type == "pointer_declarator" or (kind is not None and kind.type == "placeholder_type_specifier")
    )
    if receiver is None or pointer is None or not held or not temporary(ctx, receiver):
        return None
    name = declared_name(ctx, pointer)
    block = statement.parent if statement is not None else None
    if not name or statement is None or block is None or block.type != "compound_statement":
        return None
    for later in block.named_children[block.named_children.index(statement) + 1 :]:
        for node in walk(later):
            if node.type != "identifier" or ctx.text(node) != name:
                continue
            parent = node.parent
            if (
                parent is not None
                and parent.type == "assignment_expression"
                and parent.child_by_field_name("left") == node
            ):
                return None  # pointed somewhere else first
            return Dangling(name, statement, node)
    return None
