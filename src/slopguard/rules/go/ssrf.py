"""GO-SSRF-001: outgoing HTTP requests to a URL taken from the request (net/http, http.Client, resty) or from a
deserialised job or webhook subscription."""

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
from slopguard.rules.go.common import CALL, bound_values, function_of, imports, package_call
from slopguard.rules.go.messages import message_url
from slopguard.rules.go.proxy import proxy_hits
from slopguard.rules.go.web import caller_flow, checked, constant_prefix, request_flow

_URL_ARGUMENT = {"Get": 0, "Head": 0, "Post": 0, "PostForm": 0, "NewRequest": 1, "NewRequestWithContext": 2}
_CLIENT_METHODS = frozenset({"Get", "Head", "Post", "PostForm"})
_CLIENT_NAME = re.compile(r"(?i)(?:^|\.)\w*client$")
_FIXED_HOST = re.compile(r"^[a-zA-Z][\w+.-]*://[^/?#\s%]+[/?#]")
_CHECKS = re.compile(r"(?i)allow|whitelist|trusted|permitted|isSafe|validat|Hostname\(|\.Host\b|private|loopback")


def _is_client(ctx: TSContext, recv: Node) -> bool:
    """``http.DefaultClient``, a variable holding an ``http.Client``, or a resty request (``client.R()``)."""
    text = ctx.compact(recv)
    if text == "http.DefaultClient" or (text.endswith(".R()") and any("resty" in p for p in imports(ctx).values())):
        return True
    if recv.type == "identifier":
        scope = function_of(recv)
        for where in (scope, ctx.tree.root_node) if scope is not None else (ctx.tree.root_node,):
            values = bound_values(ctx, text, where)
            if values:
                return any("http.Client" in ctx.text(v) for v, _ in values)
    return bool(_CLIENT_NAME.search(text)) and "net/http" in imports(ctx).values()


def _url_of(ctx: TSContext, call: Node, recv: Node, method: str) -> Node | None:
    args = ctx.arguments(call)
    target = package_call(ctx, call)
    if target is not None and target[0] == "net/http" and method in _URL_ARGUMENT:
        index = _URL_ARGUMENT[method]
        return args[index] if len(args) > index else None
    if target is None and method in _CLIENT_METHODS and args and _is_client(ctx, recv):
        return args[0]
    return None


@ts_rule(
    id="GO-SSRF-001",
    title="Server-side request to a URL from the request (SSRF)",
    cwe=918,
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    languages=("go",),
    query=f"""({CALL} (#any-of? @method "Get" "Head" "Post" "PostForm" "NewRequest" "NewRequestWithContext"
      "NewSingleHostReverseProxy" "SetURL"))
      ((assignment_statement left: (expression_list (selector_expression field: (field_identifier) @field)))
      @assign (#any-of? @field "Host" "URL"))""",
    why="""For link previews, webhooks, avatar proxies and "import from URL" features assistants write
    http.Get(r.URL.Query().Get("url")) or http.NewRequest("GET", input, nil). The server then fetches whatever
    the attacker names: cloud metadata (http://169.254.169.254/ hands out credentials), admin ports on
    localhost, and internal services behind the firewall, with the response often echoed back.""",
    fix="""Parse the URL, require https and a host on an allow-list (or resolve it and refuse private, loopback
    and link-local addresses, also after redirects, with a custom DialContext); better, keep the host fixed
    and put user input only in an escaped path segment (url.PathEscape).""",
)
def go_ssrf(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    if "assign" in captures:
        yield from proxy_hits(ctx, captures["assign"][0], None)
        return
    call: Node = captures["call"][0]
    if ctx.text(captures["method"][0]) in ("NewSingleHostReverseProxy", "SetURL"):
        yield from proxy_hits(ctx, call, ctx.text(captures["method"][0]))
        return
    target = _url_of(ctx, call, captures["recv"][0], ctx.text(captures["method"][0]))
    if target is None:
        return
    flow = request_flow(ctx, target)
    via = ""
    if not flow.tainted:
        flow = caller_flow(ctx, target) or flow
        via = f" (passed in as '{ctx.text(target)}')"
    field = None if flow.tainted else message_url(ctx, target)
    if not (flow.tainted or field) or _FIXED_HOST.match(constant_prefix(ctx, target)) or checked(ctx, target, _CHECKS):
        return
    if field is not None:
        message = f"outgoing request to {field}, a URL that arrived in a deserialised job or subscription; whoever"
        yield ctx.hit(call, f"{message} sent it chooses which host is reached", confidence=Confidence.MEDIUM)
        return
    message = f"outgoing request to a URL from {describe(flow)}{via}; the caller chooses which host is reached"
    yield ctx.hit(call, message)
