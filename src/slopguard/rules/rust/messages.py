"""URLs that arrive inside deserialised messages: a job, task or event struct (``#[derive(Deserialize)]``)
that a worker takes from a queue, a channel or a webhook body and whose URL field it then fetches
(``client.get(&job.source_url)``). Whoever enqueued the message chose that URL."""

from __future__ import annotations

import re

from tree_sitter import Node

from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.rust.common import attributes, function_of, method, receiver, unwrap
from slopguard.rules.shared.trees import walk

_URL_FIELD = re.compile(
    r"(?i)^(?:\w+_)?(?:url|uri|link|href|endpoint|callback|webhook|feed|source|target|origin|location)$"
)
# Types and variables that name a unit of work sent by someone else, not the program's own configuration.
_MESSAGE = re.compile(
    r"(?i)job|task|message|msg|event|payload|webhook|hook|command|cmd|work|notification|delivery|envelope"
    r"|request|submission|crawl|fetch|scrape|import|download"
)
_OWN_SETTINGS = re.compile(r"(?i)config|cfg|setting|option|opts|env|args|cli|secret|state|manifest")
_DESERIALISE = re.compile(r"(?:^|::)(?:from_str|from_slice|from_reader|from_value|from_bytes|from_read_ref)$")
_PASS_THROUGH = frozenset({"as_str", "as_ref", "clone", "to_string", "to_owned", "as_deref", "unwrap", "expect"})


def _deserialisable(ctx: TSContext) -> frozenset[str]:
    """Names of the structs this file derives ``Deserialize`` for."""

    def read() -> frozenset[str]:
        names: set[str] = set()
        for node in ctx.tree.root_node.named_children:
            if node.type == "struct_item" and any("Deserialize" in a for a in attributes(ctx, node)):
                names.add(ctx.text(node.child_by_field_name("name")))
        return frozenset(names)

    return ctx.memo("rust.deserialisable", read)


def _type_name(ctx: TSContext, node: Node | None) -> str:
    """``Job`` for ``&Job``, ``&mut Job``, ``web::Json<Job>``, ``Option<Job>``, ``Receiver<Job>``."""
    if node is None:
        return ""
    names = re.findall(r"[A-Za-z_]\w*", ctx.text(node))
    structs = [n for n in names if n in _deserialisable(ctx)]
    return structs[-1] if structs else ""


def _variable_type(ctx: TSContext, name: str, fn: Node) -> str:
    """The deserialisable struct a variable holds: a typed parameter, a typed ``let``, a channel item
    (``while let Some(job) = rx.recv()`` with ``rx: Receiver<Job>``) or ``serde_json::from_str::<Job>``."""
    params = fn.child_by_field_name("parameters")
    for param in params.named_children if params is not None else []:
        pattern = param.child_by_field_name("pattern")
        if pattern is not None and name in re.findall(r"\w+", ctx.text(pattern)):
            return _type_name(ctx, param.child_by_field_name("type"))
    for node in walk(fn):
        if node.type not in ("let_declaration", "let_condition"):
            continue
        pattern = node.child_by_field_name("pattern")
        if pattern is None or name not in re.findall(r"\w+", ctx.text(pattern)):
            continue
        typed = _type_name(ctx, node.child_by_field_name("type"))
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
            return _type_name(ctx, callee.child_by_field_name("type_arguments"))
        if method(ctx, part) in ("recv", "try_recv", "recv_async", "next", "pop", "pop_front"):
            channel = receiver(part)
            if channel is not None and unwrap(channel).type == "identifier":
                return _variable_type(ctx, ctx.text(unwrap(channel)), fn)
    return ""


def message_url(ctx: TSContext, target: Node) -> str | None:
    """``job.source_url`` when ``target`` is the URL field of a deserialised job, task or event struct."""
    node = unwrap(target)
    while node.type == "call_expression" and method(ctx, node) in _PASS_THROUGH and receiver(node) is not None:
        node = unwrap(receiver(node) or node)
    if node.type != "field_expression":
        return None
    field = ctx.text(node.child_by_field_name("field"))
    holder = unwrap(node.child_by_field_name("value") or node)
    if not _URL_FIELD.match(field) or holder.type != "identifier":
        return None
    variable = ctx.text(holder)
    fn = function_of(node)
    while fn is not None:
        struct = _variable_type(ctx, variable, fn)
        if struct:
            own = _OWN_SETTINGS.search(struct) or _OWN_SETTINGS.search(variable)
            wanted = _MESSAGE.search(struct) or _MESSAGE.search(variable)
            return f"{variable}.{field}" if wanted and not own else None
        fn = function_of(fn)
    return None
