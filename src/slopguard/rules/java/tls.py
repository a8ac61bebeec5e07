"""JAVA-TLS-001: trust managers that accept every certificate and hostname verifiers that accept every host."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.java.common import creations, method, type_name

_INSECURE_CONSTANTS = frozenset(
    {"ALLOW_ALL_HOSTNAME_VERIFIER", "NoopHostnameVerifier.INSTANCE", "InsecureTrustManagerFactory.INSTANCE",
     "TrustAllStrategy.INSTANCE"}
)  # fmt: skip
_INSECURE_CLASSES = frozenset(
    {"NoopHostnameVerifier", "AllowAllHostnameVerifier", "TrustAllStrategy", "TrustSelfSignedStrategy",
     "TrustAllManager", "TrustAllX509TrustManager"}
)  # fmt: skip
_VERIFIER_SETTERS = frozenset(
    {"setHostnameVerifier", "setDefaultHostnameVerifier", "hostnameVerifier", "setSSLHostnameVerifier",
     "loadTrustMaterial", "setTrustStrategy"}
)  # fmt: skip
_IDLE_CALL = re.compile(r"^(?:System\.(?:out|err)|\w*(?i:log)\w*)\.\w+\(")


def _idle(statement: Node, ctx: TSContext) -> bool:
    """A statement that checks nothing: ``return;``, a log line or a print."""
    text = ctx.compact(statement)
    return text == "return;" or (statement.type == "expression_statement" and bool(_IDLE_CALL.match(text)))


def _statements(body: Node) -> list[Node]:
    return [c for c in body.named_children if c.type not in ("line_comment", "block_comment")]


def _returns_true(body: Node | None, ctx: TSContext) -> bool:
    """``-> true`` or ``{ return true; }``."""
    if body is None:
        return False
    if body.type == "true":
        return True
    if body.type != "block":
        return False
    statements = _statements(body)
    return (
        len(statements) == 1
        and statements[0].type == "return_statement"
        and ctx.compact(statements[0]) == "returntrue;"
    )


def _trust_all(decl: Node, name_node: Node, ctx: TSContext) -> Hit | None:
    """Reported on the method's name (annotations such as @Override come first in the declaration)."""
    name = ctx.text(name_node)
    body = decl.child_by_field_name("body")
    if body is None:
        return None
    if name == "checkServerTrusted":
        if not all(_idle(statement, ctx) for statement in _statements(body)):
            return None
        return ctx.hit(name_node, "checkServerTrusted() accepts every certificate chain: TLS can be intercepted")
    params = decl.child_by_field_name("parameters")
    if name == "verify" and params is not None and "SSLSession" in ctx.text(params) and _returns_true(body, ctx):
        return ctx.hit(name_node, "HostnameVerifier.verify() returns true for every host: any certificate is accepted")
    trusted = name == "isTrusted" and params is not None and "X509Certificate" in ctx.text(params)
    if trusted and _returns_true(body, ctx):
        return ctx.hit(name_node, "TrustStrategy.isTrusted() returns true: the certificate chain is never checked")
    return None


def _lambda(node: Node, ctx: TSContext) -> Hit | None:
    if not _returns_true(node.child_by_field_name("body"), ctx):
        return None
    parent = node.parent
    if parent is not None and parent.type == "argument_list":
        call = parent.parent
        if call is not None and call.type == "method_invocation" and method(call, ctx) in _VERIFIER_SETTERS:
            return ctx.hit(node, f"{method(call, ctx)}() given a lambda returning true: TLS identity is never checked")
    if parent is not None and parent.type == "variable_declarator":
        decl = parent.parent
        kind = ctx.compact(decl.child_by_field_name("type")) if decl is not None else ""
        if kind.endswith(("HostnameVerifier", "TrustStrategy")):
            return ctx.hit(node, f"{kind} lambda returns true: TLS identity is never checked")
    return None


@ts_rule(
    id="JAVA-TLS-001",
    title="TLS certificate or hostname verification disabled",
    cwe=295,
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    languages=("java",),
    query="""
    (method_declaration name: (identifier) @name (#any-of? @name "checkServerTrusted" "verify" "isTrusted")) @decl
    (lambda_expression body: (true)) @lambda
    (lambda_expression body: (block (return_statement (true)))) @lambda
    (field_access field: (identifier) @field (#any-of? @field "ALLOW_ALL_HOSTNAME_VERIFIER" "INSTANCE")) @access
    """
    + creations("(" + "|".join(sorted(_INSECURE_CLASSES)) + ")$").replace("@call", "@new"),
    why="""To get past "PKIX path building failed" with a self-signed or internal certificate, assistants install
    an X509TrustManager whose checkServerTrusted() is empty, a HostnameVerifier returning true, or Apache
    HttpClient's NoopHostnameVerifier / TrustAllStrategy. The code then talks TLS to whoever answers: anyone on the
    network path (Wi-Fi, proxy, compromised router) reads and changes the traffic, credentials included.""",
    fix="""Keep the default trust manager and hostname verifier; for an internal CA, load it into a KeyStore and
    build the SSLContext from a TrustManagerFactory initialised with that store (or configure the JVM truststore).""",
)
def java_tls(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    hit: Hit | None = None
    if "decl" in captures:
        hit = _trust_all(captures["decl"][0], captures["name"][0], ctx)
    elif "lambda" in captures:
        hit = _lambda(captures["lambda"][0], ctx)
    elif "access" in captures:
        node: Node = captures["access"][0]
        text = ctx.compact(node)
        short = ".".join(text.split(".")[-2:])
        if short in _INSECURE_CONSTANTS or text.endswith(".ALLOW_ALL_HOSTNAME_VERIFIER"):
            hit = ctx.hit(node, f"{short} disables TLS certificate or hostname verification")
    elif "new" in captures:
        node = captures["new"][0]
        kind = type_name(node, ctx)
        if kind in _INSECURE_CLASSES:
            hit = ctx.hit(node, f"{kind} disables TLS certificate or hostname verification")
    if hit is not None:
        yield hit
