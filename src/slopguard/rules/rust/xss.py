"""RUST-XSS-001: HTML responses assembled from request data without escaping (axum's ``Html``, actix-web bodies
with a text/html content type, Rocket's ``RawHtml``, warp's ``reply::html``)."""

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
from slopguard.rules.rust.common import (
    handler_of,
    method,
    path_name,
    receiver,
    request_parameters,
    resolved_value,
    root_identifier,
    unwrap,
)
from slopguard.rules.rust.structs import declared_not_text
from slopguard.rules.rust.web import format_values, in_tests

# Wrappers whose content is sent as text/html: axum (and Rocket 0.4) Html, Rocket RawHtml, warp reply::html.
_HTML_WRAPPERS = re.compile(r"^(?:(?:axum::)?(?:response::)?|(?:rocket::)?(?:response::)?content::)(?:Html|RawHtml)$"
                            r"|^(?:axum::)?(?:response::)?Html::from$|^(?:warp::)?reply::html$")  # fmt: skip
_HTML_TYPE = re.compile(r"(?i)text/html|ContentType::html\(\)|TEXT_HTML|ContentType::HTML\b")
_BODIES = frozenset({"body", "set_body", "message_body"})
# Template engines and HTML builders that escape what they interpolate: askama/rinja/sailfish/tera/handlebars
# ``.render(..)``, maud's ``html! {..}`` (``.into_string()``).
_ESCAPING = frozenset({"render", "render_once", "render_into", "into_string", "call"})
_ESCAPING_MACROS = re.compile(r"^(?:maud::)?html$")


def _html_body(ctx: TSContext, node: Node) -> Node | None:
    """The body an HTML response is made of, or None when ``node`` sends no HTML."""
    if node.type == "tuple_expression":  # ([(CONTENT_TYPE, "text/html")], body)
        parts = node.named_children
        return parts[-1] if len(parts) >= 2 and _HTML_TYPE.search(ctx.text(parts[0])) else None
    args = ctx.arguments(node)
    if not args:
        return None
    if _HTML_WRAPPERS.match(path_name(ctx, node)):
        return args[0]
    if method(ctx, node) not in _BODIES:
        return None
    builder = receiver(node)
    while builder is not None and unwrap(builder).type == "call_expression":
        call = unwrap(builder)
        if method(ctx, call) in ("content_type", "insert_header", "append_header", "header") and _HTML_TYPE.search(
            ctx.text(call.child_by_field_name("arguments"))
        ):
            return args[0]
        builder = receiver(call)
    return None


def _escaped(ctx: TSContext, body: Node) -> bool:
    """Rendered by a template engine that escapes (``page.render()?``, ``html! { p { (name) } }``)."""
    value = resolved_value(ctx, body)
    while value.type == "call_expression" and method(ctx, value) in ("unwrap", "expect", "unwrap_or_default"):
        value = resolved_value(ctx, receiver(value) or value)
    if value.type == "macro_invocation":
        return bool(_ESCAPING_MACROS.match(ctx.call_name(value)))
    return value.type == "call_expression" and method(ctx, value) in _ESCAPING


def _only_numbers(ctx: TSContext, body: Node) -> bool:
    """``format!("<p>Page {}</p>", q.page)``: every value formatted in is a field declared as a number or flag."""
    value = resolved_value(ctx, body)
    formatted = value.type == "macro_invocation" and ctx.call_name(value) == "format"
    values = format_values(ctx, value) if formatted else None
    if not values:
        return False
    for tokens in values:
        if tokens is None:
            return False
        dynamic = [t for t in tokens if t.type not in ("string_literal", "integer_literal")]
        field = len(tokens) == 3 and tokens[1].type == "."
        if dynamic and not (field and declared_not_text(ctx, ctx.text(tokens[2]))):
            return False
    return True


def _handler_parameter(ctx: TSContext, body: Node) -> str | None:
    """``format!("<p>Hi {}</p>", name)`` in a Rocket or actix-web handler whose ``name: &str`` the route fills."""
    handler = handler_of(ctx, body)
    if handler is None:
        return None
    value = resolved_value(ctx, body)
    if value.type == "macro_invocation" and ctx.call_name(value) == "format":
        roots = [tokens[0] for tokens in format_values(ctx, value) or [] if tokens]
    else:
        roots = [root for root in [root_identifier(value)] if root is not None]
    names = request_parameters(ctx, handler)
    found = next((ctx.text(r) for r in roots if r.type == "identifier" and ctx.text(r) in names), None)
    return f"the request parameter '{found}'" if found is not None else None


@ts_rule(
    id="RUST-XSS-001",
    title="HTML response built from request data without escaping (XSS)",
    cwe=79,
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    languages=("rust",),
    query="[(call_expression) (tuple_expression)] @node",
    why="""For greeting pages, search results and printable notices assistants write
    Html(format!("<h1>Hello, {}!</h1>", params.name)) (axum) or HttpResponse::Ok().content_type("text/html")
    .body(format!(..)) (actix-web). format! does not escape, so a name or query holding <script> runs in the
    victim's browser on the site's origin: it reads the page, acts with the victim's session and can steal
    tokens kept in the page or in readable cookies.""",
    fix="""Render HTML with an escaping template engine (askama, maud, tera with autoescape) or escape every value
    with html_escape::encode_text (encode_double_quoted_attribute inside attributes); return plain text or JSON
    when no markup is needed.""",
)
def rust_xss(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    node: Node = captures["node"][0]
    body = _html_body(ctx, node)
    if body is None or in_tests(ctx, node) or _escaped(ctx, body) or _only_numbers(ctx, body):
        return
    flow = ctx.flow(body)
    origin = describe(flow) if flow.tainted else _handler_parameter(ctx, body)
    if origin is None:
        return
    callee = node.child_by_field_name("function")
    at = callee.child_by_field_name("field") if callee is not None and method(ctx, node) in _BODIES else None
    yield ctx.hit(
        at or node, f"HTML response built from {origin} without escaping; a <script> in it runs in visitors' browsers"
    )
