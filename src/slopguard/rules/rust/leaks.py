"""RUST-ERRLEAK-001 (error details in a 5xx response) and RUST-LOG-001 (request data logged with Display)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.flow import describe
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.rust.common import function_of, handler_of, method, path_name, receiver, string_value, unwrap
from slopguard.rules.rust.structs import declared_not_text
from slopguard.rules.rust.web import ERROR_NAME, error_detail, macro_groups, placeholders
from slopguard.rules.shared.trees import ancestor

_SERVER_STATUS = re.compile(
    r"(?:^|::)(?:INTERNAL_SERVER_ERROR|BAD_GATEWAY|SERVICE_UNAVAILABLE|GATEWAY_TIMEOUT|NOT_IMPLEMENTED)$"
)
_SERVER_BUILDERS = re.compile(r"HttpResponse::(?:InternalServerError|BadGateway|ServiceUnavailable|GatewayTimeout)$")
_ACTIX_ERRORS = re.compile(r"(?:^|::)Error(?:InternalServerError|BadGateway|ServiceUnavailable)$")
_RESPONSE_TRAITS = re.compile(r"IntoResponse|ResponseError|Responder|FromRequest|IntoResponseParts")
_BODIES = frozenset({"body", "json", "text", "message_body", "set_body"})


def _builder_status(ctx: TSContext, call: Node) -> bool:
    """``HttpResponse::InternalServerError().body(..)`` or ``HttpResponse::build(StatusCode::..)``: a 5xx."""
    node: Node | None = receiver(call)
    while node is not None:
        node = unwrap(node)
        if node.type != "call_expression":
            return False
        name = path_name(ctx, node)
        if _SERVER_BUILDERS.search(name):
            return True
        if name.endswith("HttpResponse::build") or name.endswith("status"):
            args = ctx.arguments(node)
            return bool(args) and bool(_SERVER_STATUS.search(ctx.compact(args[0])))
        if method(ctx, node) == "status":
            args = ctx.arguments(node)
            return bool(args) and bool(_SERVER_STATUS.search(ctx.compact(args[0])))
        node = receiver(node)
    return False


@ts_rule(
    id="RUST-ERRLEAK-001",
    title="Error details returned to the client",
    cwe=209,
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    languages=("rust",),
    query="[(tuple_expression) (call_expression)] @node",
    why="""Assistants answer failures with (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()) or
    HttpResponse::InternalServerError().body(format!("db error: {}", e)). sqlx, diesel, reqwest and io errors
    carry SQL fragments, table and column names, file paths and internal host names, which map the system for
    the next attack (and confirm an injection while it is being tuned).""",
    fix="""Log the error with tracing::error!(error = %e, ..) and answer with a fixed message ("internal error")
    and a request id; map errors to a response type whose IntoResponse/ResponseError hides the detail.""",
)
def rust_error_leak(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    node: Node = captures["node"][0]
    impl = ancestor(node, ("impl_item",))
    if impl is not None and (
        _RESPONSE_TRAITS.search(ctx.text(impl.child_by_field_name("trait"))) or handler_of(ctx, node) is None
    ):
        return  # a response type's own conversion (a framework's Json failing to serialise), not a handler
    if node.type == "tuple_expression":
        parts = node.named_children
        if len(parts) < 2 or not _SERVER_STATUS.search(ctx.compact(parts[0])):
            return
        detail = next((d for p in parts[1:] if (d := error_detail(ctx, p)) is not None), None)
    elif method(ctx, node) in _BODIES and _builder_status(ctx, node):
        detail = next((d for a in ctx.arguments(node) if (d := error_detail(ctx, a)) is not None), None)
    elif _ACTIX_ERRORS.search(path_name(ctx, node)):
        args = ctx.arguments(node)
        value = unwrap(args[0]) if args else None
        named = value is not None and value.type == "identifier" and ERROR_NAME.match(ctx.text(value))
        detail = ctx.text(value) if named and value is not None else error_detail(ctx, node)
    else:
        return
    if detail is not None:
        yield ctx.hit(node, f"{detail} is sent to the client in a 5xx response; log it and answer generically")


# ----- RUST-LOG-001 -------------------------------------------------------------------------------------------
_LOG_MACROS = re.compile(r"^(?:(?:log|tracing)::)?(?:info|warn|error|debug|trace|event)$")
_ESCAPES = frozenset({"escape_debug", "escape_default"})


def _risky_arguments(ctx: TSContext, macro: Node) -> list[Node]:
    """Values a log macro writes with Display: ``{}`` placeholders and ``%field`` values (``{:?}``/``?x``
    escape line breaks)."""
    groups = macro_groups(ctx, macro)
    start = next((i for i, g in enumerate(groups) if len(g) == 1 and string_value(ctx, g[0]) is not None), None)
    risky: list[Node] = []
    for group in groups[: start if start is not None else len(groups)]:
        if "%" in [t.type for t in group]:  # field = %value, %value
            index = [t.type for t in group].index("%")
            risky += [t for t in group[index + 1 : index + 2]]
    if start is None:
        return risky
    template = string_value(ctx, groups[start][0]) or ""
    positional = [g[0] for g in groups[start + 1 :] if "=" not in [t.type for t in g]]
    next_arg = 0
    for spec in placeholders(template):
        name, _, fmt = spec.partition(":")
        debug = "?" in fmt
        if name and not name.isdigit():
            named = [g[-1] for g in groups[start + 1 :] if len(g) >= 3 and ctx.text(g[0]) == name and g[1].type == "="]
            if not debug:
                risky += named or [macro]  # {name} captured from the scope: the macro's own flow has it
            continue
        index = int(name) if name.isdigit() else next_arg
        next_arg += 0 if name.isdigit() else 1
        if not debug and index < len(positional):
            risky.append(positional[index])
    return risky


def _value_tokens(value: Node) -> list[Node]:
    """The tokens of one macro argument, from its first token to the next top-level comma."""
    tokens: list[Node] = []
    node: Node | None = value
    while node is not None and node.type not in (",", ")", "]", "}"):
        tokens.append(node)
        node = node.next_sibling
    return tokens


def _not_text(ctx: TSContext, value: Node) -> bool:
    """``job.attempt``, ``item.guid.escape_debug()``: a field every struct of the file declares as a number or a
    flag, or a value escaped for logging (``str::escape_debug``/``escape_default`` turn line breaks into ``\\n``)."""
    tokens = _value_tokens(value) if value.type == "identifier" else []
    names = [ctx.text(t) for t in tokens if t.type == "identifier"]
    if any(n in _ESCAPES for n in names):
        return True
    return len(tokens) == 3 and tokens[1].type == "." and declared_not_text(ctx, names[-1])


def _library_error(ctx: TSContext, value: Node) -> bool:
    """``Err(e) => error!(error = %e, ..)``: the error a call returned (sqlx, io, reqwest), not the request data
    the call was given."""
    fn = function_of(value)
    name = ctx.text(value)
    return (
        value.type == "identifier"
        and fn is not None
        and bool(ERROR_NAME.match(name))
        and re.search(rf"\bErr\(\s*{re.escape(name)}\s*\)", ctx.text(fn)) is not None
    )


@ts_rule(
    id="RUST-LOG-001",
    title="Request data logged without escaping line breaks",
    cwe=117,
    severity=Severity.LOW,
    confidence=Confidence.MEDIUM,
    languages=("rust",),
    query="(macro_invocation) @macro",
    why="""Assistants log logins and odd requests with info!("login attempt for {}", body.username) or
    tracing::warn!(user = %name, ..). Display writes the value as is, so a username or header containing a
    newline writes a second, forged log line ("admin logged in") that misleads incident response and can feed
    fake events to log-based alerting.""",
    fix="""Log request values with Debug ({:?} or tracing's ?field), which escapes control characters, or
    strip \\r and \\n first; prefer structured fields with a JSON subscriber.""",
)
def rust_log_injection(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    macro: Node = captures["macro"][0]
    if not _LOG_MACROS.match(ctx.call_name(macro)):
        return
    for value in _risky_arguments(ctx, macro):
        flow = ctx.flow(value)
        if flow.tainted and not _library_error(ctx, value) and not _not_text(ctx, value):
            yield ctx.hit(
                macro, f"{describe(flow)} is logged with Display; a newline in it forges log lines (use {{:?}})"
            )
            return
