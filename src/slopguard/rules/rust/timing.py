"""RUST-TIMING-001: tokens, signatures, API keys and password hashes compared with == or !=."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.rust.common import function_of, method, path_name, receiver, string_value, unwrap
from slopguard.rules.rust.web import in_tests
from slopguard.rules.shared.compare import CONFIRMATION, compared_credential_hash, compared_secret
from slopguard.rules.shared.names import words

_CONVERSIONS = frozenset({"as_bytes", "as_str", "as_ref", "to_string", "to_owned", "trim", "as_slice", "to_vec",
                          "into_bytes", "unwrap", "unwrap_or", "unwrap_or_default", "expect", "ok", "clone",
                          "to_str", "into_inner", "finalize", "to_lowercase"})  # fmt: skip
_LOOKUPS = frozenset({"get", "header", "get_one", "cookie"})
_LITERALS = frozenset({"string_literal", "raw_string_literal", "integer_literal", "boolean_literal", "char_literal",
                       "float_literal", "unit_expression"})  # fmt: skip
_WEB = re.compile(rb"\b(?:axum|actix_web|rocket|warp|poem|hyper|hmac|jsonwebtoken|tower_http)::")


def _name(ctx: TSContext, node: Node, depth: int = 0) -> str | None:
    """What a compared side is called: a variable, a field, a function, or the header it was read from."""
    node = unwrap(node)
    if depth > 8:
        return None
    if node.type == "call_expression":
        name = method(ctx, node)
        inner = receiver(node)
        if name in _CONVERSIONS and inner is not None:
            return _name(ctx, inner, depth + 1)
        args = ctx.arguments(node)
        if name in _LOOKUPS and args and string_value(ctx, args[0]) is not None:
            return string_value(ctx, args[0])
        if inner is not None:
            found = _name(ctx, inner, depth + 1)
            if found is not None and (name in ("and_then", "map") or compared_secret(found)):
                return found
        return name or path_name(ctx, node).rsplit("::", 1)[-1] or None
    if node.type == "field_expression":
        return ctx.text(node.child_by_field_name("field"))
    if node.type == "identifier":
        return ctx.text(node)
    return None


def _constant(ctx: TSContext, node: Node) -> bool:
    node = unwrap(node)
    text = ctx.compact(node)
    return (
        node.type in _LITERALS
        or text in ("None", "Vec::new()", "String::new()")
        or method(ctx, node) in ("len", "is_empty", "is_some", "is_none", "count")
        or bool(re.fullmatch(r"[A-Z][A-Za-z]*::[A-Z]\w*", text))
    )  # an enum variant


@ts_rule(
    id="RUST-TIMING-001",
    title="Secret compared with ==/!= (timing leak)",
    cwe=208,
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    languages=("rust",),
    query="(binary_expression) @cmp",
    why="""Assistants check an API key, a webhook signature or a stored password hash with
    if provided != state.api_key. Comparing strings and slices stops at the first differing byte, so the
    response time tells an attacker how much of a guess is right, and the secret can be recovered byte by byte.""",
    fix="""Compare secrets with constant_time_eq::constant_time_eq(a.as_bytes(), b.as_bytes()) or
    subtle::ConstantTimeEq (Mac::verify_slice for HMACs), and passwords only through argon2/bcrypt verify.""",
)
def rust_timing_compare(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    cmp: Node = captures["cmp"][0]
    operator = cmp.child_by_field_name("operator")
    left, right = cmp.child_by_field_name("left"), cmp.child_by_field_name("right")
    if operator is None or operator.type not in ("==", "!=") or left is None or right is None:
        return
    if _constant(ctx, left) or _constant(ctx, right) or in_tests(ctx, cmp):
        return
    names = [_name(ctx, left), _name(ctx, right)]
    if any(n is not None and CONFIRMATION.search(n) for n in names):
        return
    secret = next((n for n in names if compared_secret(n)), None)
    if secret is None:
        scope = function_of(cmp)
        around = ctx.text(scope) if scope is not None else ""
        secret = next((n for n in names if compared_credential_hash(n, around)), None)
    if secret is None:
        return
    tainted = ctx.flow(left).tainted or ctx.flow(right).tainted
    if words(secret) == ["token"] and not (tainted or _WEB.search(ctx.source)):
        return  # a lexer's or a parser's token
    yield ctx.hit(
        cmp,
        f"'{secret}' is compared with {operator.type}, which leaks timing; use constant_time_eq or subtle",
        confidence=Confidence.HIGH if tainted else None,
    )
