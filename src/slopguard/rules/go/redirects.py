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
from slopguard.rules.go.common import CALL, package_call
from slopguard.rules.go.web import checked, constant_prefix, request_flow

# Conditions that keep a redirect on the site or on known hosts.
_CHECKS = re.compile(
    r"HasPrefix|IsAbs|\.Host\b|Hostname\(|\.Scheme\b|(?i:allow|whitelist|safe|valid|trusted|local|relative)"
)
_LOCAL_PATH = re.compile(r"^/[^/\\]")
_FIXED_HOST = re.compile(r"^[a-zA-Z][\w+.-]*://[^/?#\s]+[/?#]")
_STATUS = re.compile(r"Status|^\d+$")


def _target(ctx: TSContext, call: Node, method: str) -> Node | None:
    args = ctx.arguments(call)
    if package_call(ctx, call) == ("net/http", "Redirect"):
        return args[2] if len(args) > 2 else None
    if method != "Redirect" or not args:
        return None
    if len(args) >= 2 and _STATUS.search(ctx.compact(args[0])):
        return args[1]  # gin and echo: c.Redirect(code, url)
    return args[0]  # fiber: c.Redirect(url[, code])


def safe_destination(ctx: TSContext, node: Node) -> bool:
    """A path on this site (``"/orders/" + id``), a URL on a fixed host, or a value checked before use."""
    prefix = constant_prefix(ctx, node)
    return bool(_LOCAL_PATH.match(prefix) or _FIXED_HOST.match(prefix)) or checked(ctx, node, _CHECKS)


@ts_rule(
    id="GO-REDIRECT-001",
    title="Open redirect to a URL from the request",
    cwe=601,
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    languages=("go",),
    query=f'({CALL} (#eq? @method "Redirect"))',
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
