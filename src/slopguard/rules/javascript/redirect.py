"""JS-REDIRECT-001: request data as the target of a redirect (Express, Koa, Fastify, Hono, Next.js), and a page
that navigates to a URL read from its own address (``location.href = params.get('next')``, Next's router)."""

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
from slopguard.rules.javascript.common import (
    enclosing_function,
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
    assigned_when_checked,
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
    # the request field itself, tested and then taken: ``PAGES.has(req.query.page) ? req.query.page : '/'``
    fields = {ctx.compact(n) for n in walk(chosen) if n.type == "member_expression" and ctx.flow(n).tainted}
    mentioned = mentioned or any(field in ctx.compact(condition) for field in fields)
    return mentioned and bool(REDIRECT_GUARD.search(text) or _CHECKERS.search(text))


@ts_rule(
    id="JS-REDIRECT-001",
    title="Redirect to a URL taken from the request",
    cwe=601,
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    languages=("javascript", "typescript"),
    query="[(call_expression) @call (method_definition) @method (assignment_expression) @assign]",
    why="""Assistants implement "return to where you were" after login or logout with
    res.redirect(req.query.returnTo), reply.redirect(request.query.next), NextResponse.redirect(returnTo) or a
    NestJS @Redirect() handler that returns { url: next }. An
    attacker mails a link to the real site that bounces the victim to a look-alike login page (phishing with
    the site's own domain in the link), or leaks OAuth codes and tokens to their host. In the browser the same
    idea reads location.href = new URLSearchParams(location.search).get('next'), location.assign(returnTo) or
    router.push(searchParams.get('callbackUrl')): besides phishing, a javascript: URL runs script in the page.""",
    fix="""Redirect only to local paths (a value that starts with a single '/' and not '//' or '/\\'), or look
    the target up in an allow-list of hosts after parsing it with new URL() (in the browser: compare its origin
    with location.origin); otherwise fall back to '/'.""",
)
def open_redirect(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    if "method" in captures:
        for statement, url in _nest_redirects(ctx, captures["method"][0]):
            yield from _judge(ctx, statement, url)
        return
    if "assign" in captures:
        node: Node = captures["assign"][0]
        left = node.child_by_field_name("left")
        if left is not None and _LOCATION.match(ctx.compact(left)):
            yield from _judge_client(ctx, node, node.child_by_field_name("right"))
        return
    call: Node = captures["call"][0]
    client = _client_target(ctx, call)
    if client is not None:
        yield from _judge_client(ctx, call, client)
        return
    target = _target(ctx, call)
    if target is not None:
        yield from _judge(ctx, call, target)


def _nest_redirects(ctx: TSContext, method_node: Node) -> Iterator[tuple[Node, Node]]:
    """``@Redirect() go(@Query('next') next) { return { url: next }; }``: NestJS redirects to the ``url`` the
    handler returns. Yields (return statement, url value)."""
    decorators = [ctx.compact(c) for c in method_node.named_children if c.type == "decorator"]  # JavaScript
    sibling = method_node.prev_named_sibling  # TypeScript puts them before the method
    while sibling is not None and sibling.type == "decorator":
        decorators.append(ctx.compact(sibling))
        sibling = sibling.prev_named_sibling
    if not any(d.startswith("@Redirect(") for d in decorators):
        return
    body = method_node.child_by_field_name("body")
    for node in walk(body) if body is not None else ():
        if node.type == "return_statement" and enclosing_function(node) == method_node and node.named_children:
            url = option(ctx, node.named_children[0], "url")
            if url is not None:
                yield node, url


def _judge(ctx: TSContext, call: Node, target: Node) -> Iterator[Hit]:
    """A finding for a redirect to ``target`` unless it is fixed, checked or not request data."""
    flow = server_input(ctx, target)
    if flow is None or fixed_destination(fixed_prefix(ctx, target)) or _same_site_url(ctx, target):
        return
    inner = unwrap(target)
    if inner.type == "call_expression" and _CHECKERS.search(ctx.call_name(inner)):
        return  # res.redirect(safeReturnPath(req.query.next))
    if guarded(ctx, call, target, REDIRECT_GUARD) or _chosen_safely(ctx, target):
        return
    if assigned_when_checked(ctx, call, target, REDIRECT_GUARD):
        return
    yield ctx.hit(call, f"redirect target comes from {describe(flow)}: anyone can send users to another site")


# ----- the browser: a page that navigates to a URL read from its own address ---------------------------------
_WINDOWS = r"(?:(?:window|self|top|parent|globalThis|document)\.)*"
_LOCATION = re.compile(rf"^{_WINDOWS}location(?:\.href)?$")
_NAVIGATORS = frozenset({"assign", "replace"})
_ROUTER_METHODS = frozenset({"push", "replace"})
# Input a page reads that the user did not choose for this page: its own address and referrer, its window name,
# a message from another window. Not its own path (reloading it), storage it wrote, or what the user typed.
_CLIENT_OWN = re.compile(
    r"^(?:window\.|document\.)?location\.(?:href|pathname)\b(?!\.(?:split|replace|match|slice|substring))"
    r"|^document\.URL\b|^(?:local|session)Storage\b|^(?:event|e)\.target\b|^process\."
)


def _client_target(ctx: TSContext, call: Node) -> Node | None:
    """The URL of ``location.assign(url)`` / ``location.replace(url)``, or of Next.js ``router.push(url)``."""
    name, args = method(ctx, call), ctx.arguments(call)
    obj = receiver(call)
    if not args or obj is None:
        return None
    if name in _NAVIGATORS and _LOCATION.match(ctx.compact(obj)) and not ctx.compact(obj).endswith(".href"):
        return args[0]
    if name in _ROUTER_METHODS and obj.type == "identifier" and _next_router(ctx, obj):
        return args[0]
    return None


def _next_router(ctx: TSContext, obj: Node) -> bool:
    """``router`` bound to Next.js ``useRouter()`` (it navigates to absolute URLs as a full page load)."""
    value = resolve(ctx, obj)
    if value is None or value.type != "call_expression":
        return False
    origin = imported(ctx, ctx.text(value.child_by_field_name("function")))
    return origin is not None and origin[0] in ("next/navigation", "next/router") and origin[1] == "useRouter"


def _client_input(ctx: TSContext, target: Node) -> Flow | None:
    flow = ctx.flow(target)
    if not flow.tainted or _CLIENT_OWN.search(flow.origin):
        return None
    return flow


def _judge_client(ctx: TSContext, sink: Node, target: Node | None) -> Iterator[Hit]:
    """A finding for a page navigating to ``target`` unless it is fixed, checked or not read from the URL."""
    if target is None:
        return
    flow = _client_input(ctx, target)
    if flow is None or fixed_destination(fixed_prefix(ctx, target)) or _same_site_url(ctx, target):
        return
    inner = unwrap(target)
    if inner.type == "call_expression" and _CHECKERS.search(ctx.call_name(inner)):
        return
    if guarded(ctx, sink, target, REDIRECT_GUARD) or _chosen_safely(ctx, target):
        return
    if assigned_when_checked(ctx, sink, target, REDIRECT_GUARD):
        return
    yield ctx.hit(
        sink,
        f"the page navigates to {describe(flow)}: a link can send users to another site or run a javascript: URL",
    )
