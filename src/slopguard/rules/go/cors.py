"""GO-CORS-001: CORS that lets any origin read credentialed responses (a reflected Origin or a wildcard next to
Allow-Credentials), by hand or through rs/cors, go-chi/cors, gin-contrib/cors, echo and fiber middleware."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.go.common import FUNCTIONS, bound_values, function_of, imports, is_test, string_value, unwrap
from slopguard.rules.shared.trees import walk

_ALLOW_ORIGIN = "access-control-allow-origin"
_ALLOW_CREDENTIALS = "access-control-allow-credentials"
_SETTERS = frozenset({"Set", "Add", "Header", "Append"})
# The request's Origin header: r.Header.Get("Origin"), c.GetHeader("Origin"), c.Get("Origin") (fiber) ...
_ORIGIN_READ = re.compile(r"(?:\.Header\.Get|\.GetHeader|\.Get|\.Header|\.GetReqHeaders\(\)\[)\(?\"Origin\"", re.I)
_ALLOW_LIST = re.compile(
    r"(?i)allow|whitelist|trust|permit|valid|known|Contains|HasSuffix|HasPrefix|Match|\[\s*\w*origin\w*\s*\]|"
    r"==\s*\"https?://|\"https?://[^\"]*\"\s*=="
)
_ORIGIN_FUNCS = (
    "AllowOriginFunc",
    "AllowOriginRequestFunc",
    "AllowOriginVaryRequestFunc",
    "AllowOriginWithContextFunc",
)
_ORIGIN_LISTS = ("AllowedOrigins", "AllowOrigins")


def _reflects_origin(ctx: TSContext, value: Node, fn: Node | None) -> bool:
    """The header value is the request's Origin, directly or through a local variable."""
    value = unwrap(value)
    if _ORIGIN_READ.search(ctx.compact(value)):
        return True
    if value.type != "identifier" or fn is None:
        return False
    return any(_ORIGIN_READ.search(ctx.compact(v)) for v, _ in bound_values(ctx, ctx.text(value), fn))


def _allow_listed(ctx: TSContext, value: Node, fn: Node | None) -> bool:
    """An ``if``/``switch`` on the origin that compares it with known origins before it is echoed."""
    if fn is None:
        return False
    value = unwrap(value)
    name = ctx.text(value) if value.type == "identifier" else "Origin"
    for node in walk(fn, skip=FUNCTIONS[2:]):
        if node.type in ("if_statement", "expression_switch_statement"):
            header = ctx.text(node.child_by_field_name("initializer")) + ctx.text(
                node.child_by_field_name("condition") or node.child_by_field_name("value")
            )
            if re.search(rf"\b{re.escape(name)}\b", header) and _ALLOW_LIST.search(header):
                return True
            if node.type == "expression_switch_statement" and re.search(rf"\b{re.escape(name)}\b", header):
                return True  # switch origin { case "https://app.example.com": ... }
    return False


def _credentials_on(ctx: TSContext, scope: Node) -> bool:
    return bool(re.search(r"(?i)\"access-control-allow-credentials\"\s*,\s*\"true\"", ctx.text(scope)))


def _header_call(ctx: TSContext, call: Node) -> Iterator[Hit]:
    callee = call.child_by_field_name("function")
    args = ctx.arguments(call)
    if callee is None or callee.type != "selector_expression" or len(args) != 2:
        return
    if ctx.text(callee.child_by_field_name("field")) not in _SETTERS:
        return
    header = string_value(ctx, args[0])
    if header is None or header.lower() != _ALLOW_ORIGIN:
        return
    fn = function_of(call)
    scope = fn
    while scope is not None and not _credentials_on(ctx, scope):
        scope = function_of(scope)
    if scope is None or not _reflects_origin(ctx, args[1], fn) or _allow_listed(ctx, args[1], fn):
        return
    yield ctx.hit(call, "Access-Control-Allow-Origin echoes the request's Origin while Allow-Credentials is true: "
                        "any site can read responses with the visitor's cookies")  # fmt: skip


def _always_true(ctx: TSContext, fn: Node) -> bool:
    returns = [ctx.compact(r) for r in walk(fn, skip=FUNCTIONS[2:]) if r.type == "return_statement"]
    return bool(returns) and all(r == "returntrue" for r in returns)


def _middleware_config(ctx: TSContext, literal: Node) -> Iterator[Hit]:
    fields = {
        ctx.compact(pair.named_children[0]): pair.named_children[1]
        for pair in (literal.child_by_field_name("body") or literal).named_children
        if pair.type == "keyed_element" and len(pair.named_children) == 2
    }
    if ctx.compact(fields.get("AllowCredentials")) != "true":
        return
    for key in _ORIGIN_FUNCS:
        callback = unwrap(fields[key]) if key in fields else None
        if callback is not None and callback.type == "func_literal" and _always_true(ctx, callback):
            message = f"{key} accepts every origin while AllowCredentials is true: any site can read responses"
            yield ctx.hit(literal, message + " with the visitor's cookies")
            return
    wildcard = ctx.compact(fields.get("AllowAllOrigins")) == "true" or any(
        string_value(ctx, n) in ("*", "https://*", "http://*") and n.type.endswith("string_literal")
        for key in _ORIGIN_LISTS if key in fields for n in walk(fields[key])
    )  # fmt: skip
    if not wildcard:
        return
    if ctx.compact(fields.get("UnsafeWildcardOriginWithAllowCredentials")) == "true":
        yield ctx.hit(literal, "UnsafeWildcardOriginWithAllowCredentials echoes any Origin with credentials: any "
                               "site can read responses with the visitor's cookies")  # fmt: skip
        return
    yield ctx.hit(literal, "CORS allows every origin together with AllowCredentials: list the trusted front-end "
                           "origins", severity=Severity.MEDIUM, confidence=Confidence.MEDIUM)  # fmt: skip


def _cors_library(ctx: TSContext) -> bool:
    return any(p.endswith("/cors") or p.endswith("echo/v4/middleware") for p in imports(ctx).values())


@ts_rule(
    id="GO-CORS-001",
    title="CORS allows any origin with credentials",
    cwe=(942, 346),
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    languages=("go",),
    query="""((call_expression function: (selector_expression field: (field_identifier) @method)) @call
      (#any-of? @method "Set" "Add" "Header" "Append"))
      ((composite_literal type: (qualified_type) @type) @literal (#match? @type "(Config|Options)$"))""",
    why="""To get a front end on another port working, assistants write a middleware that copies the request's
    Origin header into Access-Control-Allow-Origin next to Access-Control-Allow-Credentials: true, or configure
    rs/cors, gin-contrib/cors or echo with an AllowOriginFunc that always says yes. Any website the victim
    visits can then call the API with the victim's cookies and read the answers: profile data, CSRF tokens,
    API keys.""",
    fix="""Compare the Origin with a list of trusted front-end origins before echoing it (and add Vary: Origin),
    or configure the middleware with AllowedOrigins: []string{"https://app.example.com"}; keep wildcards for
    public, cookie-less endpoints only.""",
)
def go_cors_credentials(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    if is_test(ctx):
        return
    if "call" in captures:
        yield from _header_call(ctx, captures["call"][0])
    elif _cors_library(ctx):
        yield from _middleware_config(ctx, captures["literal"][0])
