"""GO-REDIRECT-001: redirects to a URL taken from the request (net/http, gin, echo, fiber)."""

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
from slopguard.rules.go.common import CALL, bound_values, function_of, package_call, unwrap
from slopguard.rules.go.web import checked, constant_prefix, request_flow
from slopguard.rules.shared.trees import walk

# Conditions that keep a redirect on the site or on known hosts.
_CHECKS = re.compile(
    r"HasPrefix|IsAbs|\.Host\b|Hostname\(|\.Scheme\b|(?i:allow|whitelist|safe|valid|trusted|local|relative)"
)
_LOCAL_PATH = re.compile(r"^/[^/\\]")
_FIXED_HOST = re.compile(r"^[a-zA-Z][\w+.-]*://[^/?#\s]+[/?#]")
_STATUS = re.compile(r"Status|^\d+$")
_HEADER_WRITES = frozenset({"Set", "Add", "Header"})
_LOCATION = re.compile(r'(?i)^"location"$|^echo\.HeaderLocation$|^fiber\.HeaderLocation$')


def _target(ctx: TSContext, call: Node, method: str) -> Node | None:
    args = ctx.arguments(call)
    if package_call(ctx, call) == ("net/http", "Redirect"):
        return args[2] if len(args) > 2 else None
    if method in _HEADER_WRITES:  # w.Header().Set("Location", next), c.Header("Location", next)
        return args[1] if len(args) == 2 and _LOCATION.match(ctx.compact(args[0])) else None
    if method != "Redirect" or not args:
        return None
    if len(args) >= 2 and _STATUS.search(ctx.compact(args[0])):
        return args[1]  # gin and echo: c.Redirect(code, url)
    return args[0]  # fiber: c.Redirect(url[, code])


def _checked_where_read(ctx: TSContext, node: Node) -> bool:
    """``next`` was copied from a value that the function checked (``if c, err := r.Cookie("to"); err == nil &&
    strings.HasPrefix(c.Value, "/") { next = c.Value }``): every request value assigned to it was checked."""
    node = unwrap(node)
    scope = function_of(node)
    if node.type != "identifier" or scope is None:
        return False
    sources = [v for v, _ in bound_values(ctx, ctx.text(node), scope) if request_flow(ctx, v).tainted]
    return bool(sources) and all(unwrap(v).type != "call_expression" and checked(ctx, v, _CHECKS) for v in sources)


def _checking_helper(ctx: TSContext, node: Node) -> bool:
    """A value passed through a function of this file that checks its parameter (``localOnly(next)`` that
    returns "/" unless the value starts with one slash)."""
    node = unwrap(node)
    scope = function_of(node)
    calls = [node] if node.type == "call_expression" else []
    if node.type == "identifier" and scope is not None:
        calls = [unwrap(v) for v, _ in bound_values(ctx, ctx.text(node), scope)]
    names = {ctx.text(c.child_by_field_name("function")) for c in calls if c.type == "call_expression"}
    if not names or len(names) != len(calls):
        return False
    found = [f for f in ctx.tree.root_node.named_children
             if f.type == "function_declaration" and ctx.text(f.child_by_field_name("name")) in names]  # fmt: skip
    return len(found) == len(names) and all(_checks_parameter(ctx, f) for f in found)


def _checks_parameter(ctx: TSContext, fn: Node) -> bool:
    params = fn.child_by_field_name("parameters")
    first = params.named_children[0] if params is not None and params.named_children else None
    body = fn.child_by_field_name("body")
    if first is None or body is None or ctx.text(first.child_by_field_name("type")) != "string":
        return False  # a string value checked, not a request whose fields a helper reads
    name = first.child_by_field_name("name")
    if name is None:
        return False
    word = re.escape(ctx.text(name))
    return any(
        n.type == "if_statement" and re.search(rf"\b{word}\b", text) and _CHECKS.search(text)
        for n in walk(body)
        for text in [ctx.text(n.child_by_field_name("condition"))]
    )


def safe_destination(ctx: TSContext, node: Node) -> bool:
    """A path on this site (``"/orders/" + id``), a URL on a fixed host, or a value checked before use (where
    it is used, where it was read, or by a helper it went through)."""
    prefix = constant_prefix(ctx, node)
    return (
        bool(_LOCAL_PATH.match(prefix) or _FIXED_HOST.match(prefix))
        or checked(ctx, node, _CHECKS)
        or _checked_where_read(ctx, node)
        or _checking_helper(ctx, node)
    )


@ts_rule(
    id="GO-REDIRECT-001",
    title="Open redirect to a URL from the request",
    cwe=601,
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    languages=("go",),
    query=f'({CALL} (#any-of? @method "Redirect" "Set" "Add" "Header"))',
    why="""After login or logout assistants send the user back with http.Redirect(w, r,
    r.URL.Query().Get("next"), http.StatusFound) or c.Redirect(302, c.Query("return_to")). An attacker mails a
    link to the real site whose next parameter points at a look-alike login page; the trusted domain forwards
    the victim there, where the password or the OAuth code is harvested.""",
    fix="""Redirect only to paths on your own site (parse with url.Parse and require no scheme, no host and a
    single leading '/') or to hosts on an allow-list; fall back to a fixed page otherwise.""",
)
def go_open_redirect(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    call: Node = captures["call"][0]
    target = _target(ctx, call, ctx.text(captures["method"][0]))
    if target is None:
        return
    flow = request_flow(ctx, target)
    if not flow.tainted or safe_destination(ctx, target):
        return
    yield ctx.hit(call, f"redirect to {describe(flow)}; an attacker can send users to any site from yours")
