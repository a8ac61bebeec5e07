"""C-TLS-001: TLS certificate or host name verification switched off (libcurl, OpenSSL/wolfSSL, mbedTLS,
cpp-httplib, Boost.Asio, Qt, cpr)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.c.common import callee, calls_to, const_int, unwrap
from slopguard.rules.shared.trees import walk

_CURL_VERIFY = re.compile(r"^CURLOPT_(?:PROXY_|DOH_)?SSL_VERIFY(?:PEER|HOST)$")
_SET_VERIFY = frozenset({"SSL_CTX_set_verify", "SSL_set_verify", "wolfSSL_CTX_set_verify", "wolfSSL_set_verify"})
_NONE = re.compile(r"^(?:SSL_VERIFY_NONE|WOLFSSL_VERIFY_NONE|MBEDTLS_SSL_VERIFY_NONE|0)$")
_FALSE = frozenset({"0", "0L", "0l", "false", "FALSE"})
# C++ clients: a method (or cpr's option) whose false / verify_none argument turns verification off.
_METHOD_OFF = {
    "enable_server_certificate_verification": _FALSE,  # cpp-httplib
    "set_verify_mode": frozenset({"verify_none"}),  # Boost.Asio ssl::context / ssl::stream
    "setPeerVerifyMode": frozenset({"VerifyNone", "QueryPeer"}),  # Qt QSslSocket / QSslConfiguration
    "setVerifySsl": _FALSE,
}
_CPR = re.compile(r"^(?:cpr::)?VerifySsl[({]\s*(?:false|0)\s*[)}]$")
# Code that terminates TLS rather than connecting: there SSL_VERIFY_NONE only means "no client certificate".
_SERVER = re.compile(r"_server_method\s*\(|\bSSL_accept\s*\(|MBEDTLS_SSL_IS_SERVER|\b(?:tls|sslv23|tlsv1\d*)_server\b")
_CLIENT = re.compile(r"_client_method\s*\(|\bSSL_connect\s*\(|MBEDTLS_SSL_IS_CLIENT|\b(?:tls|sslv23|tlsv1\d*)_client\b"
                     r"|\bSSL_set_tlsext_host_name\b|\bssl::stream\b.*\basync_handshake\s*\(.*\bclient\b")  # fmt: skip
_QUERY = (
    calls_to(["curl_easy_setopt", "mbedtls_ssl_conf_authmode"], _SET_VERIFY)
    + f"((call_expression function: (field_expression field: (field_identifier) @method)) @call "
    f'(#match? @method "^({"|".join(sorted(_METHOD_OFF))})$"))'
    + '((call_expression function: (_) @ctor) @call (#match? @ctor "VerifySsl$"))'
    + '((compound_literal_expression) @call (#match? @call "VerifySsl"))'
)


def _last(ctx: TSContext, node: Node) -> str:
    """``verify_none`` for ``boost::asio::ssl::verify_none``, ``VerifyNone`` for ``QSslSocket::VerifyNone``."""
    return re.split(r"::|\.", ctx.compact(unwrap(node)))[-1]


def _side(ctx: TSContext, node: Node) -> str:
    """'server' when the code around sets up a TLS server (and no client), else 'client'."""
    func = ctx.function_of(node)
    for text in (ctx.text(func) if func is not None else "", ctx.source.decode("utf-8", "replace")):
        if _CLIENT.search(text):
            return "client"
        if _SERVER.search(text):
            return "server"
    return "client"


def _accepts_all(ctx: TSContext, callback: Node) -> bool:
    """A verify callback defined in this file whose body only returns 1: every certificate is accepted."""
    name = ctx.text(unwrap(callback))
    for func in walk(ctx.tree.root_node):
        if func.type != "function_definition":
            continue
        declarator = func.child_by_field_name("declarator")
        inner = declarator.child_by_field_name("declarator") if declarator is not None else None
        if inner is None or ctx.text(inner) != name:
            continue
        body = func.child_by_field_name("body")
        statements = [s for s in body.named_children if s.type != "comment"] if body is not None else []
        return len(statements) == 1 and ctx.compact(statements[0]) in ("return1;", "return(1);", "returntrue;")
    return False


def _switched_off(ctx: TSContext, call: Node, captures: dict[str, list[Any]]) -> str | None:
    """What turns verification off in this call, or None."""
    if call.type == "compound_literal_expression" or "ctor" in captures:
        return ctx.compact(call) if _CPR.match(ctx.compact(call)) else None
    args = ctx.arguments(call)
    if "method" in captures:
        method = ctx.text(captures["method"][0])
        off = args and _last(ctx, args[0]) in _METHOD_OFF.get(method, frozenset())
        return f"{method}({ctx.text(args[0])})" if off else None
    name = callee(ctx, call)
    if name == "curl_easy_setopt" and len(args) == 3 and _CURL_VERIFY.match(ctx.compact(args[1])):
        off = const_int(ctx, args[2]) == 0 or ctx.compact(args[2]) in _FALSE
        return f"{ctx.compact(args[1])} = {ctx.text(args[2])}" if off else None
    if name == "mbedtls_ssl_conf_authmode" and len(args) == 2 and ctx.compact(args[1]) == "MBEDTLS_SSL_VERIFY_NONE":
        return "MBEDTLS_SSL_VERIFY_NONE"
    if name in _SET_VERIFY and len(args) >= 2:
        if _NONE.match(ctx.compact(args[1])):
            return f"{name}({ctx.compact(args[1])})"
        if len(args) == 3 and "VERIFY_PEER" in ctx.compact(args[1]) and _accepts_all(ctx, args[2]):
            return f"a verify callback ({ctx.text(args[2])}) that returns 1 for every certificate"
    return None


def _opt_in(node: Node) -> Confidence | None:
    """Medium confidence inside a branch (``if (cfg->insecure)``): an explicit opt-in, not the default."""
    parent = node.parent
    while parent is not None and parent.type not in ("function_definition", "lambda_expression"):
        if parent.type in ("if_statement", "case_statement", "conditional_expression"):
            return Confidence.MEDIUM
        parent = parent.parent
    return None


@ts_rule(
    id="C-TLS-001",
    title="TLS certificate verification disabled",
    cwe=295,
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    languages=("c", "cpp"),
    query=_QUERY,
    why="""When a download fails with "SSL certificate problem", assistants add curl_easy_setopt(curl,
    CURLOPT_SSL_VERIFYPEER, 0L) (and VERIFYHOST 0), SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL) or a verify
    callback that returns 1. The client then accepts any certificate for any host, so anyone on the network path
    can impersonate the server and read or change the traffic, credentials and updates included.""",
    fix="""Leave verification on (VERIFYPEER 1, VERIFYHOST 2, SSL_VERIFY_PEER with the default callback); trust a
    private CA with CURLOPT_CAINFO or SSL_CTX_load_verify_locations, and set the expected host name
    (SSL_set1_host) for OpenSSL.""",
)
def c_insecure_tls(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    call: Node = captures["call"][0]
    what = _switched_off(ctx, call, captures)
    if what is None:
        return
    openssl = callee(ctx, call) in _SET_VERIFY or "set_verify_mode" in ctx.text(call)
    if (openssl or callee(ctx, call) == "mbedtls_ssl_conf_authmode") and _side(ctx, call) == "server":
        return  # a server that does not ask clients for certificates
    yield ctx.hit(call, f"{what} accepts any certificate; anyone on the network path can intercept the connection",
                  confidence=_opt_in(call))  # fmt: skip
