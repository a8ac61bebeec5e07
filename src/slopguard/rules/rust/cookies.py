"""RUST-COOKIE-001: session and auth cookies built without Secure or HttpOnly (the cookie crate's ``Cookie::build``
and ``Cookie::new`` as actix-web, axum-extra, tower-cookies and Rocket use it; session middleware with the flags
turned off)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.rust.common import bound_name, function_of, method, path_name, string_value, unwrap, uses
from slopguard.rules.rust.web import constant_text, in_tests
from slopguard.rules.shared.cookies import READ_BY_SCRIPT, SESSION_COOKIE

_CONSTRUCTORS = re.compile(r"(?:^|::)(?:Cookie::(?:build|new)|CookieBuilder::new)$")
# Session middleware whose cookie flags are on by default: turning one off (actix-session, tower-sessions).
_MIDDLEWARE_FLAGS = {
    "cookie_secure": "Secure",
    "cookie_http_only": "HttpOnly",
    "with_secure": "Secure",
    "with_http_only": "HttpOnly",
}
_FLAGS = {"secure": "Secure", "set_secure": "Secure", "http_only": "HttpOnly", "set_http_only": "HttpOnly"}


def _name_and_value(ctx: TSContext, call: Node) -> tuple[Node | None, Node | None]:
    """``Cookie::build("sid", v)`` or cookie 0.18's ``Cookie::build(("sid", v))``."""
    args = ctx.arguments(call)
    if len(args) == 1 and unwrap(args[0]).type == "tuple_expression":
        args = unwrap(args[0]).named_children
    return (args[0] if args else None), (args[1] if len(args) > 1 else None)


def _flags_in_chain(ctx: TSContext, call: Node) -> tuple[dict[str, str], Node]:
    """The flags set by the builder calls chained on ``call`` (``.secure(true).http_only(true)``), and the last call
    of the chain."""
    flags: dict[str, str] = {}
    node = call
    while node.parent is not None and node.parent.type == "field_expression":
        outer = node.parent.parent
        if outer is None or outer.type != "call_expression":
            break
        name = method(ctx, outer)
        args = ctx.arguments(outer)
        if name in _FLAGS and args:
            flags[_FLAGS[name]] = ctx.compact(args[0])
        node = outer
    return flags, node


def _flags_set_later(ctx: TSContext, chain_end: Node) -> dict[str, str]:
    """``cookie.set_secure(true)`` or ``builder.http_only(true)`` on the local the cookie was bound to."""
    let = chain_end.parent
    fn = function_of(chain_end)
    if let is None or let.type != "let_declaration" or fn is None:
        return {}
    name = re.escape(bound_name(ctx, let.child_by_field_name("pattern") or let))
    found: dict[str, str] = {}
    setter = rf"\b{name}\s*\.\s*(set_secure|secure|set_http_only|http_only)\s*\(([^)]*)\)"
    for match in re.finditer(setter, ctx.text(fn)):
        found[_FLAGS[match.group(1)]] = "".join(match.group(2).split())
    return found


def _missing(flags: dict[str, str], name: str, rocket_private: bool) -> list[str]:
    off = ("false", "Some(false)")
    missing = []
    if flags.get("Secure", "false") in off and not rocket_private:
        missing.append("Secure")
    if flags.get("HttpOnly", "false") in off and not rocket_private and not READ_BY_SCRIPT.search(name):
        missing.append("HttpOnly")
    return missing


@ts_rule(
    id="RUST-COOKIE-001",
    title="Session cookie without Secure or HttpOnly",
    cwe=(614, 1004),
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    languages=("rust",),
    query="(call_expression) @call",
    why="""Assistants set the session with Cookie::build("session", token).path("/").finish() (actix-web) or
    jar.add(Cookie::new("session_id", id)) (axum-extra, tower-cookies). The cookie crate sets neither flag by
    default: without Secure the cookie also travels over plain HTTP, where anyone on the network reads it;
    without HttpOnly any injected script reads document.cookie and sends the session away.""",
    fix="""Chain .secure(true).http_only(true).same_site(SameSite::Lax) (or Strict) on session and token cookies;
    keep the defaults of session middleware (actix-session, tower-sessions) instead of turning them off.""",
)
def rust_cookie_flags(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    call: Node = captures["call"][0]
    if in_tests(ctx, call):
        return
    flag = _MIDDLEWARE_FLAGS.get(method(ctx, call))
    if flag is not None:
        args = ctx.arguments(call)
        callee = call.child_by_field_name("function")
        at = callee.child_by_field_name("field") if callee is not None else None
        if len(args) == 1 and ctx.compact(args[0]) == "false" and uses(ctx, "actix_session", "tower_sessions"):
            yield ctx.hit(at or call, f"the session cookie is configured without {flag}")
        return
    if not _CONSTRUCTORS.search(path_name(ctx, call)):
        return
    name_node, value = _name_and_value(ctx, call)
    if name_node is None or string_value(ctx, value) == "":
        return  # a removal cookie carries no session
    name = constant_text(ctx, name_node) or ctx.text(name_node)
    if not (SESSION_COOKIE.search(name) or (value is not None and SESSION_COOKIE.search(ctx.text(value)))):
        return
    flags, chain_end = _flags_in_chain(ctx, call)
    flags = {**_flags_set_later(ctx, chain_end), **flags}
    if re.search(r"max_age\(\s*(?:(?:time::)?Duration::ZERO|Duration::seconds\(0\))", ctx.text(chain_end)):
        return
    adder = chain_end.parent.parent if chain_end.parent is not None else None
    rocket_private = adder is not None and adder.type == "call_expression" and method(ctx, adder) == "add_private"
    missing = _missing(flags, name, rocket_private)
    if missing:
        yield ctx.hit(call, f"cookie '{name}' is built without {' and '.join(missing)}")
