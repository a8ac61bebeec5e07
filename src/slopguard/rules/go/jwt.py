"""GO-JWT-001: JWTs parsed without checking the signature or the signing method (golang-jwt, jwt-go, jwx)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.go.common import CALL, bound_values, function_of, imports, is_test
from slopguard.rules.shared.trees import walk

_METHOD_CHECK = re.compile(r"\.Method\b|Header\[\s*\"alg\"\s*\]|\.Alg\(\)|WithValidMethods|SigningMethod")
_VERIFYING = re.compile(r"\.(?:Parse|ParseWithClaims)\(")


def _jwt_package(ctx: TSContext, recv: Node) -> bool:
    """``jwt`` imported from a JWT library, or a parser it made (``jwt.NewParser()``, ``new(jwt.Parser)``)."""
    text = ctx.text(recv)
    path = imports(ctx).get(text)
    if path is not None:
        return "jwt" in path.lower()
    if recv.type == "call_expression":
        return bool(re.match(r"^(?:jwt\.NewParser|new\(jwt\.Parser\))", ctx.compact(recv)))
    scope = function_of(recv)
    for where in (scope, ctx.tree.root_node) if scope is not None else (ctx.tree.root_node,):
        values = bound_values(ctx, text, where)
        if values:
            return any(re.search(r"jwt\.(?:NewParser|Parser)\b", ctx.text(v)) for v, _ in values)
    return False


def _keyfunc(ctx: TSContext, arg: Node) -> Node | None:
    """The body of the key function: a literal, or a function of this file named by the argument."""
    if arg.type == "func_literal":
        return arg
    name = ctx.text(arg).rsplit(".", 1)[-1]
    for node in walk(ctx.tree.root_node):
        if (
            node.type in ("function_declaration", "method_declaration")
            and ctx.text(node.child_by_field_name("name")) == name
        ):
            return node
    return None


def _parser_options(ctx: TSContext, recv: Node) -> str:
    if recv.type == "call_expression":
        return ctx.text(recv)
    scope = function_of(recv)
    found = bound_values(ctx, ctx.text(recv), scope) if scope is not None else []
    found = found or bound_values(ctx, ctx.text(recv), ctx.tree.root_node)
    return " ".join(ctx.text(v) for v, _ in found)


@ts_rule(
    id="GO-JWT-001",
    title="JWT parsed without verifying its signature or signing method",
    cwe=347,
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    languages=("go",),
    query=f"""({CALL} (#any-of? @method "Parse" "ParseWithClaims" "ParseUnverified" "ParseInsecure"
      "ParseString"))""",
    why="""Assistants read the claims with jwt.ParseUnverified ("we only need the user id"), or pass jwt.Parse a
    key function that returns the secret without looking at token.Method. Without a verified signature anyone
    can mint {"sub": "admin"}; a key function that ignores the method lets a token choose its own algorithm,
    the root of the 'none' and RS256-to-HS256 confusion attacks.""",
    fix="""Verify every token: jwt.Parse(raw, keyFunc, jwt.WithValidMethods([]string{"HS256"})), or check
    t.Method.(*jwt.SigningMethodHMAC) in the key function before returning the key; use ParseUnverified only
    to pick a key id before a verified Parse.""",
)
def go_unverified_jwt(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    recv: Node = captures["recv"][0]
    call: Node = captures["call"][0]
    method = ctx.text(captures["method"][0])
    if is_test(ctx) or not _jwt_package(ctx, recv):
        return
    args = ctx.arguments(call)
    if method in ("ParseUnverified", "ParseInsecure"):
        fn = function_of(call)
        if fn is not None and _VERIFYING.search(ctx.text(fn)):
            return  # reads the key id, then verifies
        yield ctx.hit(call, f"{method}() reads the claims without checking the signature; anyone can forge them")
        return
    if any(re.search(r"WithVerify\(\s*false\s*\)|UnsafeAllowNoneSignatureType", ctx.text(a)) for a in args):
        yield ctx.hit(call, "the token is parsed with verification switched off or 'none' allowed")
        return
    if any("WithValidMethods" in ctx.text(a) for a in args) or "WithValidMethods" in _parser_options(ctx, recv):
        return
    keyfuncs = [k for a in args if (k := _keyfunc(ctx, a)) is not None]
    if not keyfuncs or method == "ParseString":
        return
    body = keyfuncs[-1]
    if _METHOD_CHECK.search(ctx.text(body)):
        if "UnsafeAllowNoneSignatureType" in ctx.text(body):
            yield ctx.hit(call, "the key function accepts 'none': unsigned tokens pass")
        return
    yield ctx.hit(
        call,
        "the key function returns the key without checking token.Method; pin the algorithm (WithValidMethods)",
        severity=Severity.MEDIUM,
        confidence=Confidence.MEDIUM,
    )
