"""RUST-CORS-001: CORS layers that let any origin read responses (tower-http, actix-cors, warp, rocket_cors),
credentialed ones above all."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.rust.common import function_of, method, path_name
from slopguard.rules.rust.web import in_tests

_CREDENTIALS = re.compile(r"\.(?:supports_credentials\(\)|allow_credentials\(true\))|allow_credentials:true\b")
_MIRROR = re.compile(r"AllowOrigin::mirror_request\(\)|AllowOrigin::predicate\(\|[^|]*\|(?:true|\{true\})\)")
_NAMES = ("permissive", "very_permissive", "allow_any_origin", "mirror_request", "predicate", "all")


def _hit(call: Node, message: str, **overrides: object) -> Hit:
    """A hit from the method's name to the end of its call, so a builder chain points at the right line."""
    callee = call.child_by_field_name("function")
    name = callee.child_by_field_name("field") if callee is not None and callee.type == "field_expression" else None
    (row, col), (end_row, end_col) = (name or call).start_point, call.end_point
    return Hit(row + 1, col + 1, end_row + 1, end_col + 1, message, **overrides)  # type: ignore[arg-type]


def _chain(call: Node) -> Node:
    """The whole builder expression a call is part of (``Cors::default().allow_any_origin().max_age(3600)``)."""
    node = call
    while node.parent is not None and node.parent.type in ("field_expression", "call_expression", "arguments"):
        node = node.parent
    return node


def _credentialed(ctx: TSContext, call: Node) -> bool:
    """Credentials switched on in the builder chain, or on the same builder elsewhere in the function."""
    scope = function_of(call)
    text = ctx.compact(scope) if scope is not None else ctx.compact(_chain(call))
    return bool(_CREDENTIALS.search(ctx.compact(_chain(call))) or _CREDENTIALS.search(text))


@ts_rule(
    id="RUST-CORS-001",
    title="CORS allows any origin (with credentials)",
    cwe=(942, 346),
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    languages=("rust",),
    query=f"""((call_expression function: [(field_expression field: (field_identifier) @name)
      (scoped_identifier name: (identifier) @name)]) @call (#any-of? @name {" ".join(f'"{n}"' for n in _NAMES)}))""",
    why="""When the browser reports a CORS error, assistants add CorsLayer::permissive() or
    CorsLayer::very_permissive() to the axum router, Cors::permissive() to the actix App, or
    allow_any_origin() next to supports_credentials(). very_permissive() and actix's permissive() echo the
    caller's Origin and allow credentials, so any website the victim visits can call the API with the
    victim's cookies and read the answers; permissive() lets any site read what the API answers to anyone who
    can reach it (intranet services, IP-restricted admin APIs).""",
    fix="""List the front end's origins: CorsLayer::new().allow_origin(["https://app.example.com".parse()?])
    .allow_credentials(true) (tower-http) or Cors::default().allowed_origin("https://app.example.com")
    (actix-cors); keep a wildcard only for public endpoints that never use cookies.""",
)
def rust_permissive_cors(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    call: Node = captures["call"][0]
    if in_tests(ctx, call):
        return
    path = path_name(ctx, call)
    name = method(ctx, call)
    if path.endswith("CorsLayer::very_permissive"):
        yield _hit(call, "CorsLayer::very_permissive() echoes any Origin and allows credentials: any site can read "
                         "responses with the visitor's cookies")  # fmt: skip
    elif path.endswith("CorsLayer::permissive"):
        yield _hit(call, "CorsLayer::permissive() lets every origin read the API's responses; list the front-end "
                         "origins", severity=Severity.MEDIUM)  # fmt: skip
    elif path in ("Cors::permissive", "actix_cors::Cors::permissive"):
        yield _hit(call, "actix Cors::permissive() echoes any Origin and supports credentials: any site can read "
                         "responses with the visitor's cookies")  # fmt: skip
    elif name == "allow_any_origin" and _credentialed(ctx, call):
        yield _hit(call, "allow_any_origin() together with credentials echoes any Origin: any site can read "
                         "responses with the visitor's cookies")  # fmt: skip
    elif (path.endswith(("AllowOrigin::mirror_request", "AllowOrigin::predicate"))
          and _MIRROR.search(ctx.compact(call)) and _credentialed(ctx, call)):  # fmt: skip
        yield _hit(call, "the CORS layer mirrors every Origin while allowing credentials: any site can read "
                         "responses with the visitor's cookies")  # fmt: skip
    elif path.endswith("AllowedOrigins::all") and _credentialed(ctx, call):
        yield _hit(call, "rocket_cors AllowedOrigins::all() with allow_credentials echoes any Origin: any site can "
                         "read responses with the visitor's cookies")  # fmt: skip
    elif name == "" and path.endswith("AllowOrigin::any") and _credentialed(ctx, call):
        yield _hit(call, "any origin with credentials: tower-http refuses this at startup; list the origins",
                   severity=Severity.MEDIUM, confidence=Confidence.MEDIUM)  # fmt: skip
