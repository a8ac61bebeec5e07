"""The fields of an AST node type that can hold child nodes, looked up once per type (for the walkers' loops)."""

from __future__ import annotations

import ast

# Node types without children worth visiting (names, constants, operators, aliases, load/store contexts).
LEAVES = (ast.Constant, ast.Name, ast.expr_context, ast.alias, ast.operator, ast.cmpop, ast.unaryop, ast.boolop)


def _with_subclasses(kind: type) -> set[type]:
    found = {kind}
    children: list[type] = type.__subclasses__(kind)
    for child in children:
        found |= _with_subclasses(child)
    return found


# Every leaf class: a set lookup of ``type(node)`` is cheaper than ``isinstance(node, LEAVES)``.
LEAF_KINDS = frozenset(kind for base in LEAVES for kind in _with_subclasses(base))
# Types of field values a walk never needs to push: leaves, names (str) and absent values (None).
NOT_WALKED = LEAF_KINDS | {str, type(None)}
_FIELDS: dict[type[ast.AST], tuple[str, ...]] = {}


def child_fields(kind: type[ast.AST]) -> tuple[str, ...]:
    """The fields of ``kind`` that may hold nodes (none for a leaf; never the load/store ``ctx``)."""
    fields = _FIELDS.get(kind)
    if fields is None:
        fields = () if issubclass(kind, LEAVES) else tuple(f for f in kind._fields if f != "ctx")
        _FIELDS[kind] = fields
    return fields
