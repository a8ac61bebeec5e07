"""URLs that arrive inside deserialised messages: a job, event or webhook subscription struct (its fields carry
``json:`` tags) whose URL or host field a worker or a delivery loop then requests (``sub.TargetURL``,
``fmt.Sprintf("https://%s/hook", job.Host)``). Whoever queued the job or registered the subscription chose it."""

from __future__ import annotations

import re

from tree_sitter import Node

from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.go.common import bound_values, function_of, unwrap
from slopguard.rules.shared.message_urls import is_message, is_url_field
from slopguard.rules.shared.trees import walk

# Tags of formats a struct is decoded from when it arrives from elsewhere (an API body, a queue, a document store).
_WIRE_TAG = re.compile(r"\b(?:json|xml|form|msgpack|bson|protobuf|avro):")


def _wire_structs(ctx: TSContext) -> frozenset[str]:
    """Names of the file's structs with a field tagged for a wire format."""

    def read() -> frozenset[str]:
        names: set[str] = set()
        for spec in walk(ctx.tree.root_node, skip=("function_declaration", "method_declaration")):
            body = spec.child_by_field_name("type") if spec.type == "type_spec" else None
            if body is not None and body.type == "struct_type" and _WIRE_TAG.search(ctx.text(body)):
                names.add(ctx.text(spec.child_by_field_name("name")))
        return frozenset(names)

    return ctx.memo("go.wire_structs", read)


def _struct_in(ctx: TSContext, type_node: Node | None) -> str:
    """``Subscription`` for the types ``Subscription``, ``*Subscription`` and ``[]Subscription``."""
    names = re.findall(r"\w+", ctx.text(type_node)) if type_node is not None else []
    found = [n for n in names if n in _wire_structs(ctx)]
    return found[-1] if found else ""


def _declared_type(ctx: TSContext, name: str, fn: Node) -> str:
    """The wire struct a variable holds: a parameter, a ``var`` declaration, or a ``range`` over either."""
    params = fn.child_by_field_name("parameters")
    for param in params.named_children if params is not None else []:
        if name in [ctx.text(n) for n in param.children_by_field_name("name")]:
            return _struct_in(ctx, param.child_by_field_name("type"))
    for node in walk(fn, skip=("func_literal",)):
        if node.type == "var_spec" and name in [ctx.text(n) for n in node.children_by_field_name("name")]:
            return _struct_in(ctx, node.child_by_field_name("type"))
        if node.type == "range_clause":
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            targets = [ctx.text(t) for t in (left.named_children if left is not None else [])]
            if targets and targets[-1] == name and right is not None and right.type == "identifier":
                return _declared_type(ctx, ctx.text(right), fn) if ctx.text(right) != name else ""
    return ""


def _judged(ctx: TSContext, selector: Node) -> str | None:
    holder = unwrap(selector.child_by_field_name("operand") or selector)
    field = ctx.text(selector.child_by_field_name("field"))
    if holder.type != "identifier" or not is_url_field(field):
        return None
    variable = ctx.text(holder)
    fn = function_of(selector)
    while fn is not None:
        struct = _declared_type(ctx, variable, fn)
        if struct:
            return f"{variable}.{field}" if is_message(struct, variable) else None
        fn = function_of(fn)
    return None


def message_url(ctx: TSContext, target: Node) -> str | None:
    """``sub.TargetURL`` when ``target`` is, or is formatted from, the URL or host field of a deserialised job,
    event or subscription (directly or through one local variable)."""
    node = unwrap(target)
    scope = function_of(node)
    if node.type == "identifier" and scope is not None:
        values = bound_values(ctx, ctx.text(node), scope)
        node = values[0][0] if len(values) == 1 else node
    for part in walk(node, skip=("func_literal",)):
        found = _judged(ctx, part) if part.type == "selector_expression" else None
        if found is not None:
            return found
    return None
