"""C-ALLOC-001: allocation sizes multiplied from an input count with no overflow check."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.c.common import base_name, callee, calls_to, const_int, unwrap
from slopguard.rules.c.dataflow import FunctionFacts, arg_flow, function_facts
from slopguard.rules.c.views import buffer_name

# name -> index of the size argument (calloc and new T[n] check the product themselves)
_ALLOCATORS = {"malloc": 0, "realloc": 1, "alloca": 0, "xmalloc": 0, "g_malloc": 0}
# Integers decoded from input: wire-order conversions and text-to-number parsers.
_DECODED = re.compile(
    r"\b(?:ntoh[ls]|be(?:16|32|64)toh|le(?:16|32|64)toh|atoi|atol|atoll|strto[u]?l{0,2}|stoi|stoul)\s*\("
)
# Integers read from a byte buffer by width: read_be32(p), get_unaligned_le16(p), rd_u64(p), a reader's r.u32().
_WIRE_READ = re.compile(
    r"(?i)\b(?:\w+_)?(?:(?:read|get|load|fetch|take|pull|decode|unpack|extract|rd)_?(?:u|be|le|uint|int|s|i)?"
    r"|u|be|le|uint)_?(?:16|32|64)(?:_?(?:be|le))?\s*\("
)
_OVERFLOW_CHECKED = re.compile(r"__builtin_(?:mul|add)_overflow|ckd_mul|SIZE_MAX\s*/|SIZE_T_MAX\s*/|max\(\)\s*/")


def _factors(node: Node) -> list[Node]:
    """The operands of the multiplications in a size: ``count * sizeof *r + 16`` -> [count, sizeof *r]."""
    node = unwrap(node)
    if node.type != "binary_expression":
        return []
    op = node.child_by_field_name("operator")
    left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
    if op is None or left is None or right is None:
        return []
    if op.type == "*":
        return [*(_factors(left) or [unwrap(left)]), *(_factors(right) or [unwrap(right)])]
    if op.type == "+":
        return _factors(left) + _factors(right)
    return []


def _held_product(ctx: TSContext, size: Node, facts: FunctionFacts) -> list[Node]:
    """The factors of a size computed into a variable set once: ``n = w * h * 4; p = malloc(n);``."""
    size = unwrap(size)
    name = ctx.text(size) if size.type == "identifier" and ctx.text(size) not in facts.params else ""
    values = facts.values.get(name, []) if name else []
    return _factors(values[0]) if len(values) == 1 and values[0].start_byte < size.start_byte else []


def _decoded(ctx: TSContext, node: Node) -> bool:
    return bool(_DECODED.search(ctx.text(node)) or _WIRE_READ.search(ctx.text(node)))


def _from_input(ctx: TSContext, factor: Node, facts: FunctionFacts) -> str:
    """Where an input count comes from, if it does: a decoded wire value (held in a variable or a member), a
    member of a struct copied out of a byte buffer, or a variable that holds input."""
    if _decoded(ctx, factor):
        return ctx.compact(factor)[:40]
    name = ctx.text(factor) if factor.type == "identifier" else ""
    values = facts.values.get(name, []) if name else facts.fields.get(ctx.compact(factor), [])
    for value in values:
        if _decoded(ctx, value):
            return ctx.compact(value)[:40]
    copied = _copied_from_bytes(ctx, factor, facts)
    if copied:
        return copied
    flow = arg_flow(ctx, factor, facts)
    return flow.origin or "input" if flow.tainted else ""


def _copied_from_bytes(ctx: TSContext, factor: Node, facts: FunctionFacts) -> str:
    """``hdr.count`` after ``memcpy(&hdr, buf, sizeof hdr)`` from a pointer parameter (``buf`` or ``buf + off``):
    a header decoded from the bytes the function was handed."""
    target = factor.child_by_field_name("argument") if factor.type == "field_expression" else None
    struct = base_name(ctx, target) if target is not None else ""
    for call in facts.calls if struct else []:
        args = ctx.arguments(call)
        if callee(ctx, call) not in ("memcpy", "memmove") or len(args) < 2 or buffer_name(ctx, args[0]) != struct:
            continue
        source = unwrap(args[1])
        while source.type == "binary_expression" and (left := source.child_by_field_name("left")) is not None:
            source = unwrap(left)
        if base_name(ctx, source) in facts.params and call.start_byte < factor.start_byte:
            return f"{ctx.compact(call)[:40]}"
    return ""


def _compared_before(ctx: TSContext, name: str, at: Node, facts: FunctionFacts) -> bool:
    pattern = re.compile(rf"\b{re.escape(name)}\b")
    return any(c.start_byte < at.start_byte and pattern.search(ctx.text(c)) for c in facts.comparisons)


@ts_rule(
    id="C-ALLOC-001",
    title="Allocation size multiplied from an input count without an overflow check",
    cwe=(190, 680),
    severity=Severity.HIGH,
    confidence=Confidence.MEDIUM,
    languages=("c", "cpp"),
    query=calls_to(_ALLOCATORS),
    why="""Assistants read a record count from a packet or file header and allocate
    malloc(count * sizeof(struct record)). A count near SIZE_MAX / sizeof wraps the product to a small number:
    the allocation succeeds, and the loop that then reads count records writes far past it, a heap overflow the
    sender controls.""",
    fix="""Bound the count first (if (count > MAX_RECORDS) reject) or let the allocator check the product:
    calloc(count, sizeof *r), reallocarray(p, count, sizeof *r), __builtin_mul_overflow / ckd_mul, or
    std::vector<T>(count) in C++.""",
)
def overflowing_allocation(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    call: Node = captures["call"][0]
    name = callee(ctx, call)
    args = ctx.arguments(call)
    index = _ALLOCATORS.get(name, -1)
    facts = function_facts(ctx, call)
    if index < 0 or len(args) <= index or facts is None:
        return
    func = ctx.function_of(call)
    if func is not None and _OVERFLOW_CHECKED.search(ctx.text(func)):
        return
    for factor in _factors(args[index]) or _held_product(ctx, args[index], facts):
        if factor.type == "sizeof_expression" or const_int(ctx, factor) is not None:
            continue
        origin = _from_input(ctx, factor, facts)
        variable = ctx.text(factor) if factor.type in ("identifier", "field_expression") else ""
        if origin and not (variable and _compared_before(ctx, variable, call, facts)):
            yield ctx.hit(call, f"{name}() size multiplies '{ctx.text(factor)}' from {origin} with no overflow check")
            return
