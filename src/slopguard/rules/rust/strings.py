"""How the Rust rules see a string being put together: format! (inline arguments included), +, push_str, write!,
and the literal text of its pieces (to tell SQL apart)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from tree_sitter import Node

from slopguard.engine.flow import CONST_TEXT, SAFE, Flow, join
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.rust.common import bound_name, function_of, method, path_name, receiver, string_value, unwrap
from slopguard.rules.rust.structs import field_types, variable_struct
from slopguard.rules.shared.trees import walk

_INLINE_ARG = re.compile(r"(?<!\{)\{([A-Za-z_]\w*)(?::[^}]*)?\}")
_PASS_THROUGH = frozenset(
    {"as_str", "as_ref", "to_string", "clone", "to_owned", "into", "trim", "repeat", "join", "collect", "iter",
     "into_iter", "cloned", "copied", "unwrap", "expect"}
)  # fmt: skip
_FORMAT_MACROS = frozenset({"format", "write", "writeln", "format_args"})
_PLACEHOLDERS = re.compile(r"[\s$?:@,()]*[$?:@][\s$?:@,()]*")
_NUMBER_KEEPING = frozenset({"unwrap_or", "unwrap_or_default", "unwrap", "expect", "min", "max", "clamp", "abs",
                             "saturating_sub", "saturating_add", "saturating_mul", "clone"})  # fmt: skip
_NUMERIC = re.compile(r"^(?:Option<)?(?:[iu](?:8|16|32|64|128|size)|f32|f64|bool|(?:uuid::)?Uuid)>?$")


def _lookup(ctx: TSContext, name: str, at: Node) -> Flow:
    # TSContext has no public name lookup; format!("{name}") needs one for its inline arguments.
    return ctx._lookup(name, at)


def _format_values(macro: Node) -> Iterator[Node]:
    """The values a format!/write! token tree interpolates: ``params.q`` yields ``params`` (not the field ``q``),
    ``x.len()`` yields ``x``, ``name = v`` yields ``v``; the format string and write!'s target are skipped."""
    tree = next((c for c in macro.named_children if c.type == "token_tree"), None)
    seen_template = False
    for child in tree.children if tree is not None else []:
        if not child.is_named or child.type in ("line_comment", "block_comment", "token_tree"):
            continue
        if not seen_template:
            seen_template = child.type in ("string_literal", "raw_string_literal")
            continue
        before, after = child.prev_sibling, child.next_sibling
        if (before is not None and before.type in (".", "::")) or (after is not None and after.type == "="):
            continue
        yield child


def _numeric_field(ctx: TSContext, value: Node) -> bool:
    """``body.delta`` in a format!'s tokens where ``body`` holds a deserialised struct whose ``delta`` is declared
    a number or a bool (``delta: i32``): serde rejected anything else, so it carries no text."""
    dot = value.next_sibling
    field = dot.next_sibling if dot is not None and dot.type == "." else None
    after = field.next_sibling if field is not None else None
    if value.type != "identifier" or field is None or field.type != "identifier":
        return False
    if after is not None and after.type in ("token_tree", "::"):
        return False  # a method call on the variable: body.delta(..)
    struct = variable_struct(ctx, ctx.text(value), value)
    return bool(struct) and bool(_NUMERIC.match(field_types(ctx, struct).get(ctx.text(field), "")))


def _numeric_chain(ctx: TSContext, node: Node) -> bool:
    """``q.limit.unwrap_or(50).min(200)`` where ``q`` holds a deserialised struct whose ``limit`` is declared a
    number (``Option<u32>``): defaults, bounds and unwraps keep it a number, which carries no text."""
    node = unwrap(node)
    while node.type == "call_expression" and method(ctx, node) in _NUMBER_KEEPING and receiver(node) is not None:
        node = unwrap(receiver(node) or node)
    if node.type != "field_expression":
        return False
    value, field = node.child_by_field_name("value"), node.child_by_field_name("field")
    if value is None or field is None or value.type != "identifier":
        return False
    struct = variable_struct(ctx, ctx.text(value), value)
    return bool(struct) and bool(_NUMERIC.match(field_types(ctx, struct).get(ctx.text(field), "")))


def _value_flow(ctx: TSContext, value: Node, depth: int) -> Flow:
    return SAFE if _numeric_field(ctx, value) else assemble(ctx, value, depth)[0]


def _format_flow(ctx: TSContext, macro: Node, depth: int) -> Flow:
    """format!(..) including Rust 2021 inline arguments (``format!("... {name}")``)."""
    args = ctx.arguments(macro)
    template = next((string_value(ctx, a) for a in args if string_value(ctx, a) is not None), None)
    if template is None:
        return ctx.flow(macro)
    if _PLACEHOLDERS.fullmatch(re.sub(r"\{[^{}]*\}", "", template)):
        return CONST_TEXT  # format!("${}", i): numbered placeholders, not data
    values = [_value_flow(ctx, v, depth + 1) for v in _format_values(macro)]
    inline = [_named(ctx, name, macro, depth + 1)[0] for name in _INLINE_ARG.findall(template)]
    flow = join((CONST_TEXT, *values, *inline))
    return Flow(flow.level, flow.built or flow.dynamic, True, flow.origin)


