"""JS-LOG-001: request data written to console/winston/pino/bunyan logs as raw text (log forging)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.flow import Flow, describe
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.javascript.common import FUNCTIONS, enclosing_function, resolve, unwrap
from slopguard.rules.shared.trees import walk

_LOGGER = re.compile(
    r"^(?:console|logger|log|winston|pino|bunyan|debug|req\.log|request\.log|ctx\.log|fastify\.log|app\.log"
    r"|server\.log|this\.logger|this\.log|this\.\w*[Ll]ogger|\w*[Ll]ogger)"
    r"\.(?:log|info|warn|warning|error|debug|trace|fatal|verbose|silly|http|notice|crit|critical|alert)$"
)
# Objects and JSON are printed escaped (util.inspect, pino/winston JSON): a newline cannot start a fake line.
_STRUCTURED = frozenset({"object", "array"})
_ESCAPING = re.compile(r"^(?:JSON\.stringify|util\.inspect|inspect|encodeURIComponent|escape\w*|sanitize\w*)$")
_NEWLINES = re.compile(r"\\[rn]|\\s|\[\^")
# The parsed URL path, the method and the peer address cannot carry a raw line break.
_NO_NEWLINES = re.compile(r"^(?:req|request|ctx)\.(?:path|url|originalUrl|baseUrl|method|ip|ips|hostname|protocol)$")
# Keys a store assigns: msg.id, order._id, row.uuid.
_ID_PROPERTY = re.compile(r"^(?:id|_id|uuid|pk)$|[a-z](?:Id|_id)$")
# Calls that hand back the request's own data: parsers, body readers, form and query accessors.
_READS_INPUT = re.compile(r"(?i)parse|decode|json|body|query|param|header|cookie|form|text|input|get$")
_WHOLE_OBJECTS = re.compile(r"^(?:req|request|ctx|ctx\.request)\.(?:body|query|params|headers|cookies|files?)$")


def _neutralises(ctx: TSContext, call: Node) -> bool:
    """``JSON.stringify(v)``, ``escape(v)``, ``v.replace(/[\\r\\n]/g, '')``: no raw line break comes out."""
    name = ctx.call_name(call)
    if _ESCAPING.match(name):
        return True
    return name.endswith((".replace", ".replaceAll")) and any(
        _NEWLINES.search(ctx.text(a)) for a in ctx.arguments(call)[:1]
    )


_KEEPS_CLEAN = frozenset({"slice", "substring", "substr", "trim", "trimStart", "trimEnd", "toLowerCase", "toUpperCase"})


def _neutralising(ctx: TSContext, node: Node | None, depth: int = 0) -> bool:
    """A call that neutralises line breaks, also under ``.slice(0, 200)``/``.trim()`` or inside a helper of this
    file (``const clean = (s) => s.replace(/[\r\n]/g, ' ')`` / ``function clean(s) { return ... }``)."""
    if node is None or depth > 3:
        return False
    node = unwrap(node)
    if node.type != "call_expression":
        return False
    if _neutralises(ctx, node):
        return True
    callee = node.child_by_field_name("function")
    if callee is not None and callee.type == "member_expression":
        if ctx.text(callee.child_by_field_name("property")) in _KEEPS_CLEAN:
            return _neutralising(ctx, callee.child_by_field_name("object"), depth + 1)
        return False
    helper = _local_function(ctx, callee)
    returns = _returned(helper) if helper is not None else []
    return bool(returns) and all(_neutralising(ctx, r, depth + 1) for r in returns)


def _local_function(ctx: TSContext, callee: Node | None) -> Node | None:
    if callee is None or callee.type != "identifier":
        return None
    value = resolve(ctx, callee)
    if value is not None and value.type in FUNCTIONS:
        return value
    name = ctx.text(callee)
    declared = ctx.memo(
        "javascript.function_declarations",
        lambda: {
            ctx.text(n.child_by_field_name("name")): n
            for n in walk(ctx.tree.root_node)
            if n.type == "function_declaration"
        },
    )
    return declared.get(name)


def _returned(fn: Node) -> list[Node]:
    """The expressions a function returns: an arrow's expression body, or its own return statements."""
    body = fn.child_by_field_name("body")
    if body is None:
        return []
    if body.type != "statement_block":
        return [body]
    return [
        r.named_children[0]
        for r in walk(body)
        if r.type == "return_statement" and r.named_children and enclosing_function(r) == fn
    ]


