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


def dangling_member_reads(ctx: TSContext, store: Node) -> list[Node]:
    """``p.label = (a + b).c_str();`` keeps a pointer into a temporary in a struct member: every read of that
    member in the file (here or in the function the struct is handed to) reads freed memory. Only for a member
    declared in this file as a pointer and only ever set from such temporaries; [] for every store but the first
    (the reads are reported once)."""
    stores = ctx.memo("c.temporary_members", lambda: _temporary_members(ctx))
    member = _member(ctx, store.child_by_field_name("left"))
    if stores.get(member, [None])[0] != store:
        return []
    reads = []
    for node in walk(ctx.tree.root_node):
        if node.type != "field_expression" or _member(ctx, node) != member:
            continue
        parent = node.parent
        written = (
            parent is not None and parent.type == "assignment_expression" and parent.child_by_field_name("left") == node
        )
        measured = parent is not None and parent.type == "sizeof_expression"
        if not written and not measured and not any(_inside(node, s) for s in stores[member]):
            reads.append(node)
    return reads


def _temporary_members(ctx: TSContext) -> dict[str, list[Node]]:
    """Pointer members of this file's structs -> their stores, when every store is a temporary's view."""
    pointers: dict[str, bool] = {}
    for node in walk(ctx.tree.root_node):
        if node.type == "field_declaration":
            for declarator in node.children_by_field_name("declarator"):
                pointer = declarator.type == "pointer_declarator"
                while declarator.type == "pointer_declarator" and (
                    inner := declarator.child_by_field_name("declarator")
                ):
                    declarator = inner
                name = ctx.text(declarator) if declarator.type == "field_identifier" else ""
                pointers[name] = pointers.get(name, True) and pointer
    stores: dict[str, list[Node]] = {}
    spoiled: set[str] = set()
    for node in walk(ctx.tree.root_node):
        if node.type != "assignment_expression":
            continue
        member = _member(ctx, node.child_by_field_name("left"))
        if not member or not pointers.get(member):
            continue
        if _temporary_view(ctx, node.child_by_field_name("right")):
            stores.setdefault(member, []).append(node)
        else:
            spoiled.add(member)
    return {m: s for m, s in stores.items() if m not in spoiled}


def _temporary_view(ctx: TSContext, value: Node | None) -> bool:
    value = unwrap(value) if value is not None else None
    fn = value.child_by_field_name("function") if value is not None and value.type == "call_expression" else None
    method = fn.child_by_field_name("field") if fn is not None and fn.type == "field_expression" else None
    receiver = fn.child_by_field_name("argument") if fn is not None else None
    return method is not None and receiver is not None and ctx.text(method) in VIEWS and temporary(ctx, receiver)


def _member(ctx: TSContext, node: Node | None) -> str:
    field = node.child_by_field_name("field") if node is not None and node.type == "field_expression" else None
    return ctx.text(field) if field is not None else ""


def _inside(node: Node, outer: Node) -> bool:
    return outer.start_byte <= node.start_byte and node.end_byte <= outer.end_byte
