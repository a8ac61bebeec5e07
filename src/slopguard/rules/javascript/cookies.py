"""JS-COOKIE-001: res.cookie / ctx.cookies.set / express-session cookies without Secure, HttpOnly or SameSite."""

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
    has_spread,
    imported,
    is_false,
    is_response,
    method,
    option,
    receiver,
    resolve,
    string_value,
    unwrap,
)
from slopguard.rules.shared.cookies import SESSION_COOKIE

_FLAGS = ("secure", "httpOnly", "sameSite")
_NEXT_COOKIES = re.compile(r"^\(?(?:await)?cookies\(\)\)?$")  # next/headers: cookies().set(...)


def _flag(ctx: TSContext, opts: Node | None, name: str) -> bool:
    """True when set (a non-constant value counts as set), False when absent or off."""
    value = option(ctx, opts, name) if opts is not None else None
    if value is None:
        return False
    value = unwrap(value)
    return not (is_false(value) or (name == "sameSite" and string_value(ctx, value) in ("", "none", "None")))


def _deleting(ctx: TSContext, opts: Node | None) -> bool:
    for key in ("maxAge", "expires"):
        value = option(ctx, opts, key) if opts is not None else None
        if value is not None and re.fullmatch(r"0|-\d+|newDate\(0\)|newDate\(\)", ctx.compact(value)):
            return True
    return False


def _missing(ctx: TSContext, opts: Node | None, defaults: frozenset[str]) -> list[str]:
    return [flag for flag in _FLAGS if flag not in defaults and not _flag(ctx, opts, flag)]


def _message(what: str, missing: list[str]) -> str:
    flags = ", ".join(f"{f}: true" for f in missing if f != "sameSite")
    note = " (and no sameSite)" if "sameSite" in missing and flags else ""
    if not flags:
        return f"{what} has no sameSite: set sameSite: 'lax' to limit cross-site requests"
    return f"{what} without {flags}{note}"


def _session(ctx: TSContext, call: Node) -> Iterator[Hit]:
    args = ctx.arguments(call)
    opts = resolve(ctx, args[0]) if args else None
    if opts is None or opts.type != "object" or has_spread(ctx, opts):
        return
    cookie = resolve(ctx, option(ctx, opts, "cookie"))
    if cookie is not None and (cookie.type != "object" or has_spread(ctx, cookie)):
        return
    missing = _missing(ctx, cookie, frozenset())
    if cookie is None or option(ctx, cookie, "httpOnly") is None:
        missing = [f for f in missing if f != "httpOnly"]  # express-session defaults to httpOnly: true
    if not missing:
        return
    low = missing == ["sameSite"]
    yield ctx.hit(
        call,
        _message("session cookie", missing),
        severity=Severity.LOW if low else Severity.MEDIUM,
        confidence=Confidence.LOW if low else Confidence.HIGH,
    )


def _cookie_session(ctx: TSContext, call: Node) -> Iterator[Hit]:
    """cookie-session keeps the whole session in the cookie; it sets httpOnly (and secure over HTTPS) itself, so
    only options that switch them off count."""
    args = ctx.arguments(call)
    opts = resolve(ctx, args[0]) if args else None
    if opts is None or opts.type != "object":
        return
    off = [flag for flag in ("secure", "httpOnly") if _switched_off(ctx, option(ctx, opts, flag))]
    if off:
        said = ", ".join(f"{f}: false" for f in off)
        yield ctx.hit(call, f"session cookie (cookie-session) is set with {said}: turn them back on")


def _switched_off(ctx: TSContext, value: Node | None) -> bool:
    return value is not None and is_false(unwrap(value))


@ts_rule(
    id="JS-COOKIE-001",
    title="Cookie without Secure/HttpOnly/SameSite",
    cwe=(614, 1004),
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    languages=("javascript", "typescript"),
    query="(call_expression) @call",
    why="""Assistants call res.cookie('token', jwt) or configure express-session with the defaults, which send
    the cookie over plain HTTP (secure is false) and, for res.cookie, let page scripts read it (httpOnly is
    false). Anyone on the network picks the session up, any XSS sends document.cookie away, and without
    sameSite other sites ride the session in cross-site requests. cookie-session sets its flags itself, yet
    assistants switch them off with secure: false, httpOnly: false "for local development".""",
    fix="""Pass { httpOnly: true, secure: true, sameSite: 'lax' } (or 'strict') to res.cookie, and set
    cookie: { secure: true, httpOnly: true, sameSite: 'lax' } in express-session (app.set('trust proxy', 1)
    behind a proxy).""",
)
def cookie_flags(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    call: Node = captures["call"][0]
    name = method(ctx, call)
    callee = call.child_by_field_name("function")
    if callee is not None and callee.type == "identifier":
        origin = imported(ctx, name)
        if (origin is not None and origin[0] == "express-session") or (origin is None and name == "session"):
            yield from _session(ctx, call)
        elif (origin is not None and origin[0] == "cookie-session") or (origin is None and name == "cookieSession"):
            yield from _cookie_session(ctx, call)
        return
    obj = receiver(call)
    koa = name == "set" and ctx.compact(obj) in ("ctx.cookies", "this.cookies", "context.cookies")
    if not ((name == "cookie" and is_response(ctx, obj)) or koa or (name == "set" and _next_cookies(ctx, obj))):
        return
    args = ctx.arguments(call)
    if len(args) == 1 and not koa and unwrap(args[0]).type == "object":  # Next.js: set({ name, value, ...flags })
        single = unwrap(args[0])
        name_node, value_node = option(ctx, single, "name"), option(ctx, single, "value")
        if has_spread(ctx, single) or name_node is None or value_node is None:
            return
        args = [name_node, value_node, single]
    if len(args) < 2:
        return
    opts = resolve(ctx, args[2]) if len(args) > 2 else None
    if opts is not None and (opts.type != "object" or has_spread(ctx, opts)):
        return  # options built elsewhere
    if _deleting(ctx, opts):
        return
    cookie = string_value(ctx, args[0])
    missing = _missing(ctx, opts, frozenset({"httpOnly"}) if koa else frozenset())
    if cookie is not None and re.search(r"(?i)csrf|xsrf", cookie) and "httpOnly" in missing:
        missing.remove("httpOnly")  # double-submit CSRF cookies are read by scripts on purpose
    if not missing:
        return
    label = f"cookie '{cookie}'" if cookie is not None else "cookie"
    if cookie is not None and not SESSION_COOKIE.search(cookie) and not SESSION_COOKIE.search(ctx.text(args[1])):
        return  # a preference ("theme", JSON.stringify(prefs)): no session, token or personal data to steal
    if missing == ["sameSite"] or (cookie is not None and not SESSION_COOKIE.search(cookie)):
        severity, confidence = Severity.LOW, Confidence.LOW
    elif cookie is None:
        severity, confidence = Severity.MEDIUM, Confidence.MEDIUM
    else:
        severity, confidence = Severity.MEDIUM, Confidence.HIGH
    yield ctx.hit(call, _message(label, missing), severity=severity, confidence=confidence)


def _next_cookies(ctx: TSContext, obj: Node | None) -> bool:
    """Next.js cookie stores: ``cookies()`` / ``(await cookies())`` of next/headers, and ``response.cookies`` in
    a file that uses next/server."""
    text = ctx.compact(obj)
    if _NEXT_COOKIES.match(text):
        origin = imported(ctx, "cookies")
        return origin is None or origin[0] == "next/headers"
    request = text.startswith(("req.", "request."))  # a request's cookies are read, not sent
    return text.endswith(".cookies") and not request and b"next/server" in ctx.source
