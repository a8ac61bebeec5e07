"""Reverse proxies whose upstream comes from the request (part of GO-SSRF-001): NewSingleHostReverseProxy of a
URL parsed from request data, a Director that sets ``req.URL.Host`` from a header or the query, a Rewrite that
calls ``pr.SetURL`` with such a URL."""

from __future__ import annotations

import re
from collections.abc import Iterator

from tree_sitter import Node

from slopguard.engine.flow import SAFE, Flow, describe, tainted
from slopguard.engine.hit import Hit
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.go.common import FUNCTIONS, bound_values, function_of, imports, package_call, unwrap
from slopguard.rules.go.web import checked, request_flow
from slopguard.rules.shared.trees import walk

_PARSERS = frozenset({"url.Parse", "url.ParseRequestURI"})
_TARGET_FIELDS = re.compile(r"^(?:\w+\.)?(?:URL|URL\.Host|URL\.Scheme|Host|Out\.URL|Out\.URL\.Host|Out\.Host)$")
_CHECKS = re.compile(r"(?i)allow|whitelist|trusted|permitted|isSafe|validat|private|loopback|known|backends?\[")
_REQUEST_PARTS = r"(?:Header|URL\.Query\(\)|URL\.Path|URL\.RawQuery|FormValue\(|Cookie\(|PathValue\()"


def _request_params(ctx: TSContext, node: Node) -> list[str]:
    """Parameters of the enclosing functions that hold a request: ``req *http.Request``, ``pr *ProxyRequest``."""
    names: list[str] = []
    fn = function_of(node)
    while fn is not None:
        params = fn.child_by_field_name("parameters")
        for param in params.named_children if params is not None else []:
            kind = ctx.compact(param.child_by_field_name("type"))
            if kind in ("*http.Request", "*httputil.ProxyRequest"):
                suffix = ".In" if kind.endswith("ProxyRequest") else ""
                names += [ctx.text(n) + suffix for n in param.children_by_field_name("name")]
        fn = function_of(fn)
    return names


def _target_flow(ctx: TSContext, node: Node, depth: int = 0) -> Flow:
    """Where an upstream URL comes from, looking through url.Parse and the local variables that hold it; a
    lookup in a table of backends (``backends[name]``) is the server's own value."""
    node = unwrap(node)
    if node.type == "index_expression":
        return SAFE
    if depth > 4:
        return ctx.flow(node)
    if node.type == "call_expression" and ctx.compact(node.child_by_field_name("function")) in _PARSERS:
        args = ctx.arguments(node)
        return _target_flow(ctx, args[0], depth + 1) if args else ctx.flow(node)
    if node.type == "selector_expression":
        operand = unwrap(node.child_by_field_name("operand") or node)
        if operand.type == "identifier" and ctx.text(node.child_by_field_name("field")) in ("Host", "Scheme"):
            return _target_flow(ctx, operand, depth + 1)
    text = ctx.compact(node)
    for param in _request_params(ctx, node):
        if re.match(rf"^{re.escape(param)}\.{_REQUEST_PARTS}", text):
            return tainted(text[:60])
    if node.type == "identifier":
        fn = function_of(node)
        while fn is not None:
            values = bound_values(ctx, ctx.text(node), fn)
            if values:
                flows = [_target_flow(ctx, v, depth + 1) for v, _ in values]
                return next((f for f in flows if f.tainted), flows[0])
            fn = function_of(fn)
    return request_flow(ctx, node)


def _in_proxy_callback(ctx: TSContext, node: Node) -> bool:
    """Inside a function literal given to a ReverseProxy as Director or Rewrite (or assigned to one)."""
    fn = function_of(node)
    while fn is not None:
        holder = fn.parent.parent if fn.parent is not None else None
        if holder is not None and holder.type == "keyed_element" and holder.named_children:
            return ctx.compact(holder.named_children[0]) in ("Director", "Rewrite")
        if holder is not None and holder.type == "assignment_statement":
            return bool(re.search(r"\.(?:Director|Rewrite)$", ctx.compact(holder.child_by_field_name("left"))))
        fn = function_of(fn)
    return False


def proxy_hits(ctx: TSContext, node: Node, method: str | None) -> Iterator[Hit]:
    """GO-SSRF-001 hits for reverse proxies: ``node`` is a call (``method`` named) or an assignment."""
    if "net/http/httputil" not in imports(ctx).values():
        return
    if node.type == "assignment_statement":
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        if left is None or right is None or len(left.named_children) != 1 or len(right.named_children) != 1:
            return
        if not _TARGET_FIELDS.match(ctx.compact(left)) or not _in_proxy_callback(ctx, node):
            return
        value = right.named_children[0]
        what = f"the proxy's upstream ({ctx.compact(left)})"
    elif method == "NewSingleHostReverseProxy" and package_call(ctx, node) == ("net/http/httputil", method):
        args = ctx.arguments(node)
        if not args:
            return
        value = args[0]
        what = "NewSingleHostReverseProxy's target"
    elif method == "SetURL" and _in_proxy_callback(ctx, node):
        args = ctx.arguments(node)
        if len(args) != 1:
            return
        value = args[0]
        what = "the Rewrite's SetURL target"
    else:
        return
    flow = _target_flow(ctx, value)
    if not flow.tainted or checked(ctx, value, _CHECKS) or _checked_in_callback(ctx, node):
        return
    yield ctx.hit(node, f"{what} comes from {describe(flow)}: the caller picks which host the proxy reaches "
                        "(internal services, cloud metadata)")  # fmt: skip


def _checked_in_callback(ctx: TSContext, node: Node) -> bool:
    """An allow-list test anywhere in the function the target is set in (``if !allowed[host] { return }``)."""
    fn = function_of(node)
    return fn is not None and any(
        n.type == "if_statement" and _CHECKS.search(ctx.text(n.child_by_field_name("condition")))
        for n in walk(fn, skip=FUNCTIONS[2:])
    )
