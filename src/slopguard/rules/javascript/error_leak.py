"""JS-ERRLEAK-001: exception details (stack traces, internal error messages) sent back to the client."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.javascript.common import (
    FUNCTIONS,
    imported,
    is_response,
    is_test_path,
    method,
    option,
    receiver,
    resolve,
    unwrap,
)
from slopguard.rules.shared.trees import walk

_SENDERS = frozenset({"send", "json", "jsonp", "end", "write", "text", "html", "body"})
# reply (Fastify), c (Hono), NextResponse / Response (fetch API), h.response (hapi)
_REPLIERS = re.compile(
    r"^(?:reply|c|ctx|context|h|NextResponse|Response)(?:\.(?:code|status|header|type)\((?:[^()]|\([^()]*\))*\))*$"
)
_ERROR_NAME = re.compile(r"^(?:err|error|e|ex|exc|exception|cause|reason)$|(?:Error|Err|Exception)$")
_STATUS = re.compile(r"\b(?:status|code|sendStatus|statusCode)\s*[(:=]\s*(\d{3})\b")
# NestJS exceptions become the response: HttpException(body, status) and the built-in ones (status by name).
_NEST_EXCEPTION = re.compile(r"^(?:HttpException|[A-Z]\w*Exception)$")
_NEST_SERVER_ERRORS = {
    "InternalServerErrorException": 500, "NotImplementedException": 501, "BadGatewayException": 502,
    "ServiceUnavailableException": 503, "GatewayTimeoutException": 504,
}  # fmt: skip
_HTTP_STATUS = {"INTERNAL_SERVER_ERROR": 500, "NOT_IMPLEMENTED": 501, "BAD_GATEWAY": 502, "SERVICE_UNAVAILABLE": 503,
                "GATEWAY_TIMEOUT": 504}  # fmt: skip
_DEVELOPMENT = re.compile(r"NODE_ENV|\b(?:isDev|isDevelopment|dev|debug|DEBUG|isProduction|isProd|production)\b")


def _payload(ctx: TSContext, call: Node) -> tuple[Node, Node | None] | None:
    """(body sent, options or status argument) of a response call, else None."""
    args = ctx.arguments(call)
    if not args:
        return None
    if call.type == "new_expression":
        name = ctx.text(call.child_by_field_name("constructor"))
        if name in ("Response", "NextResponse") or _nest_exception(ctx, name):
            return args[0], args[1] if len(args) > 1 else None
        return None
    if method(ctx, call) not in _SENDERS:
        return None
    obj = receiver(call)
    if obj is None or not (is_response(ctx, obj) or _REPLIERS.match(ctx.compact(obj))):
        return None
    return args[0], args[1] if len(args) > 1 else None


def _bound_as_error(ctx: TSContext, ident: Node, depth: int = 0) -> bool:
    """Whether a name is a catch parameter (whatever it is called), an error-like parameter of an enclosing
    function, or a const that renames one (``const e = err as Error``)."""
    name = ctx.text(ident)
    value = resolve(ctx, ident)
    if value is not None and value.id != ident.id and depth < 2:
        value = unwrap(value)
        return value.type == "identifier" and _bound_as_error(ctx, value, depth + 1)
    node = ident.parent
    while node is not None:
        if node.type == "catch_clause" and ctx.text(node.child_by_field_name("parameter")) == name:
            return True
        if node.type in FUNCTIONS and _ERROR_NAME.search(name):
            params = node.child_by_field_name("parameters") or node.child_by_field_name("parameter")
            if params is not None and name in {ctx.text(n) for n in walk(params) if n.type == "identifier"}:
                return True
        node = node.parent
    return False


_MESSAGE_FIELDS = frozenset({"message", "sqlMessage", "sql", "detail", "cause"})
_TO_TEXT = frozenset({"String", "util.inspect", "inspect"})


def _error(ctx: TSContext, node: Node | None) -> bool:
    """Whether ``node`` is an error object itself, seen through casts (``err``, ``(err as Error)``, ``e!``)."""
    if node is None:
        return False
    node = unwrap(node)
    return node.type == "identifier" and _bound_as_error(ctx, node)


def _exposed_part(ctx: TSContext, part: Node) -> str | None:
    """'stack' or 'message' when ``part`` reads an error's stack or its text, else None."""
    if part.type == "member_expression":
        prop = ctx.text(part.child_by_field_name("property"))
        if prop in ("stack", *_MESSAGE_FIELDS) and _error(ctx, part.child_by_field_name("object")):
            return "stack" if prop == "stack" else "message"
    elif part.type == "template_substitution" and part.named_children:
        return "message" if _error(ctx, part.named_children[0]) else None
    elif part.type == "call_expression":
        args = ctx.arguments(part)
        if ctx.call_name(part) in _TO_TEXT and args and _error(ctx, args[0]):
            return "message"  # String(err), util.inspect(err)
        callee = part.child_by_field_name("function")
        if method(ctx, part) == "toString" and callee is not None and _error(ctx, callee.child_by_field_name("object")):
            return "message"
    return None


