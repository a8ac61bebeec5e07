"""JS-SSRF-001: request data choosing where an outgoing HTTP request goes (fetch, axios, got, needle, http)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.flow import describe
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.javascript.common import imported, method, option, receiver, resolve, string_value, unwrap
from slopguard.rules.javascript.request_data import HOST_GUARD, fixed_host, fixed_prefix, guarded, server_input

_FETCHES = frozenset({"node-fetch", "undici", "cross-fetch", "isomorphic-fetch", "make-fetch-happen"})
_CLIENTS = frozenset(
    {"axios", "got", "needle", "request", "superagent", "ky", "undici", "http", "https", "phin", "node-fetch",
     "bent", "wreck", "@hapi/wreck", "urllib", "request-promise", "request-promise-native", "follow-redirects"}
)  # fmt: skip
_VERBS = frozenset(
    {"get", "post", "put", "patch", "delete", "del", "head", "options", "request", "stream", "fetch"}
)  # fmt: skip
_URL_OPTIONS = ("url", "uri", "href", "baseURL", "prefixUrl", "host", "hostname", "origin")


def _module_of(ctx: TSContext, node: Node | None) -> str | None:
    if node is None or node.type != "identifier":
        return None
    origin = imported(ctx, ctx.text(node))
    return origin[0] if origin is not None and origin[1] in ("*", "default") else None


def _url_argument(ctx: TSContext, call: Node) -> tuple[Node, str] | None:
    """The argument naming the destination of an HTTP client call, and the client's name."""
    args = ctx.arguments(call)
    if not args:
        return None
    callee = call.child_by_field_name("function")
    if callee is None:
        return None
    if callee.type == "identifier":
        name = ctx.text(callee)
        origin = imported(ctx, name)
        declared = resolve(ctx, callee)
        # a module's own `const fetch = async (url) => ...`, not `const fetch = require('node-fetch')`
        local = origin is None and declared is not None and declared.id != callee.id
        if name == "fetch" and not local and (origin is None or origin[0] in _FETCHES):
            return args[0], "fetch()"
        module = origin[0] if origin is not None else None
        if module in _CLIENTS:
            if module == "needle" and len(args) >= 2 and string_value(ctx, args[0]) is not None:
                return args[1], "needle()"  # needle('get', url)
            return args[0], f"{name}()"
        return None
    obj = receiver(call)
    verb = method(ctx, call)
    if verb not in _VERBS:
        return None
    module = _module_of(ctx, obj)
    if module not in _CLIENTS and not (obj is not None and ctx.text(obj) in ("axios", "got", "needle", "superagent")):
        return None
    client = ctx.text(obj)
    if verb == "request" and client == "needle" and len(args) >= 2:
        return args[1], "needle.request()"
    return args[0], f"{client}.{verb}()"


def _destination(ctx: TSContext, url: Node) -> Node | None:
    """The node that decides the host: the URL itself, or the url/host entry of an options object."""
    if unwrap(url).type != "object":
        return url
    for key in _URL_OPTIONS:
        found = option(ctx, url, key)
        if found is not None:
            return found
    return None


@ts_rule(
    id="JS-SSRF-001",
    title="Outgoing request to a URL taken from the request (SSRF)",
    cwe=918,
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    languages=("javascript", "typescript"),
    query="(call_expression) @call",
    why="""Assistants build link previews, webhook testers, image proxies and feed readers with
    fetch(req.query.url), axios.get(url) or http.request({ host }) on whatever the client sent. The server then
    fetches for the attacker: cloud metadata endpoints (http://169.254.169.254/ with its credentials), admin
    panels and databases on the internal network, or file:// and other schemes the client library accepts.""",
    fix="""Keep the host fixed and put only encoded values in the path (`https://api.example.com/items/${encodeURIComponent(id)}`),
    or parse with new URL() and check url.hostname against an allow-list (and resolve it to refuse private
    addresses) before fetching; turn redirects off or re-check them.""",
)
def ssrf(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    call: Node = captures["call"][0]
    found = _url_argument(ctx, call)
    if found is None:
        return
    url, label = found
    destination = _destination(ctx, url)
    if destination is None:
        return
    flow = server_input(ctx, destination)
    if flow is None or fixed_host(fixed_prefix(ctx, destination)):
        return
    if guarded(ctx, call, destination, HOST_GUARD):
        return
    yield ctx.hit(call, f"{label} sends a request to a URL built from {describe(flow)}")
