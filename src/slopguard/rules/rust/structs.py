"""The structs a Rust file deserialises (``#[derive(Deserialize)]``): which one a variable holds (an extractor
parameter, a typed ``let``, a channel item, ``serde_json::from_str::<Job>``) and the declared types of its fields."""

from __future__ import annotations

import re

from tree_sitter import Node

from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.rust.common import attributes, function_of, method, receiver, unwrap
from slopguard.rules.shared.trees import walk

_DESERIALISE = re.compile(r"(?:^|::)(?:from_str|from_slice|from_reader|from_value|from_bytes|from_read_ref)$")


def deserialisable(ctx: TSContext) -> frozenset[str]:
    """Names of the structs this file derives ``Deserialize`` for."""

    def read() -> frozenset[str]:
        names: set[str] = set()
        for node in ctx.tree.root_node.named_children:
            if node.type == "struct_item" and any("Deserialize" in a for a in attributes(ctx, node)):
                names.add(ctx.text(node.child_by_field_name("name")))
        return frozenset(names)

    return ctx.memo("rust.deserialisable", read)


def type_name(ctx: TSContext, node: Node | None) -> str:
    """``Job`` for ``&Job``, ``&mut Job``, ``web::Json<Job>``, ``Option<Job>``, ``Receiver<Job>``."""
    if node is None:
        return ""
    names = re.findall(r"[A-Za-z_]\w*", ctx.text(node))
    structs = [n for n in names if n in deserialisable(ctx)]
    return structs[-1] if structs else ""


def _variable_type(ctx: TSContext, name: str, fn: Node) -> str:
    """The deserialisable struct a variable holds: a typed parameter, a typed ``let``, a channel item
    (``while let Some(job) = rx.recv()`` with ``rx: Receiver<Job>``) or ``serde_json::from_str::<Job>``."""
    params = fn.child_by_field_name("parameters")
    for param in params.named_children if params is not None else []:
        pattern = param.child_by_field_name("pattern")
        if pattern is not None and name in re.findall(r"\w+", ctx.text(pattern)):
            return type_name(ctx, param.child_by_field_name("type"))
    for node in walk(fn):
        if node.type not in ("let_declaration", "let_condition"):
            continue
        pattern = node.child_by_field_name("pattern")
        if pattern is None or name not in re.findall(r"\w+", ctx.text(pattern)):
            continue
        typed = type_name(ctx, node.child_by_field_name("type"))
        value = node.child_by_field_name("value")
        if typed or value is None:
            return typed
        return _value_type(ctx, unwrap(value), fn)
    return ""


def _value_type(ctx: TSContext, value: Node, fn: Node) -> str:
    """The struct a deserialising call or a channel receive produces."""
    for part in walk(value):
        if part.type != "call_expression":
            continue
        callee = part.child_by_field_name("function")
        if callee is not None and callee.type == "generic_function" and _DESERIALISE.search(ctx.text(
                callee.child_by_field_name("function"))):  # fmt: skip
            return type_name(ctx, callee.child_by_field_name("type_arguments"))
        if method(ctx, part) in ("recv", "try_recv", "recv_async", "next", "pop", "pop_front"):
            channel = receiver(part)
            if channel is not None and unwrap(channel).type == "identifier":
                return _variable_type(ctx, ctx.text(unwrap(channel)), fn)
    return ""


def variable_struct(ctx: TSContext, variable: str, at: Node) -> str:
    """The deserialisable struct ``variable`` holds where ``at`` uses it (searched outwards through closures)."""
    fn = function_of(at)
    while fn is not None:
        struct = _variable_type(ctx, variable, fn)
        if struct:
            return struct
        fn = function_of(fn)
    return ""


def field_types(ctx: TSContext, struct: str) -> dict[str, str]:
    """Field name -> declared type (compact text) of the file's struct ``struct``."""

    def read() -> dict[str, dict[str, str]]:
        found: dict[str, dict[str, str]] = {}
        for node in ctx.tree.root_node.named_children:
            body = node.child_by_field_name("body") if node.type == "struct_item" else None
            if body is None or body.type != "field_declaration_list":
                continue
            found[ctx.text(node.child_by_field_name("name"))] = {
                ctx.text(f.child_by_field_name("name")): ctx.compact(f.child_by_field_name("type"))
                for f in body.named_children
                if f.type == "field_declaration"
            }
        return found

    return ctx.memo("rust.field_types", read).get(struct, {})


_NOT_TEXT = re.compile(r"^(?:Option<)?(?:[iu](?:8|16|32|64|128|size)|f32|f64|bool|(?:uuid::)?Uuid)>?$")


def declared_not_text(ctx: TSContext, field: str) -> bool:
    """Whether every deserialised struct of the file that has ``field`` declares it a number, a flag or a UUID:
    ``job.attempt`` then carries no text (no line break, no markup) whatever the sender wrote."""
    declared = [types[field] for struct in deserialisable(ctx) if field in (types := field_types(ctx, struct))]
    return bool(declared) and all(_NOT_TEXT.match(t) for t in declared)
