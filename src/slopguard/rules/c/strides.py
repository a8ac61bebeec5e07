"""Formatted writes that step through a buffer, for C-BUF-002: ``sprintf(hex + 2 * i, "%02x", digest[i])`` in
``for (i = 0; i < N; i++)`` writes at most 3 bytes at offset 2 * i, so a buffer of 2 * N + 1 bytes holds every
pass. The bound is checked with numbers where they are known and with the loop's own bound otherwise
(``char hex[2 * SHA256_DIGEST_LENGTH + 1]`` filled ``i < SHA256_DIGEST_LENGTH`` times)."""

from __future__ import annotations

import dataclasses
import re

from tree_sitter import Node

from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.c.common import BYTE_TYPES, base_name, const_int, declared_name, unwrap
from slopguard.rules.c.dataflow import array_of
from slopguard.rules.c.formats import PrintfSpec, arguments_of, max_printf_length
from slopguard.rules.shared.trees import walk

_INTEGER_CONVERSIONS = frozenset("diouxX")


@dataclasses.dataclass(frozen=True)
class _Stride:
    buffer: Node
    stride: int
    index: str


def fits_every_pass(ctx: TSContext, call: Node, fmt: str, specs: list[PrintfSpec]) -> bool:
    """``call`` (a sprintf) writes at ``buf + stride * i`` inside a loop over ``i`` that keeps every write inside
    ``buf``; byte values (``digest[i]``, ``(unsigned)md[i]``) print at most as wide as a char."""
    args = ctx.arguments(call)
    step = _stride(ctx, args[0]) if args else None
    decl = array_of(ctx, step.buffer) if step is not None else None
    bound = _loop_bound(ctx, call, step.index) if step is not None else None
    if step is None or decl is None or bound is None:
        return False
    rest = args[2:]
    narrowed = [
        dataclasses.replace(spec, length="hh")
        if spec.conv in _INTEGER_CONVERSIONS and index < len(rest) and _byte_value(ctx, rest[index])
        else spec
        for index, spec in arguments_of(specs)
    ]
    longest = max_printf_length(narrowed, fmt, {})
    if longest is None:
        return False
    count = const_int(ctx, bound)
    if decl.size is not None and count is not None:
        return step.stride * (count - 1) + longest <= decl.size
    return _symbolic_fit(decl.size_text, ctx.compact(bound), step.stride, longest)


def _stride(ctx: TSContext, dest: Node) -> _Stride | None:
    """``buf + 2 * i`` / ``buf + i * 2`` / ``&buf[2 * i]``: the buffer, the step and the index variable."""
    dest = unwrap(dest)
    if dest.type == "pointer_expression" and ctx.text(dest).startswith("&") and dest.named_children:
        inner = unwrap(dest.named_children[-1])
        if inner.type != "subscript_expression":
            return None
        buffer, offset = inner.child_by_field_name("argument"), inner.child_by_field_name("index")
        if offset is None:  # tree-sitter-cpp keeps the index in a subscript_argument_list
            offset = next((c for c in inner.named_children[1:]), None)
            offset = offset.named_children[0] if offset is not None and offset.named_children else offset
    elif dest.type == "binary_expression" and ctx.text(dest.child_by_field_name("operator")) == "+":
        buffer, offset = dest.child_by_field_name("left"), dest.child_by_field_name("right")
    else:
        return None
    offset = unwrap(offset) if offset is not None else None
    if buffer is None or offset is None or not base_name(ctx, buffer):
        return None
    if offset.type == "identifier":
        return _Stride(buffer, 1, ctx.text(offset))
    if offset.type != "binary_expression" or ctx.text(offset.child_by_field_name("operator")) != "*":
        return None
    left, right = offset.child_by_field_name("left"), offset.child_by_field_name("right")
    for factor, index in ((left, right), (right, left)):
        number = const_int(ctx, factor) if factor is not None else None
        if number is not None and index is not None and unwrap(index).type == "identifier":
            return _Stride(buffer, number, ctx.text(unwrap(index)))
    return None


def _loop_bound(ctx: TSContext, call: Node, index: str) -> Node | None:
    """``N`` of the nearest enclosing ``for (i = 0; i < N; i++)`` that counts ``index`` up from 0."""
    loop = call.parent
    while loop is not None and loop.type != "for_statement":
        if loop.type in ("function_definition", "lambda_expression"):
            return None
        loop = loop.parent
    if loop is None:
        return None
    start = loop.child_by_field_name("initializer")
    condition = loop.child_by_field_name("condition")
    from_zero = start is not None and re.fullmatch(rf"[\w:]*{re.escape(index)}=0[uU]?;?", ctx.compact(start))
    if not from_zero or condition is None:
        return None
    condition = unwrap(condition)
    operator = condition.child_by_field_name("operator") if condition.type == "binary_expression" else None
    left, right = condition.child_by_field_name("left"), condition.child_by_field_name("right")
    if operator is None or left is None or right is None:
        return None
    if operator.type == "<" and ctx.compact(left) == index:
        return right
    return left if operator.type == ">" and ctx.compact(right) == index else None


def _byte_value(ctx: TSContext, node: Node) -> bool:
    """An element of a byte array or byte pointer: ``digest[i]``, ``(unsigned)md[i]``, ``*p``."""
    node = unwrap(node)
    if node.type not in ("subscript_expression", "pointer_expression") or not node.named_children:
        return False
    base = unwrap(node.named_children[0])
    decl = array_of(ctx, base)
    if decl is not None:
        return decl.byte
    name = ctx.text(base) if base.type == "identifier" else ""
    func = ctx.function_of(node)
    for declaration in walk(func) if func is not None and name else []:
        if declaration.type not in ("parameter_declaration", "declaration"):
            continue
        type_node = declaration.child_by_field_name("type")
        for declarator in declaration.children_by_field_name("declarator"):
            inner = declarator.child_by_field_name("declarator") if declarator.type == "init_declarator" else None
            if declared_name(ctx, inner or declarator) == name and type_node is not None:
                return " ".join(ctx.text(type_node).split()) in BYTE_TYPES
    return False


def _symbolic_fit(size_text: str, bound: str, stride: int, longest: int) -> bool:
    """``a * N + c`` bytes (``2*N+1``, ``N*2+1``) hold ``N`` writes of ``longest`` bytes, ``stride`` apart."""
    name = re.escape(bound)
    match = re.fullmatch(rf"\(?(?:(\d+)\*{name}|{name}\*(\d+))\)?(?:\+(\d+))?", size_text)
    if match is None:
        return False
    factor = int(match.group(1) or match.group(2))
    extra = int(match.group(3) or 0)
    return factor >= stride and factor + extra >= longest  # N >= 1: stride * (N - 1) + longest <= factor * N + extra
