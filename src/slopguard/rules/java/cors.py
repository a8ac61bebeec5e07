"""JAVA-CORS-001: CORS that lets any origin make credentialed requests (Spring @CrossOrigin, CorsConfiguration,
CorsRegistry, or the request's Origin header echoed next to Access-Control-Allow-Credentials: true)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.java.common import calls, constant, literal, method, method_of, receiver
from slopguard.rules.java.guards import allow_listed
from slopguard.rules.java.urls import checked
from slopguard.rules.shared.trees import ancestor, walk

_ORIGIN_SETTERS = frozenset(
    {"allowedOriginPatterns", "setAllowedOriginPatterns", "addAllowedOriginPattern", "allowedOrigins",
     "setAllowedOrigins", "addAllowedOrigin"}
)  # fmt: skip
_CREDENTIALS = re.compile(r"(?:allowCredentials|setAllowCredentials)\(true\)|\"Access-Control-Allow-Credentials\"")
_ALLOW_ORIGIN = re.compile(r'(?i)^"access-control-allow-origin"$|^(?:[\w.]+\.)?ACCESS_CONTROL_ALLOW_ORIGIN$')
_ANNOTATION_WILDCARD = re.compile(r'(?:^|[(,])(?:(?:value|origins|originPatterns)=)?\{?"\*"')
_ANNOTATION_CREDENTIALS = re.compile(r'allowCredentials="true"')


def _wildcard(node: Node, ctx: TSContext) -> bool:
    """``"*"`` itself, or a list/array holding it (List.of("*"), Arrays.asList("*"), new String[] {"*"})."""
    return any(literal(n, ctx) == "*" or constant(n, ctx) == "*" for n in walk(node))


def _credentialed(at: Node, ctx: TSContext) -> bool:
    """The same fluent chain (``.allowedOriginPatterns("*").allowCredentials(true)``), or the same configuration
    object (``config.setAllowCredentials(true)``), also allows credentials on cross-origin requests."""
    statement = ancestor(at, ("expression_statement", "local_variable_declaration", "return_statement"))
    if statement is not None and _CREDENTIALS.search(ctx.compact(statement)):
        return True
    obj = receiver(at)
    func = method_of(at)
    if obj is None or obj.type != "identifier" or func is None:
        return False
    own = re.escape(ctx.text(obj))
    setter = rf"(?<![\w$.]){own}\s*\.\s*(?:setAllowCredentials|allowCredentials)\s*\(\s*true\s*\)"
    return re.search(setter, ctx.text(func)) is not None


def _echoed_origin(call: Node, ctx: TSContext) -> Hit | None:
    """``response.setHeader("Access-Control-Allow-Origin", request.getHeader("Origin"))`` with credentials on."""
    args = ctx.arguments(call)
    if len(args) != 2 or not _ALLOW_ORIGIN.match(ctx.compact(args[0])):
        return None
    flow = ctx.tainted(args[1])
    func = method_of(call)
    if flow is None or func is None or checked(args[1], call, ctx) or allow_listed(args[1], call, ctx):
        return None
    if not re.search(r'(?:"Access-Control-Allow-Credentials"|ALLOW_CREDENTIALS)\s*,\s*"true"', ctx.text(func), re.I):
        return None
    return ctx.hit(call, f"the request's Origin ({flow.origin}) is echoed with credentials allowed: any site reads "
                   "the user's authenticated responses")  # fmt: skip


@ts_rule(
    id="JAVA-CORS-001",
    title="CORS allows any origin with credentials",
    cwe=942,
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    languages=("java",),
    query=calls("^(" + "|".join(sorted(_ORIGIN_SETTERS | {"setHeader", "addHeader", "header", "add", "set"})) + ")$")
    + ' (annotation name: (identifier) @name (#eq? @name "CrossOrigin") arguments: (annotation_argument_list)) @call',
    why="""Assistants silence CORS errors with config.setAllowedOriginPatterns(List.of("*")) plus
    setAllowCredentials(true), registry.addMapping("/**").allowedOriginPatterns("*").allowCredentials(true),
    @CrossOrigin(originPatterns = "*", allowCredentials = "true"), or by copying the request's Origin header into
    Access-Control-Allow-Origin. Every website the user visits can then call the API with the user's cookies and
    read the answers: profile data, tokens, anything the session can see.""",
    fix="""List the front-end origins explicitly (allowedOrigins("https://app.example.com")) when credentials are
    allowed, or keep "*" only for public APIs without credentials; when echoing Origin, check it against an
    allow-list first.""",
)
def java_permissive_cors(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    node: Node = captures["call"][0]
    if node.type == "annotation":
        settings = ctx.compact(node.child_by_field_name("arguments"))
        if _ANNOTATION_WILDCARD.search(settings) and _ANNOTATION_CREDENTIALS.search(settings):
            patterns = "originPatterns" in settings
            yield ctx.hit(
                node,
                "@CrossOrigin allows every origin with credentials: any site acts as the signed-in user"
                + ("" if patterns else ' (Spring 5.3+ refuses origins="*" with credentials at startup)'),
                confidence=Confidence.HIGH if patterns else Confidence.MEDIUM,
            )
        return
    name = method(node, ctx)
    if name in _ORIGIN_SETTERS:
        args = ctx.arguments(node)
        if args and _wildcard(args[0], ctx) and _credentialed(node, ctx):
            exact = "Pattern" not in name
            yield ctx.hit(
                node.child_by_field_name("name") or node,
                f'{name}("*") with credentials allowed: every site may send the user\'s cookies and read the answer'
                + (' (Spring 5.3+ refuses allowedOrigins("*") with credentials at startup)' if exact else ""),
                confidence=Confidence.MEDIUM if exact else Confidence.HIGH,
            )
        return
    hit = _echoed_origin(node, ctx)
    if hit is not None:
        yield hit
