"""``case`` patterns of a tree-sitter-python tree as ``ast`` match patterns (capture names, values, classes,
sequences, mappings, alternatives)."""

from __future__ import annotations

import ast

from tree_sitter import Node

from slopguard.engine.python.ts_expressions import expr
from slopguard.engine.python.ts_nodes import Unsupported, named, only, span, text

_SINGLETONS = {"true": True, "false": False, "none": None}
_VALUES = frozenset({"string", "concatenated_string", "integer", "float"})


def case_patterns(clause: Node) -> ast.pattern:
    """The pattern of a ``case`` clause: ``case a, b:`` is a sequence pattern."""
    patterns = [c for c in clause.named_children if c.type == "case_pattern"]
    if len(patterns) == 1 and not any(c.type == "," for c in clause.children):
        return pattern(patterns[0])
    return ast.MatchSequence([pattern(p) for p in patterns], **span(patterns[0], patterns[-1]))


def pattern(node: Node) -> ast.pattern:
    """One ``case_pattern`` (or a pattern node inside one)."""
    if node.type == "case_pattern":
        return _group(node, [c for c in node.children if c.type != "comment"])
    return _group(node, [node])


def _group(owner: Node, nodes: list[Node]) -> ast.pattern:
    """A pattern written as one node, ``_``, or ``-`` and a number."""
    if len(nodes) == 2 and nodes[0].type == "-":
        return ast.MatchValue(_negative(nodes[0], nodes[1]), **span(nodes[0], nodes[1]))
    if len(nodes) != 1:
        raise Unsupported(owner, "unexpected pattern")
    node = nodes[0]
    kind = node.type
    if kind == "_":
        return ast.MatchAs(None, None, **span(node))
    if kind == "case_pattern":
        return pattern(node)
    if kind == "as_pattern":
        inner = next(c for c in node.named_children if c.type == "case_pattern")
        return ast.MatchAs(pattern(inner), text(node.named_children[-1]), **span(node))
    if kind == "union_pattern":
        return ast.MatchOr(_alternatives(node), **span(node))
    if kind in ("list_pattern", "tuple_pattern"):
        return ast.MatchSequence([pattern(c) for c in named(node)], **span(node))
    if kind == "splat_pattern":
        name = named(node)
        return ast.MatchStar(text(name[0]) if name else None, **span(node))
    if kind == "dict_pattern":
        return _mapping(node)
    if kind == "class_pattern":
        return _class(node)
    if kind in _SINGLETONS:
        return ast.MatchSingleton(_SINGLETONS[kind], **span(node))
    if kind == "dotted_name":
        parts = named(node)
        if len(parts) == 1:
            return ast.MatchAs(None, text(parts[0]), **span(node))
        return ast.MatchValue(dotted(node), **span(node))
    return ast.MatchValue(_value(node), **span(node))


def _alternatives(node: Node) -> list[ast.pattern]:
    groups: list[list[Node]] = [[]]
    for child in node.children:
        if child.type == "|":
            groups.append([])
        elif child.type != "comment":
            groups[-1].append(child)
    return [_group(node, group) for group in groups]


def _value(node: Node) -> ast.expr:
    if node.type in _VALUES:
        return expr(node)
    if node.type == "complex_pattern":
        parts = [c for c in node.children if c.type != "comment"]
        real = _negative(parts[0], parts[1]) if parts[0].type == "-" else expr(parts[0])
        sign, imaginary = parts[-2], parts[-1]
        op: ast.operator = ast.Add() if sign.type == "+" else ast.Sub()
        return ast.BinOp(real, op, expr(imaginary), **span(node))
    if node.type == "dotted_name":
        return dotted(node)
    raise Unsupported(node, f"unsupported pattern ({node.type})")


def _negative(minus: Node, number: Node) -> ast.expr:
    return ast.UnaryOp(ast.USub(), expr(number), **span(minus, number))


def dotted(node: Node) -> ast.expr:
    """``a.b.c`` as a chain of attributes."""
    parts = named(node)
    value: ast.expr = ast.Name(text(parts[0]), ast.Load(), **span(parts[0]))
    for part in parts[1:]:
        value = ast.Attribute(value, text(part), ast.Load(), **span(parts[0], part))
    return value


def _mapping(node: Node) -> ast.pattern:
    keys: list[ast.expr] = []
    patterns: list[ast.pattern] = []
    rest: str | None = None
    key: list[Node] = []
    for index, child in enumerate(node.children):
        name = node.field_name_for_child(index)
        if name == "key":  # a key may be two tokens: '-' and a number
            key.append(child)
        elif name == "value":
            keys.append(_negative(key[0], key[1]) if len(key) == 2 else _value(key[0]))
            patterns.append(pattern(child))
            key = []
        elif child.type == "splat_pattern":
            rest = text(only(child))
    return ast.MatchMapping(keys, patterns, rest, **span(node))


def _class(node: Node) -> ast.pattern:
    parts = named(node)
    positional: list[ast.pattern] = []
    attributes: list[str] = []
    keyword: list[ast.pattern] = []
    for child in parts[1:]:
        found = _keyword(child)
        if found is None:
            positional.append(pattern(child))
        else:
            attributes.append(found[0])
            keyword.append(found[1])
    return ast.MatchClass(dotted(parts[0]), positional, attributes, keyword, **span(node))


def _keyword(node: Node) -> tuple[str, ast.pattern] | None:
    """``name=pattern`` in a class pattern; tree-sitter reads ``name=p as x`` as ``(name=p) as x``."""
    inner = named(node)
    if len(inner) != 1:
        return None
    if inner[0].type == "as_pattern":
        found = _keyword(inner[0].named_children[0])
        if found is None:
            return None
        alias = inner[0].named_children[-1]
        where = span(inner[0])
        where["lineno"], where["col_offset"] = found[1].lineno, found[1].col_offset
        return found[0], ast.MatchAs(found[1], text(alias), **where)
    if inner[0].type != "keyword_pattern":
        return None
    name, *value = [c for c in inner[0].children if c.type not in ("=", "comment")]
    return text(name), _group(inner[0], value)