def _mutations(ctx: TSContext, name: str, scope: Node) -> Iterator[tuple[Node, bool]]:
    """Values written into ``name`` in ``scope``: (value, appended?) for let/assignments, push_str, write!."""
    for node in walk(scope):
        kind = node.type
        if kind in ("let_declaration", "assignment_expression", "compound_assignment_expr"):
            target = node.child_by_field_name("pattern") or node.child_by_field_name("left")
            value = node.child_by_field_name("value") or node.child_by_field_name("right")
            if target is not None and value is not None and bound_name(ctx, target) == name:
                yield value, kind == "compound_assignment_expr"
        elif kind == "call_expression" and method(ctx, node) in ("push_str", "push", "insert_str"):
            obj = receiver(node)
            args = ctx.arguments(node)
            if obj is not None and args and ctx.compact(unwrap(obj)) == name:
                yield args[-1], True
        elif kind == "macro_invocation" and ctx.call_name(node) in ("write", "writeln"):
            args = ctx.arguments(node)
            idents = [a for a in args[:3] if a.type == "identifier"]
            if idents and ctx.text(idents[0]) == name:
                yield node, True


def _written(ctx: TSContext, value: Node, depth: int) -> tuple[Flow, str]:
    """What a write stores; ``let id: i64 = ..`` holds a number whatever the value was parsed from."""
    let = value.parent
    typed = let.child_by_field_name("type") if let is not None and let.type == "let_declaration" else None
    if (typed is not None and _NUMERIC.match(ctx.compact(typed))) or _numeric_chain(ctx, value):
        return SAFE, ""
    return assemble(ctx, value, depth)


def _named(ctx: TSContext, name: str, at: Node, depth: int) -> tuple[Flow, str]:
    """What the function wrote into ``name`` (let, assignments, push_str, write!); the engine's view otherwise."""
    scope = function_of(at)
    written = [(v, appended) for v, appended in _mutations(ctx, name, scope) if v.id != at.id] if scope else []
    if not written or depth >= 6:
        return _lookup(ctx, name, at), ""
    writes = [(*_written(ctx, v, depth + 1), appended) for v, appended in written]
    defined = not all(appended for _, _, appended in writes)  # else a parameter that is appended to
    flow = join([*(f for f, _, _ in writes), *(() if defined else (_lookup(ctx, name, at),))])
    built = flow.built or any(f.dynamic and appended for f, _, appended in writes)
    return Flow(flow.level, built, flow.text or built, flow.origin), " ".join(t for _, t, _ in writes)


def _branch_values(node: Node) -> list[Node]:
    """The values a ``match`` (its arms) or an ``if``/``else`` chain (its blocks) can produce; [] when one is
    missing (an ``if`` without ``else`` is the unit value)."""
    if node.type == "match_expression":
        body = node.child_by_field_name("body")
        arms = [a for a in body.named_children if a.type == "match_arm"] if body is not None else []
        return [v for a in arms if (v := a.child_by_field_name("value")) is not None]
    consequence, alternative = node.child_by_field_name("consequence"), node.child_by_field_name("alternative")
    if consequence is None or alternative is None or not alternative.named_children:
        return []
    return [consequence, alternative.named_children[-1]]


def assemble(ctx: TSContext, node: Node, depth: int = 0) -> tuple[Flow, str]:
    """How a string was put together: its flow and the literal text seen in its pieces (to tell SQL apart)."""
    node = unwrap(node)
    value = string_value(ctx, node)
    if value is not None:
        return CONST_TEXT, value
    if depth >= 8:
        return ctx.flow(node), ""
    kind, name = node.type, ctx.call_name(node) if node.type == "macro_invocation" else ""
    if name == "vec" and ";" in ctx.text(node) and ctx.arguments(node):
        return assemble(ctx, ctx.arguments(node)[0], depth + 1)  # vec!["?"; n]
    if name in _FORMAT_MACROS:
        texts = [string_value(ctx, a) or "" for a in ctx.arguments(node)]
        return _format_flow(ctx, node, depth), " ".join(texts)
    if kind == "binary_expression":
        parts = [node.child_by_field_name(f) for f in ("left", "right")]
        pieces = [assemble(ctx, p, depth + 1) for p in parts if p is not None]
        flow = join(f for f, _ in pieces)
        textual = any(f.text or f.built for f, _ in pieces)
        built = flow.built or (textual and flow.dynamic)
        return Flow(flow.level, built, textual, flow.origin), " ".join(t for _, t in pieces)
    if kind == "call_expression":
        call = method(ctx, node)
        inner = receiver(node) if call in _PASS_THROUGH else None  # "?, ".repeat(n), parts.join(" AND ")
        if inner is None and path_name(ctx, node).endswith("String::from"):
            inner = next(iter(ctx.arguments(node)), None)
        if inner is not None:
            return assemble(ctx, inner, depth + 1)
        closure = next(iter(ctx.arguments(node)), None) if call == "map" else None
        body = (
            closure.child_by_field_name("body")
            if closure is not None and closure.type == "closure_expression"
            else None
        )
        if body is not None:  # (1..=n).map(|i| format!("${i}")): the items are what the closure returns
            flow, text = assemble(ctx, body, depth + 1)
            items = ctx.flow(receiver(node) or node)
            return (items if items.tainted else flow), text
    if kind == "block" and node.named_children:
        return assemble(ctx, node.named_children[-1], depth + 1)
    if kind in ("match_expression", "if_expression"):  # each arm's (branch's) value: `Some("old") => "id ASC"`
        values = _branch_values(node)
        if values:
            pieces = [assemble(ctx, v, depth + 1) for v in values]
            flow = join(f for f, _ in pieces)
            return Flow(flow.level, flow.built, flow.text, flow.origin), " ".join(t for _, t in pieces)
    if kind == "identifier":
        return _named(ctx, ctx.text(node), node, depth)
    return ctx.flow(node), ""
