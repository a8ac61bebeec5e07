"""JS-JWT-001: JWTs accepted without a verified signature (algorithms: ['none'], jwt.decode for auth);
JS-JWT-002: jsonwebtoken's verify() without the algorithms it should accept."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.javascript.common import (
    FUNCTIONS,
    enclosing_function,
    has_spread,
    imported,
    method,
    option,
    receiver,
    resolve,
    string_value,
)
from slopguard.rules.javascript.request_data import server_input

_JWT_MODULES = frozenset({"jsonwebtoken", "jose", "jws"})
_JWT_RECEIVER = re.compile(r"^(?:jwt|JWT|jsonwebtoken|jose|jws|jwtLib)$")
_AUTH_USE = re.compile(
    r"(?i)req\.user\s*=|res\.locals\.(?:user|auth)|\brole|isAdmin|\badmin\b|permission|authori[sz]|authenticat"
    r"|\bnext\(\s*\)|\.sub\b|\buserId\b|\bscope"
)
# Claims that name the caller: read from a token the request carries, they are taken as its identity.
_IDENTITY_CLAIM = re.compile(r"\??\.(?:id|uid|sub|email|username|userId|user_id|accountId|tenantId|role|roles)\b")
_VERIFIES = re.compile(r"\b(?:verify|jwtVerify|verifyToken|verifyJwt)\s*\(")


def _jwt_call(ctx: TSContext, call: Node, name: str) -> bool:
    """``jwt.verify``/``jwt.decode`` on jsonwebtoken (or jose's ``decodeJwt``), however it was imported."""
    callee = call.child_by_field_name("function")
    if callee is not None and callee.type == "identifier":
        origin = imported(ctx, name)
        return origin is not None and origin[0] in _JWT_MODULES
    obj = receiver(call)
    if obj is None:
        return False
    origin = imported(ctx, ctx.text(obj)) if obj.type == "identifier" else None
    return (origin is not None and origin[0] in _JWT_MODULES) or bool(_JWT_RECEIVER.match(ctx.text(obj)))


def _none_algorithm(ctx: TSContext, algorithms: Node | None) -> bool:
    algorithms = resolve(ctx, algorithms)
    if algorithms is None:
        return False
    items = algorithms.named_children if algorithms.type == "array" else [algorithms]
    return any((string_value(ctx, resolve(ctx, a)) or "").lower() == "none" for a in items)


@ts_rule(
    id="JS-JWT-001",
    title="JWT accepted without verifying its signature",
    cwe=347,
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    languages=("javascript", "typescript"),
    query="(call_expression) @call",
    why="""Assistants read the user out of a token with jwt.decode() (it only base64-decodes the payload) or
    allow algorithms: ['none'] when verification 'fails in development'. An attacker writes their own token,
    {"sub": "admin", "role": "admin"} with no or any signature, and the server believes it: full account
    takeover and privilege escalation.""",
    fix="""Use jwt.verify(token, secret, { algorithms: ['HS256'] }) (or the exact asymmetric algorithm you issue)
    and read claims only from its result; keep jwt.decode for debugging or for picking a key id before verify.""",
)
def unverified_jwt(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    call: Node = captures["call"][0]
    name = method(ctx, call)
    if name not in ("verify", "decode", "decodeJwt") or not _jwt_call(ctx, call, name):
        return
    args = ctx.arguments(call)
    if name == "verify":
        opts = args[2] if len(args) > 2 else None
        if opts is not None and _none_algorithm(ctx, option(ctx, opts, "algorithms")):
            yield ctx.hit(call, "jwt.verify() accepts the 'none' algorithm: unsigned tokens pass; list real ones")
        return
    scope = enclosing_function(call)
    body = ctx.text(scope.child_by_field_name("body")) if scope is not None else ""
    if not body or _VERIFIES.search(body):
        return
    from_request = bool(args) and server_input(ctx, args[0]) is not None
    if not (_AUTH_USE.search(ctx.text(scope)) or (from_request and _IDENTITY_CLAIM.search(body))):
        return
    yield ctx.hit(
        call,
        f"{name}() does not check the signature, yet its claims decide who the caller is; use jwt.verify()",
    )


def _jsonwebtoken_verify(ctx: TSContext, call: Node) -> bool:
    """``jwt.verify(...)`` of the jsonwebtoken package (jose and jws name their algorithms elsewhere)."""
    if method(ctx, call) != "verify":
        return False
    callee = call.child_by_field_name("function")
    if callee is not None and callee.type == "identifier":
        origin = imported(ctx, "verify")
        return origin is not None and origin[0] == "jsonwebtoken"
    obj = receiver(call)
    if obj is None or obj.type != "identifier":
        return False
    origin = imported(ctx, ctx.text(obj))
    return origin[0] == "jsonwebtoken" if origin is not None else ctx.text(obj) in ("jwt", "jsonwebtoken")


@ts_rule(
    id="JS-JWT-002",
    title="jwt.verify() without a list of accepted algorithms",
    cwe=(347, 757),
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    languages=("javascript", "typescript"),
    query="(call_expression) @call",
    why="""Assistants call jwt.verify(token, key) with no options. The token's own header then chooses the
    algorithm among those the key allows: with older jsonwebtoken releases, or a key whose type is not pinned
    (a PEM string, a JWKS callback), an attacker signs a token with HS256 using the public key as the HMAC secret
    or downgrades to a weaker algorithm, and it verifies.""",
    fix="""Pass the algorithm you issue: jwt.verify(token, key, { algorithms: ['HS256'] }) (or ['RS256'] /
    ['ES256'] for asymmetric keys), and keep jsonwebtoken at 9 or later.""",
)
def unpinned_algorithms(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    call: Node = captures["call"][0]
    if not _jsonwebtoken_verify(ctx, call):
        return
    args = ctx.arguments(call)
    if len(args) < 2:
        return
    opts = resolve(ctx, args[2]) if len(args) > 2 else None
    if opts is not None and opts.type != "object":
        if opts.type in FUNCTIONS:
            opts = None  # jwt.verify(token, key, (err, payload) => ...)
        else:
            return  # options built elsewhere
    if opts is not None and (has_spread(ctx, opts) or option(ctx, opts, "algorithms") is not None):
        return
    yield ctx.hit(call, "jwt.verify() lets the token's header pick the algorithm; pass { algorithms: ['HS256'] }")
