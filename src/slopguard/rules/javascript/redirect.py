"""JS-REDIRECT-001: request data as the target of a redirect (Express, Koa, Fastify, Hono, Next.js)."""

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
from slopguard.rules.javascript.common import (
    imported,
    is_response,
    method,
    option,
    receiver,
    resolve,
    string_value,
    unwrap,
)
from slopguard.rules.javascript.request_data import (
    REDIRECT_GUARD,
    fixed_destination,
    fixed_prefix,
    guarded,
    roots,
    server_input,
)
from slopguard.rules.shared.trees import walk

# res (Express), reply (Fastify), ctx / ctx.response (Koa), c (Hono), h (hapi), NextResponse / Response (fetch API)
_REDIRECTORS = re.compile(r"^(?:res|response|resp|reply|ctx|context|c|h|ctx\.response|NextResponse|Response)$")
_HEADER_SETTERS = frozenset({"setHeader", "set", "header", "append"})
_CHECKERS = re.compile(r"(?i)safe|valid|sanitiz|allow|local|relative|internal|trusted|sameorigin")
# Tests that say a value is present, not where it goes: ``target != null``, ``typeof next === 'string'``.
_PRESENCE = re.compile(
    r"""[!=]==?\s*(?:null|undefined|''|""|``)|(?:null|undefined)\s*[!=]==?|typeof\s+[\w.]+\s*[!=]==?\s*['"]\w+['"]"""
)


def _target(ctx: TSContext, call: Node) -> Node | None:
    """The URL argument of a redirecting call, or None when the call does not redirect."""
    name, args = method(ctx, call), ctx.arguments(call)
    if not args:
        return None
    obj = receiver(call)
    if name == "redirect":
        if obj is None:
            origin = imported(ctx, "redirect")
            return args[0] if origin is not None and origin[0].startswith("next/") else None
        if not (_REDIRECTORS.match(ctx.compact(obj)) or is_response(ctx, obj)):
            return None
        return next((a for a in args if unwrap(a).type != "number"), None)
    if obj is None or (not is_response(ctx, obj) and not _REDIRECTORS.match(ctx.compact(obj))):
        return None
    if name == "location":
        return args[0]
    if name in _HEADER_SETTERS and len(args) >= 2 and (string_value(ctx, args[0]) or "").lower() == "location":
        return args[1]
    if name == "writeHead":
        headers = next((a for a in args if unwrap(a).type == "object"), None)
        return option(ctx, headers, "Location") or option(ctx, headers, "location")
    return None


_OTHER_SITE = re.compile(r"^(?:[a-z][\w+.-]*:|[/\\]{2})", re.IGNORECASE)


def _same_site_url(ctx: TSContext, target: Node) -> bool:
    """``new URL('/login', req.url)``: a constant path resolved against the request's own URL stays on this site
    (only the base comes from the request; a scheme or ``//`` in the path would replace its host)."""
    inner = unwrap(target)
    if inner.type != "new_expression" or ctx.text(inner.child_by_field_name("constructor")) != "URL":
        return False
    args = ctx.arguments(inner)
    if len(args) < 2:
        return False
    path = string_value(ctx, unwrap(resolve(ctx, args[0]) or args[0]))
    if path is not None:
        return not _OTHER_SITE.match(path.strip())
    return fixed_destination(fixed_prefix(ctx, args[0]))


def _chosen_safely(ctx: TSContext, target: Node) -> bool:
    """``res.redirect(isLocal ? target : '/')``: a conditional that takes the request's value only when a check
    on it holds (in the condition, or where the condition's flag was computed) and an untainted one otherwise."""
    inner = unwrap(target)
    if inner.type != "ternary_expression":
        return False
    condition, chosen, fallback = (inner.child_by_field_name(f) for f in ("condition", "consequence", "alternative"))
    if condition is None or chosen is None or fallback is None or server_input(ctx, fallback) is not None:
        return False
    parts = [ctx.text(condition)]
    parts += [ctx.text(resolve(ctx, n)) for n in walk(condition) if n.type == "identifier"]
    text = _PRESENCE.sub(" ", " ".join(parts))
    names = roots(ctx, chosen) - {"req", "request", "ctx", "c"}
    mentioned = any(re.search(rf"\b{re.escape(name)}\b", text) for name in names)
    return mentioned and bool(REDIRECT_GUARD.search(text) or _CHECKERS.search(text))


@ts_rule(
    id="JS-REDIRECT-001",
    title="Redirect to a URL taken from the request",
    cwe=601,
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    languages=("javascript", "typescript"),
    query="(call_expression) @call",
    why="""Assistants implement "return to where you were" after login or logout with
    res.redirect(req.query.returnTo), reply.redirect(request.query.next) or NextResponse.redirect(returnTo). An
    attacker mails a link to the real site that bounces the victim to a look-alike login page (phishing with
    the site's own domain in the link), or leaks OAuth codes and tokens to their host.""",
    fix="""Redirect only to local paths (a value that starts with a single '/' and not '//' or '/\\'), or look
    the target up in an allow-list of hosts after parsing it with new URL(); otherwise fall back to '/'.""",
)
def open_redirect(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    call: Node = captures["call"][0]
    target = _target(ctx, call)
    if target is None:
        return
    flow = server_input(ctx, target)
    if flow is None or fixed_destination(fixed_prefix(ctx, target)) or _same_site_url(ctx, target):
        return
    inner = unwrap(target)
    if inner.type == "call_expression" and _CHECKERS.search(ctx.call_name(inner)):
        return  # res.redirect(safeReturnPath(req.query.next))
    if guarded(ctx, call, target, REDIRECT_GUARD) or _chosen_safely(ctx, target):
        return
    yield ctx.hit(call, f"redirect target comes from {describe(flow)}: anyone can send users to another site")
