"""RUST-TLS-001: TLS certificate or host name verification switched off (reqwest, native-tls, openssl, rustls)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.rust.common import method, unwrap
from slopguard.rules.rust.web import in_tests

# reqwest::ClientBuilder and native_tls::TlsConnectorBuilder: danger_accept_invalid_certs(true) and friends.
_DANGER_SWITCHES = frozenset({"danger_accept_invalid_certs", "danger_accept_invalid_hostnames"})
# openssl: set_verify(SslVerifyMode::NONE), or a callback that answers true whatever the chain.
_VERIFY_NONE = re.compile(r"^(?:(?:openssl::)?(?:ssl::)?SslVerifyMode::NONE|SSL_VERIFY_NONE)$")
_OPENSSL_VERIFY = frozenset({"set_verify", "set_verify_callback"})
_ALWAYS_TRUE = re.compile(r"^(?:move)?\|_\w*(?::[^,|]+)?,_\w*(?::[^,|]+)?\|(?:\{true\}|true)$")
# rustls: a ServerCertVerifier whose verify_server_cert never looks at the certificate.
_VERIFIER_TRAITS = re.compile(r"\b(?:ServerCertVerifier|ServerCertVerifierBuilder)\b")
_VERIFY_FN = "verify_server_cert"
_ACCEPT_ALL = re.compile(r"ServerCertVerified::assertion\(\)")


def _opt_in(value: Node) -> bool:
    """The switch follows a setting (``danger_accept_invalid_certs(cfg.insecure)``): the operator's choice."""
    return unwrap(value).type != "boolean_literal"


def _openssl_off(ctx: TSContext, call: Node) -> bool:
    """``set_verify(SslVerifyMode::NONE)``, or a verify callback that answers true whatever the chain."""
    args = ctx.arguments(call)
    if not args:
        return False
    if _VERIFY_NONE.match(ctx.compact(args[0])):
        return True
    return method(ctx, call) == "set_verify_callback" and bool(_ALWAYS_TRUE.match(ctx.compact(args[-1])))


def _unused_certificate(ctx: TSContext, fn: Node) -> bool:
    """``fn verify_server_cert(&self, _end_entity: &CertificateDer, ...)`` answering ``assertion()``: the
    certificate parameter is ignored (named ``_`` or ``_x``, or never mentioned in the body)."""
    params = fn.child_by_field_name("parameters")
    body = fn.child_by_field_name("body")
    if params is None or body is None or not _ACCEPT_ALL.search(ctx.text(body)):
        return False
    named = [p for p in params.named_children if p.type == "parameter"]
    if not named:
        return False
    first = named[0].child_by_field_name("pattern")
    name = ctx.text(first) if first is not None else ""
    return name.startswith("_") or not re.search(rf"\b{re.escape(name)}\b", ctx.text(body))


def _switch_hit(ctx: TSContext, call: Node, message: str, **overrides: object) -> Hit:
    """A hit from the switch's name to the end of its call, so a builder chain points at the right line."""
    callee = call.child_by_field_name("function")
    name = callee.child_by_field_name("field") if callee is not None else None
    (row, col), (end_row, end_col) = (name or call).start_point, call.end_point
    return Hit(row + 1, col + 1, end_row + 1, end_col + 1, message, **overrides)  # type: ignore[arg-type]


def _in_verifier_impl(ctx: TSContext, fn: Node) -> bool:
    parent = fn.parent
    while parent is not None and parent.type != "impl_item":
        parent = parent.parent
    trait = parent.child_by_field_name("trait") if parent is not None else None
    return trait is not None and bool(_VERIFIER_TRAITS.search(ctx.text(trait)))


@ts_rule(
    id="RUST-TLS-001",
    title="TLS certificate verification disabled",
    cwe=295,
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    languages=("rust",),
    query="[(call_expression) (function_item)] @node",
    why="""When a request fails with "invalid peer certificate" or "self-signed certificate", assistants
    build the client with reqwest's danger_accept_invalid_certs(true) (or danger_accept_invalid_hostnames),
    openssl's set_verify(SslVerifyMode::NONE), or a rustls ServerCertVerifier that returns
    ServerCertVerified::assertion() without looking at the certificate. The client then talks to whoever
    answers: anyone on the network path can impersonate the server and read or change the traffic, tokens and
    passwords included.""",
    fix="""Keep verification on. Trust a private CA by adding its certificate (reqwest's
    add_root_certificate(Certificate::from_pem(..)), a rustls RootCertStore), and pin a key inside a verifier
    that still calls the webpki verifier rather than replacing it.""",
)
def rust_insecure_tls(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    node: Node = captures["node"][0]
    if in_tests(ctx, node):
        return  # local test servers use self-signed certificates
    if node.type == "function_item":
        name = node.child_by_field_name("name")
        if ctx.text(name) == _VERIFY_FN and _in_verifier_impl(ctx, node) and _unused_certificate(ctx, node):
            yield ctx.hit(node, "this certificate verifier accepts any certificate; anyone on the path can intercept")
        return
    switch = method(ctx, node)
    args = ctx.arguments(node)
    if switch in _DANGER_SWITCHES and len(args) == 1 and ctx.compact(args[0]) != "false":
        if _opt_in(args[0]):
            yield _switch_hit(
                ctx,
                node,
                f"{switch}({ctx.compact(args[0])}) can switch verification off; keep it on and trust a private CA",
                severity=Severity.MEDIUM,
                confidence=Confidence.MEDIUM,
            )
        else:
            yield _switch_hit(ctx, node, f"{switch}(true) accepts any certificate; anyone on the path can intercept")
    elif switch in _OPENSSL_VERIFY and _openssl_off(ctx, node):
        yield _switch_hit(
            ctx,
            node,
            "OpenSSL verification is off (mode NONE, or a callback answering true); anyone on the path can intercept",
        )