def _cleaned_constant(ctx: TSContext, name: Node) -> bool:
    """``const clean = v.replace(/[\\r\\n]/g, '')`` before ``log(clean)``: a constant bound to a neutralising call."""
    value = resolve(ctx, name)
    declaration = value.parent if value is not None else None
    statement = declaration.parent if declaration is not None else None
    return (
        value is not None
        and value.type == "call_expression"
        and statement is not None
        and ctx.text(statement).startswith("const ")
        and _neutralising(ctx, value)
    )


def _stored_record_key(ctx: TSContext, node: Node) -> bool:
    """``msg.id`` where ``msg = await Message.create(...)``: the key a store gave the record, never the sender's
    text (``body.id`` of a parsed request stays request data)."""
    prop = node.child_by_field_name("property")
    obj = node.child_by_field_name("object")
    if prop is None or obj is None or not _ID_PROPERTY.match(ctx.text(prop)) or unwrap(obj).type != "identifier":
        return False
    value = resolve(ctx, obj)
    if value is None or value.type not in ("call_expression", "new_expression") or value is unwrap(obj):
        return False
    return not _READS_INPUT.search(ctx.call_name(value))


def _raw_taint(ctx: TSContext, node: Node, depth: int = 0) -> Flow | None:
    """The tainted flow that reaches the log line as raw text, or None when every tainted piece is escaped."""
    node = unwrap(node)
    if depth > 6 or node.type in _STRUCTURED or _WHOLE_OBJECTS.match(ctx.compact(node)):
        return None
    if node.type == "call_expression" and _neutralising(ctx, node):
        return None
    if node.type == "identifier" and _cleaned_constant(ctx, node):
        return None
    if node.type == "member_expression" and _stored_record_key(ctx, node):
        return None
    if node.type == "template_string":
        subs = [s for c in node.named_children if c.type == "template_substitution" for s in c.named_children[:1]]
        return next((f for s in subs if (f := _raw_taint(ctx, s, depth + 1)) is not None), None)
    if node.type == "binary_expression":
        parts = [node.child_by_field_name("left"), node.child_by_field_name("right")]
        return next((f for p in parts if p is not None and (f := _raw_taint(ctx, p, depth + 1)) is not None), None)
    flow = ctx.flow(node)
    if not flow.tainted or _NO_NEWLINES.match(flow.origin) or flow.origin.startswith("process.argv"):
        return None  # a command line's own arguments come from whoever runs it
    return flow


@ts_rule(
    id="JS-LOG-001",
    title="Request data logged without neutralising line breaks",
    cwe=117,
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    languages=("javascript", "typescript"),
    query="(call_expression function: (member_expression)) @call",
    why="""Assistants log what came in: console.log(`Login attempt for ${req.body.username}`) or
    logger.info('Search: ' + req.query.q). A value carrying \\n writes whole fake lines into the log (a forged
    'login succeeded for admin', hidden traces of the real attack), and ANSI escapes rewrite what an operator
    sees in the terminal.""",
    fix="""Log structured fields, logger.info({ username }, 'login attempt') with pino or winston's JSON format,
    or JSON.stringify the value / strip \\r and \\n before putting it in a message.""",
)
def log_injection(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    call: Node = captures["call"][0]
    if not _LOGGER.match(ctx.call_name(call)):
        return
    for arg in ctx.arguments(call):
        flow = _raw_taint(ctx, arg)
        if flow is not None:
            yield ctx.hit(call, f"log message includes {describe(flow)} as raw text; line breaks forge log entries")
            return
