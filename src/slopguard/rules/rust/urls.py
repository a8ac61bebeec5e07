"""RUST-REDIRECT-001 (redirects to a URL from the request) and RUST-SSRF-001 (outgoing requests to a URL from
the request), for axum, actix-web, Rocket, reqwest, ureq and surf."""

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
from slopguard.rules.rust.common import (
    function_of,
    method,
    path_name,
    receiver,
    resolved_value,
    root_identifier,
    string_value,
    unwrap,
)
from slopguard.rules.rust.messages import message_url, message_url_in
from slopguard.rules.rust.web import checked, constant_prefix, format_values, macro_groups, placeholder_spans
from slopguard.rules.shared.trees import walk

_REDIRECTS = re.compile(r"(?:^|::)Redirect::(?:to|temporary|permanent|see_other|found|moved)$")
_LOCATION = re.compile(r"(?i)LOCATION|\"location\"")
_LOCAL_PATH = re.compile(r"^/[^/\\]")
_FIXED_HOST = re.compile(r"^[a-zA-Z][\w+.-]*://[^/?#\s{]+[/?#]")
_SCHEME = re.compile(r"^[a-zA-Z][\w+.-]*://")
_REDIRECT_CHECKS = re.compile(r"starts_with|host|allow|safe|valid|trusted|is_relative|local|contains")
_SSRF_CHECKS = re.compile(r"(?i)allow|whitelist|trusted|permitted|host_str|\.host\(|is_safe|validat|private|loopback")
_FETCH_FUNCTIONS = re.compile(
    r"^(?:reqwest(?:::blocking)?|ureq|surf|isahc|attohttpc|minreq)::(?:get|post|put|delete|patch|head)$"
)
_FILTERS = frozenset({"filter", "take_if", "is_some_and"})
_CLIENT_METHODS = frozenset({"get", "post", "put", "delete", "patch", "head"})
_HTTP_CRATE = re.compile(rb"\b(?:reqwest|ureq|surf|isahc|awc|hyper)::")
_CLIENT = re.compile(r"(?i)client|http|agent|reqwest")


def _redirect_target(ctx: TSContext, call: Node) -> Node | None:
    """The URL of ``Redirect::to(url)``, or the header tuple ``(LOCATION, url)``'s (its value is the second)."""
    args = ctx.arguments(call)
    if _REDIRECTS.search(path_name(ctx, call)) and args:
        return args[0]
    if method(ctx, call) in ("append_header", "insert_header") and args:
        pair = unwrap(args[0])
        if (
            pair.type == "tuple_expression"
            and len(pair.named_children) == 2
            and _LOCATION.search(ctx.text(pair.named_children[0]))
        ):
            return pair.named_children[1]
    return None


def _filtered(ctx: TSContext, node: Node, pattern: re.Pattern[str], depth: int = 0) -> bool:
    """The value went through ``Option::filter`` with a check (``.filter(|t| t.starts_with('/') && ..)``), here or
    in the ``let`` of a local it was read from: what comes out is that value only when it passed."""
    node = unwrap(node)
    if depth > 4:
        return False
    if node.type == "call_expression":
        args = ctx.arguments(node)
        closure = unwrap(args[0]) if args else None
        if method(ctx, node) in _FILTERS and closure is not None and pattern.search(ctx.text(closure)):
            return True
        inner = receiver(node)
        return inner is not None and _filtered(ctx, inner, pattern, depth + 1)
    if node.type == "field_expression":
        inner = node.child_by_field_name("value")
        return inner is not None and _filtered(ctx, inner, pattern, depth + 1)
    scope = function_of(node)
    if node.type != "identifier" or scope is None:
        return False
    values = [
        let.child_by_field_name("value")
        for let in walk(scope)
        if let.type == "let_declaration" and ctx.text(let.child_by_field_name("pattern")) == ctx.text(node)
    ]
    return len(values) == 1 and values[0] is not None and _filtered(ctx, values[0], pattern, depth + 1)


