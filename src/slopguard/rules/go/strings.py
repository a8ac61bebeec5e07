"""How the Go rules see a string being put together: fmt.Sprintf (numeric verbs ignored), +, strings.Join/Repeat,
strings.Builder writes, slices filled with placeholders, and the literal text of its pieces."""

from __future__ import annotations

import re

from tree_sitter import Node

from slopguard.engine.flow import CONST, CONST_TEXT, Flow, Level, join
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.go.common import (
    bound_values,
    constant,
    filled_by_address,
    function_of,
    package_call,
    string_value,
    unwrap,
)
from slopguard.rules.shared.trees import walk

_VERB = re.compile(r"%[-+# 0]*(?:\[\d+\])?(?:\*|\d+)?(?:\.(?:\*|\d+)?)?([a-zA-Z%])")
_SAFE_VERBS = frozenset("dbcoOxXUeEfFgGtp")


def _sprintf(ctx: TSContext, call: Node, depth: int) -> tuple[Flow, str]:
    """fmt.Sprintf with numeric verbs (%d, %x, %t ...) ignored: they cannot carry a quote."""
    args = ctx.arguments(call)
    template = constant(ctx, args[0]) if args else None
    if template is None or any(a.type == "variadic_argument" for a in args):
        return ctx.flow(call), ""
    verbs = [v for v in _VERB.findall(template) if v != "%"]
    pieces = [
        assemble(ctx, arg, depth + 1) for verb, arg in zip(verbs, args[1:], strict=False) if verb not in _SAFE_VERBS
    ]
    flow = join(f for f, _ in pieces)
    return Flow(flow.level, flow.dynamic or flow.built, True, flow.origin), " ".join(
        [template, *(t for _, t in pieces)]
    )


def _builder(ctx: TSContext, name: str, scope: Node, depth: int) -> tuple[Flow, str] | None:
    """What was written into a strings.Builder / bytes.Buffer ``name``: WriteString(..), fmt.Fprintf(&name, ..)."""
    pieces: list[tuple[Flow, str]] = []
    for node in walk(scope):
        if node.type != "call_expression":
            continue
        callee, args = node.child_by_field_name("function"), ctx.arguments(node)
        if callee is None or callee.type != "selector_expression" or not args:
            continue
        field = ctx.text(callee.child_by_field_name("field"))
        owner = ctx.compact(callee.child_by_field_name("operand"))
        if owner == name and field in ("WriteString", "Write", "WriteByte", "WriteRune"):
            pieces.append(assemble(ctx, args[0], depth + 1))
        elif field in ("Fprintf", "Fprint") and ctx.compact(args[0]).lstrip("&") == name:
            pieces.append(_sprintf(ctx, node, depth) if field == "Fprintf" else assemble(ctx, args[1], depth + 1))
    if not pieces:
        return None
    flow = join(f for f, _ in pieces)
    return Flow(flow.level, flow.dynamic or flow.built, True, flow.origin), " ".join(t for _, t in pieces)


def _builder_string(ctx: TSContext, call: Node, depth: int) -> tuple[Flow, str] | None:
    """``sb.String()`` of a strings.Builder filled in the same function."""
    callee = call.child_by_field_name("function")
    if (
        callee is None
        or callee.type != "selector_expression"
        or ctx.text(callee.child_by_field_name("field")) != "String"
    ):
        return None
    operand, scope = callee.child_by_field_name("operand"), function_of(call)
    if operand is None or operand.type != "identifier" or scope is None:
        return None
    return _builder(ctx, ctx.text(operand), scope, depth)


