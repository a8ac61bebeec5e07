"""JAVA-REDIRECT-001: redirects to a URL taken from the request (servlet, Spring MVC, JAX-RS)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.flow import Flow
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.java.common import calls, constant, creations, method, receiver, type_name, value_of
from slopguard.rules.java.guards import allow_listed
from slopguard.rules.java.urls import checked, chosen_safely, fixed_origin

_LOCATION = re.compile(r'^(?:"Location"|HttpHeaders\.LOCATION|LOCATION)$')
_REDIRECT_VIEW = re.compile(r'^"(?:redirect|forward):')


def _target(call: Node, ctx: TSContext) -> Node | None:
    """The argument that becomes the Location of the response, if this call sets one."""
    args = ctx.arguments(call)
    if call.type == "object_creation_expression":
        return args[0] if type_name(call, ctx) == "RedirectView" and args else None
    name = method(call, ctx)
    if name == "sendRedirect" and len(args) == 1:
        return args[0]
    if name in ("setHeader", "addHeader", "header") and len(args) == 2 and _LOCATION.match(ctx.compact(args[0])):
        return args[1]
    if name == "location" and len(args) == 1 and receiver(call) is not None:
        return args[0]  # ResponseEntity.status(FOUND).location(uri), JAX-RS Response.ok().location(uri)
    if name in ("seeOther", "temporaryRedirect") and len(args) == 1:
        return args[0]  # JAX-RS Response.seeOther(uri)
    return None


def _open(value: Node, at: Node, ctx: TSContext) -> Flow | None:
    flow = ctx.tainted(value)
    if flow is None or fixed_origin(value, ctx) or checked(value, at, ctx) or chosen_safely(value, ctx):
        return None
    if chosen_safely(value_of(value, ctx), ctx) or allow_listed(value, at, ctx):  # isLocal(next) ? next : "/"
        return None
    return flow


@ts_rule(
    id="JAVA-REDIRECT-001",
    title="Open redirect to a URL from the request",
    cwe=601,
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    languages=("java",),
    query=calls("^(sendRedirect|setHeader|addHeader|header|location|seeOther|temporaryRedirect)$")
    + " "
    + creations("RedirectView$")
    + ' (binary_expression left: (string_literal) @lit (#match? @lit "^.(redirect|forward):")) @call',
    why="""Assistants implement "return to where you were" after login or logout with
    response.sendRedirect(request.getParameter("next")) or return "redirect:" + returnUrl in a Spring
    controller. Anyone can then craft a link on the real site that bounces the victim to a look-alike login page
    or a malware download, and OAuth-style flows leak codes and tokens to the attacker's host.""",
    fix="""Redirect only to relative paths you build ("redirect:/orders/" + id), or check the target against an
    allow-list of hosts (ALLOWED_HOSTS.contains(URI.create(next).getHost())) and fall back to a fixed page.""",
)
def java_open_redirect(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    call: Node = captures["call"][0]
    if call.type == "binary_expression":
        start = constant(captures["lit"][0], ctx) or ""
        right = call.child_by_field_name("right")
        if right is None or not _REDIRECT_VIEW.match('"' + start) or len(start) > len("redirect:"):
            return  # "redirect:/orders/" + id keeps the target on this site
        flow = _open(right, call, ctx)
        if flow is not None:
            yield ctx.hit(call, f"Spring view redirects to {flow.origin}; the request chooses where the user lands")
        return
    target = _target(call, ctx)
    flow = _open(target, call, ctx) if target is not None else None
    if flow is not None:
        yield ctx.hit(call, f"redirect target comes from the request ({flow.origin}); an attacker picks the site")