@ts_rule(
    id="RUST-REDIRECT-001",
    title="Open redirect to a URL from the request",
    cwe=601,
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    languages=("rust",),
    query="(call_expression) @call",
    why="""After login assistants return Redirect::to(&params.next) (axum) or HttpResponse::Found()
    .append_header((LOCATION, query.return_to.clone())) (actix-web). An attacker mails a link to the real site
    whose next parameter points at a look-alike login page; the trusted domain forwards the victim there, where
    the password or the OAuth code is harvested.""",
    fix="""Redirect only to paths on your own site (a single leading '/', no '//' or '\\', no scheme) or to
    hosts on an allow-list; fall back to a fixed page otherwise.""",
)
def rust_open_redirect(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    call: Node = captures["call"][0]
    target = _redirect_target(ctx, call)
    if target is None:
        return
    flow = ctx.flow(target)
    if (
        not flow.tainted
        or _LOCAL_PATH.match(constant_prefix(ctx, target))
        or _FIXED_HOST.match(constant_prefix(ctx, target))
    ):
        return
    if checked(ctx, target, _REDIRECT_CHECKS) or _filtered(ctx, target, _REDIRECT_CHECKS):
        return
    at = call if target.parent is not None and target.parent.parent == call else target.parent or call
    yield ctx.hit(at, f"redirect to {describe(flow)}; an attacker can send users to any site from yours")


def _host_slots(template: str) -> int | None:
    """How many placeholders of a URL template fill its host (``https://{}/media/{}`` -> 1, ``{}/items/{}`` -> 1);
    None when no '/', '?' or '#' ends the host, so a later value could still change it (``https://{}{}``)."""
    scheme = _SCHEME.match(template)
    start = scheme.end() if scheme is not None else 0
    end = next((i for i in range(start, len(template)) if template[i] in "/?#"), None)
    if end is None:
        return None
    return sum(1 for at, _ in placeholder_spans(template) if at < end)


def _own_host(ctx: TSContext, target: Node) -> bool:
    """``format!("https://{}/media/{}", config.upstream_host, job.file_name)``: the host comes from values no
    attacker wrote (the program's settings); only the path is theirs."""
    node = resolved_value(ctx, target)
    if node.type != "macro_invocation" or ctx.call_name(node) != "format":
        return False
    values = format_values(ctx, node)
    groups = macro_groups(ctx, node)
    slots = _host_slots(string_value(ctx, groups[0][0]) or "") if values is not None else None
    if not slots or values is None:
        return False
    for tokens in values[:slots]:
        if tokens is None or message_url_in(ctx, tokens, node) is not None:
            return False
        roots = [t for i, t in enumerate(tokens) if t.type == "identifier" and (i == 0 or tokens[i - 1].type != ".")]
        if any(ctx.flow(t).tainted for t in roots):
            return False
    return True


def _http_crate(ctx: TSContext) -> bool:
    return ctx.memo("rust.http_crate", lambda: _HTTP_CRATE.search(ctx.source) is not None)


def _client(ctx: TSContext, call: Node) -> bool:
    """``client.get(..)`` on an HTTP client: named so, built with ``Client::new()``, or sent with ``.send()``."""
    recv = receiver(call)
    if recv is None or not _http_crate(ctx):
        return False
    root = root_identifier(recv)
    if _CLIENT.search(ctx.text(root) if root is not None else ctx.text(recv)):
        return True
    parent = call.parent
    while parent is not None and parent.type in ("field_expression", "call_expression", "await_expression"):
        if parent.type == "call_expression" and method(ctx, parent) == "send":
            return True
        parent = parent.parent
    return False


@ts_rule(
    id="RUST-SSRF-001",
    title="Server-side request to a URL from the request (SSRF)",
    cwe=918,
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    languages=("rust",),
    query="(call_expression) @call",
    why="""For link previews, webhooks and "import from URL" features assistants write
    reqwest::get(&body.url) or client.get(format!("{}/avatar", params.host)).send(). The server then fetches
    whatever the attacker names: cloud metadata (http://169.254.169.254/ hands out credentials), admin ports
    on localhost, and internal services behind the firewall, with the response often echoed back.""",
    fix="""Parse the URL (url::Url::parse), require https and a host on an allow-list (or resolve it and refuse
    private, loopback and link-local addresses, with redirects disabled); better, keep the host fixed and
    put user input only in an encoded path segment or query value.""",
)
def rust_ssrf(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    call: Node = captures["call"][0]
    args = ctx.arguments(call)
    if not args:
        return
    name = path_name(ctx, call)
    if _FETCH_FUNCTIONS.match(name) or (method(ctx, call) in _CLIENT_METHODS and _client(ctx, call)):
        target = args[0]
    elif method(ctx, call) == "request" and len(args) == 2 and _client(ctx, call):
        target = args[1]
    else:
        return
    if _FIXED_HOST.match(constant_prefix(ctx, target)) or checked(ctx, target, _SSRF_CHECKS):
        return
    if _own_host(ctx, target):
        return
    flow = ctx.flow(target)
    if flow.tainted:
        yield ctx.hit(
            call, f"outgoing request to a URL from {describe(flow)}; the caller chooses which host is reached"
        )
        return
    field = message_url(ctx, target)
    if field is not None:
        yield ctx.hit(
            call,
            f"outgoing request to {field}, a URL that arrived in a deserialised message; whoever queued it "
            "chooses which host is reached",
            confidence=Confidence.MEDIUM,
        )
