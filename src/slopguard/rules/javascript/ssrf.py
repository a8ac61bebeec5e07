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
from slopguard.rules.javascript.common import (
    imported,
    method,
    option,
    receiver,
    resolve,
    resolved_call,
    string_value,
    unwrap,
)
from slopguard.rules.javascript.request_data import HOST_GUARD, fixed_host, fixed_prefix, guarded, server_input
from slopguard.rules.shared.trees import ancestor

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


def _client_instance(ctx: TSContext, obj: Node) -> bool:
    """An HTTP client made or injected elsewhere: ``const api = axios.create({...})`` (an absolute URL passed to
    it replaces its baseURL), NestJS's ``HttpService`` (``this.http.post(url)``, ``this.httpService.axiosRef``)."""
    obj = unwrap(obj)
    if obj.type == "member_expression" and ctx.text(obj.child_by_field_name("property")) == "axiosRef":
        obj = unwrap(obj.child_by_field_name("object") or obj)
    if obj.type == "identifier":
        value = resolve(ctx, obj)
        found = resolved_call(ctx, value) if value is not None and value.type == "call_expression" else None
        return found == ("axios", "create")
    if obj.type != "member_expression" or ctx.text(obj.child_by_field_name("object")) != "this":
        return False
    field = ctx.text(obj.child_by_field_name("property"))
    body = ancestor(obj, frozenset({"class_body"}))
    members = ctx.nodes("required_parameter", "optional_parameter", "public_field_definition")
    for node in members.inside(body) if body is not None else ():
        name = node.child_by_field_name("pattern") or node.child_by_field_name("name")
        annotation, value = node.child_by_field_name("type"), node.child_by_field_name("value")
        if ctx.text(name) != field:
            continue
        if annotation is not None and _nest_http(ctx, annotation):
            return True
        if value is not None and value.type == "call_expression" and resolved_call(ctx, value) == ("axios", "create"):
            return True  # api = axios.create({ ... })
    return False


def _nest_http(ctx: TSContext, annotation: Node) -> bool:
    """A type annotation naming @nestjs/axios's HttpService."""
    name = ctx.text(annotation).lstrip(": ").strip()
    origin = imported(ctx, name)
    return origin is not None and origin[0] in ("@nestjs/axios", "@nestjs/common") and origin[1] == "HttpService"


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
    known = obj is not None and (
        ctx.text(obj) in ("axios", "got", "needle", "superagent") or _client_instance(ctx, obj)
    )
    if module not in _CLIENTS and not known:
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
