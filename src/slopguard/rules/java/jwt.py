"""JAVA-JWT-001: JSON Web Tokens read without verifying their signature (jjwt, auth0 java-jwt, Nimbus)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.java.common import binding_name, calls, method, method_of, receiver
from slopguard.rules.shared.trees import walk

_JJWT_PARSER = re.compile(r"(?:^|\.)Jwts\.parser(?:Builder)?\(\)")
_VERIFYING = re.compile(r"\.(?:setSigningKey|verifyWith|setSigningKeyResolver|keyLocator|decryptWith)\(")
# jjwt: parse()/parseClaimsJwt()/parseUnsecured*() accept unsigned tokens; the *Jws/Signed* variants do not.
_UNSIGNED_PARSE = frozenset({"parse", "parseClaimsJwt", "parsePlaintextJwt", "parseUnsecuredClaims",
                             "parseUnsecuredContent"})  # fmt: skip
_IDENTITY_CLAIMS = frozenset({"getSubject", "getClaim", "getClaims"})
_AUTHENTICATES = re.compile(r"(?i)auth|principal|current(?:user|account)|subject|verify|validate|filter|login|me$")


def _jjwt(call: Node, ctx: TSContext) -> str | None:
    chain = ctx.compact(receiver(call) or call)
    if not _JJWT_PARSER.search(chain):
        return None
    name = method(call, ctx)
    if name in ("parseClaimsJwt", "parsePlaintextJwt", "parseUnsecuredClaims", "parseUnsecuredContent"):
        return f"{name}() accepts tokens with no signature (alg: none)"
    if name == "parse":
        if _VERIFYING.search(chain):
            return "parse() accepts an unsigned token (alg: none) even with a signing key; use parseClaimsJws()"
        return "Jwts.parser() without a signing key reads the token without verifying it"
    if name in ("parseClaimsJws", "parseSignedClaims") and not _VERIFYING.search(chain):
        return None  # the builder may be configured elsewhere (a shared JwtParser); jjwt refuses an unkeyed parse
    return None


def _identity_read(call: Node, func: Node, ctx: TSContext) -> bool:
    """The decoded token's identity claims are used: ``JWT.decode(t).getSubject()``, or ``jwt.getClaim("role")``
    on the variable it was stored in (the key id or expiry alone are read before verifying, or by clients)."""
    parent = call.parent
    if parent is not None and parent.type == "method_invocation" and receiver(parent) == call:
        return method(parent, ctx) in _IDENTITY_CLAIMS
    name = binding_name(call, ctx)
    return name is not None and any(
        node.type == "method_invocation" and method(node, ctx) in _IDENTITY_CLAIMS and ctx.text(receiver(node)) == name
        for node in walk(func)
    )


def _decoded(call: Node, ctx: TSContext) -> str | None:
    """auth0 ``JWT.decode(token)`` (no verification) trusted in code that authenticates, or whose claims say who
    sent a token taken from the request."""
    obj = receiver(call)
    if obj is None or ctx.text(obj) != "JWT" or method(call, ctx) != "decode":
        return None
    func = method_of(call)
    if func is None:
        return None
    body = ctx.text(func)
    if ".verify(" in body or "JWTVerifier" in body:
        return None
    if _AUTHENTICATES.search(ctx.text(func.child_by_field_name("name"))):
        return "JWT.decode() only base64-decodes the token; nothing checks its signature"
    args = ctx.arguments(call)
    flow = ctx.tainted(args[0]) if args else None
    if flow is not None and _identity_read(call, func, ctx):
        return f"claims of a request token ({flow.origin}) trusted after JWT.decode(), which checks no signature"
    return None


@ts_rule(
    id="JAVA-JWT-001",
    title="JWT accepted without signature verification",
    cwe=347,
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    languages=("java",),
    query=calls("^(parse|parseClaimsJwt|parsePlaintextJwt|parseUnsecuredClaims|parseUnsecuredContent|decode|none)$"),
    why="""Assistants read bearer tokens with Jwts.parser().setSigningKey(key).parse(token) or
    parseClaimsJwt(token), or take claims from auth0's JWT.decode(token) to identify the caller. parse() and the
    *Jwt variants also accept a token whose header says alg: none, and decode() checks nothing, so anyone can
    write {"sub": "admin"} into a token and be that user.""",
    fix="""Verify while parsing: Jwts.parser().verifyWith(key).build().parseSignedClaims(token) (jjwt 0.12) or
    parseClaimsJws(token) (0.11), JWT.require(Algorithm.HMAC256(secret)).build().verify(token) (auth0); never
    Algorithm.none().""",
)
def java_jwt_unverified(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    call: Node = captures["call"][0]
    name = method(call, ctx)
    if name == "none":
        obj = receiver(call)
        if obj is not None and ctx.text(obj) == "Algorithm" and not ctx.arguments(call):
            yield ctx.hit(call, "Algorithm.none() signs and verifies tokens with no signature at all")
        return
    message = _decoded(call, ctx) if name == "decode" else _jjwt(call, ctx)
    if message is not None:
        yield ctx.hit(call, message)
