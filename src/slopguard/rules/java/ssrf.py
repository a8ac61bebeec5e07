"""JAVA-SSRF-001: outgoing HTTP requests to a URL taken from the request (URL.openConnection, RestTemplate,
WebClient/RestClient, java.net.http, Apache and OkHttp clients, Jsoup)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.java.common import calls, declared_type, method, receiver
from slopguard.rules.java.guards import allow_listed
from slopguard.rules.java.urls import checked, fixed_origin

_REST_TEMPLATE = frozenset(
    {"getForObject", "getForEntity", "postForObject", "postForEntity", "postForLocation", "exchange", "execute",
     "put", "patchForObject", "delete", "headForHeaders", "optionsForAllow"}
)  # fmt: skip
_CLIENT_TYPES = frozenset({"HttpClient", "CloseableHttpClient", "OkHttpClient", "HttpAsyncClient"})
_REST_NAME = re.compile(r"(?i)rest(?:template|operations)?$")
_CLIENT_NAME = re.compile(r"(?i)(?:http|web|rest|api)?client$|^http$")
_WEB_CLIENT = re.compile(r"(?i)(?:web|rest)client|\.(?:get|post|put|delete|patch|method)\([^)]*\)$")
_SINKS = "openConnection|openStream|getContent|send|sendAsync|newCall|connect|uri|" + "|".join(sorted(_REST_TEMPLATE))


def _chain_top(node: Node) -> Node:
    """The outermost call of a fluent chain: ``webClient.get().uri(url).retrieve().bodyToMono(..)``."""
    while node.parent is not None and node.parent.type in ("method_invocation", "field_access"):
        if receiver(node.parent) != node and node.parent.child_by_field_name("object") != node:
            break
        node = node.parent
    return node


def _url_argument(call: Node, ctx: TSContext) -> tuple[Node, Node] | None:
    """(the value holding the URL, the node to report) when this call sends a request."""
    name = method(call, ctx)
    obj = receiver(call)
    args = ctx.arguments(call)
    if obj is None:
        return None
    kind = declared_type(obj, ctx)
    if name in ("openConnection", "openStream", "getContent") and not args:
        return obj, call  # new URL(target).openConnection()
    if name in _REST_TEMPLATE and args:
        if kind in ("RestTemplate", "RestOperations") or _REST_NAME.search(ctx.text(obj)):
            return args[0], call
        if name == "execute" and (kind in _CLIENT_TYPES or _CLIENT_NAME.search(ctx.text(obj))):
            return args[0], call  # Apache httpClient.execute(new HttpGet(url))
        return None
    if name in ("send", "sendAsync", "newCall") and args:
        if kind in _CLIENT_TYPES or _CLIENT_NAME.search(ctx.text(obj)):
            return args[0], call
        return None
    if name == "uri" and args and _WEB_CLIENT.search(ctx.compact(obj)):
        return args[0], _chain_top(call)  # webClient.get().uri(url).retrieve()
    if name == "connect" and ctx.text(obj) == "Jsoup" and args:
        return args[0], _chain_top(call)
    return None


@ts_rule(
    id="JAVA-SSRF-001",
    title="Server-side request to a URL from the request",
    cwe=918,
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    languages=("java",),
    query=calls(f"^({_SINKS})$"),
    why="""Assistants build link previews, webhook testers, avatar importers and proxies with
    new URL(request.getParameter("url")).openConnection(), restTemplate.getForObject(url, ..) or
    HttpClient.send on a URI from the request. The server then fetches whatever the attacker names: cloud
    metadata endpoints (169.254.169.254) that hand out credentials, admin consoles and databases on the internal
    network, or file: and jar: URLs.""",
    fix="""Fix the scheme and host in code and put only an encoded path segment or query value from the request into
    the URL; where users must supply whole URLs, resolve the host, allow only public addresses on an allow-list of
    hosts, and disable redirects.""",
)
def java_ssrf(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    call: Node = captures["call"][0]
    found = _url_argument(call, ctx)
    if found is None:
        return
    value, report = found
    flow = ctx.tainted(value)
    if flow is None or fixed_origin(value, ctx) or checked(value, call, ctx) or allow_listed(value, call, ctx):
        return
    yield ctx.hit(report, f"outgoing request to a URL from the request ({flow.origin}); the attacker picks the host")