def _exposures(ctx: TSContext, body: Node, depth: int = 0) -> tuple[bool, bool]:
    """(stack sent, message sent) in a response body; a local built from the error (``const message = err
    instanceof Error ? err.message : String(err)``) is followed once."""
    stack = message = False
    for part in walk(body, skip=FUNCTIONS):
        if _development_only(ctx, part):
            continue
        exposed = _exposed_part(ctx, part)
        if exposed is None and depth == 0 and part.type in ("identifier", "shorthand_property_identifier"):
            value = resolve(ctx, part)
            if value is not None and value.id != part.id and value.type not in FUNCTIONS:
                local_stack, local_message = _exposures(ctx, value, depth + 1)
                exposed = "stack" if local_stack else "message" if local_message else None
        stack = stack or exposed == "stack"
        message = message or exposed == "message"
    return stack, message


def _nest_exception(ctx: TSContext, name: str) -> bool:
    """A NestJS HTTP exception: ``HttpException`` or a built-in ``...Exception`` of @nestjs/common."""
    origin = imported(ctx, name)
    return bool(_NEST_EXCEPTION.match(name)) and origin is not None and origin[0] == "@nestjs/common"


def _status(ctx: TSContext, call: Node, options: Node | None) -> int | None:
    """The HTTP status the call sends, when it is written there."""
    if call.type == "new_expression":
        name = ctx.text(call.child_by_field_name("constructor"))
        if name in _NEST_SERVER_ERRORS:
            return _NEST_SERVER_ERRORS[name]
        if name != "HttpException" and _nest_exception(ctx, name):
            return 400  # the other built-in exceptions are client errors
    if options is not None:
        inner = unwrap(options)
        if inner.type == "number":
            return int(ctx.text(inner)) if ctx.text(inner).isdigit() else None
        if inner.type == "member_expression" and ctx.text(inner.child_by_field_name("object")) == "HttpStatus":
            return _HTTP_STATUS.get(ctx.text(inner.child_by_field_name("property")), 400)
        status = option(ctx, options, "status")
        if status is not None and ctx.text(status).isdigit():
            return int(ctx.text(status))
    found = _STATUS.findall(ctx.text(call.child_by_field_name("function")))
    return int(found[-1]) if found else None


def _development_only(ctx: TSContext, node: Node) -> bool:
    """Whether ``node`` is only reached in development: under ``if (NODE_ENV !== 'production')``, in
    ``isDev ? err.stack : undefined`` or ``isDev && err.stack``."""
    child, parent = node, node.parent
    while parent is not None and parent.type not in FUNCTIONS:
        if parent.type in ("if_statement", "ternary_expression"):
            condition = parent.child_by_field_name("condition")
            if condition is not None and condition.id != child.id and _DEVELOPMENT.search(ctx.text(condition)):
                return True
        if parent.type == "binary_expression" and ctx.text(parent.child_by_field_name("operator")) == "&&":
            left = parent.child_by_field_name("left")
            if left is not None and left.id != child.id and _DEVELOPMENT.search(ctx.text(left)):
                return True
        child, parent = parent, parent.parent
    return False


def _in_catch(call: Node) -> bool:
    node = call.parent
    while node is not None and node.type not in FUNCTIONS:
        if node.type == "catch_clause":
            return True
        node = node.parent
    return False


@ts_rule(
    id="JS-ERRLEAK-001",
    title="Exception details returned to the client",
    cwe=209,
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    languages=("javascript", "typescript"),
    query="[(call_expression) (new_expression)] @call",
    why="""Assistants end every catch with res.status(500).send(err.stack) or json({ error: err.message }) so
    that "the client knows what went wrong". Stack traces and driver messages show file paths, library
    versions, SQL text, table and column names and internal host names: the map an attacker needs to aim the
    next request.""",
    fix="""Log the error on the server (logger.error({ err })) and send a generic message with a request id;
    return err.message only for errors you created for the client (validation errors with 4xx status).""",
)
def error_details(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    call: Node = captures["call"][0]
    found = _payload(ctx, call)
    if found is None or is_test_path(ctx.path):  # a test's error handler talks to the test
        return
    body, options = found
    stack, message = _exposures(ctx, body)
    if not (stack or message):
        return
    status = _status(ctx, call, options)
    if stack:
        yield ctx.hit(call, "the stack trace goes to the client: log it and send a generic error")
    elif (status is not None and status >= 500) or (status is None and _in_catch(call)):
        yield ctx.hit(
            call,
            "an internal error message goes to the client: log it and send a generic error",
            confidence=Confidence.MEDIUM,
        )