def _fixed_table(ctx: TSContext, node: Node) -> bool:
    """``sortColumns[key]`` where ``sortColumns`` is only ever a map or slice literal of string constants (the
    allow-list idiom for ORDER BY columns): whatever the key, the value is one of the program's own strings."""
    table = node.child_by_field_name("operand")
    if table is None or table.type != "identifier":
        return False
    scope = function_of(node)
    values = bound_values(ctx, ctx.text(table), scope) if scope is not None else []
    values = values or bound_values(ctx, ctx.text(table), ctx.tree.root_node)
    if not values or any(appended for _, appended in values):
        return False
    literals = [unwrap(v) for v, _ in values]
    if len(literals) != 1 or literals[0].type != "composite_literal":
        return False  # a table written to elsewhere (``cols[k] = v``) may hold anything
    body = literals[0].child_by_field_name("body")
    elements = [e.named_children[-1] for e in body.named_children] if body is not None else []
    return bool(elements) and all(constant(ctx, unwrap(e)) is not None for e in elements)


def assemble(ctx: TSContext, node: Node, depth: int = 0) -> tuple[Flow, str]:
    """How a string was put together: its flow and the literal text seen in its pieces (to tell SQL apart).
    Unlike ``ctx.flow`` this knows Sprintf verbs and package functions (``fmt``/``strings`` are no values)."""
    node = unwrap(node)
    value = string_value(ctx, node)
    if value is not None:
        return CONST_TEXT, value
    if depth > 5:
        return ctx.flow(node), ""
    if node.type == "binary_expression" and ctx.text(node.child_by_field_name("operator")) == "+":
        pieces = [
            assemble(ctx, n, depth + 1)
            for n in (node.child_by_field_name("left"), node.child_by_field_name("right"))
            if n
        ]
        flow = join(f for f, _ in pieces)
        textual = any(f.text or f.built for f, _ in pieces)
        built = flow.built or (textual and flow.dynamic)
        return Flow(flow.level, built, textual, flow.origin), " ".join(t for _, t in pieces)
    if node.type == "call_expression":
        target = package_call(ctx, node)
        if target in (("fmt", "Sprintf"), ("fmt", "Errorf")):
            return _sprintf(ctx, node, depth)
        if target is not None and target[0] in ("fmt", "strings") and not ctx.spec.sanitizers.search(target[1]):
            pieces = [assemble(ctx, a, depth + 1) for a in ctx.arguments(node)]
            if target[1] == "Repeat":
                pieces = pieces[:1]  # strings.Repeat("?, ", n): the count carries no text
            flow = join(f for f, _ in pieces)
            built = flow.built or (
                flow.dynamic and target[1] in ("Sprint", "Sprintln", "Join", "Replace", "ReplaceAll")
            )
            return Flow(flow.level, built, True, flow.origin), " ".join(t for _, t in pieces)
        builtin = ctx.text(node.child_by_field_name("function"))
        if builtin == "make":
            return CONST, ""  # an empty slice or builder, filled elsewhere
        if builtin == "append":
            pieces = [assemble(ctx, a, depth + 1) for a in ctx.arguments(node)[1:]]
            flow = join(f for f, _ in pieces)
            return Flow(flow.level, flow.built, flow.text, flow.origin), " ".join(t for _, t in pieces)
        written = _builder_string(ctx, node, depth)
        if written is not None:
            return written
    if node.type == "index_expression" and _fixed_table(ctx, node):
        return CONST_TEXT, ""
    if node.type == "identifier":
        scope = function_of(node)
        values = bound_values(ctx, ctx.text(node), scope) if scope is not None else []
        if values:
            parts = [(*assemble(ctx, v, depth + 1), appended) for v, appended in values]
            flow = join(f for f, _, _ in parts)
            built = flow.built or any(f.dynamic and appended for f, _, appended in parts)
            return Flow(flow.level, built, flow.text, flow.origin), " ".join(t for _, t, _ in parts)
    flow = ctx.flow(node)
    if not flow.dynamic and node.type in ("identifier", "selector_expression"):
        filler = filled_by_address(ctx, node)
        if filler is not None:  # var p Profile; db.Get(&p, ..): a stored record, not the zero value
            return Flow(Level.UNKNOWN, origin=f"{ctx.compact(node)} (read by {filler})"), ""
    return flow, ""
