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
from slopguard.rules.rust.common import bound_name, function_of, method, path_name, receiver, string_value, unwrap
from slopguard.rules.rust.web import in_tests
from slopguard.rules.shared.compare import CONFIRMATION, compared_credential_hash, compared_secret
from slopguard.rules.shared.names import words
from slopguard.rules.shared.trees import walk

_CONVERSIONS = frozenset({"as_bytes", "as_str", "as_ref", "to_string", "to_owned", "trim", "as_slice", "to_vec",
                          "into_bytes", "unwrap", "unwrap_or", "unwrap_or_default", "expect", "ok", "clone",
                          "to_str", "into_inner", "finalize", "to_lowercase"})  # fmt: skip
_LOOKUPS = frozenset({"get", "header", "get_one", "cookie"})
_LITERALS = frozenset({"string_literal", "raw_string_literal", "integer_literal", "boolean_literal", "char_literal",
                       "float_literal", "unit_expression"})  # fmt: skip
# A value computed by hashing: Sha256::digest(..), hasher.finalize(), hash_password(..), blake3::hash(..).
_HASHING = re.compile(
    r"\b(?:Sha\d+|Sha3_\d+|Sha512_256|Md5|Sha1|Blake2\w*|Hmac\w*|Argon2|Pbkdf2\w*)::|\bdigest\(|\.finalize\(\)|"
    r"\.finalize_reset\(\)|\b\w*hash\w*\(|\b(?:sha\d+|md5|blake3)::\w+\(",
    re.IGNORECASE,
)
# A keyed hash: what a function computing one returns is a MAC (``tag_of(key, payload)``).
_KEYED = re.compile(r"\bHmac\b|\bhmac::|\bMac\b|new_from_slice|keyed_hash|\bPoly1305\b|\bCmac\b|\bSipHasher")
_CREDENTIAL_CONTEXT = re.compile(r"(?i)passw|passwd|\bpwd\b|credential|login|token|signature|hmac|api_?key|secret")
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


def _read_from(ctx: TSContext, node: Node) -> str | None:
    """What a local was read from when one ``let`` reads it from a header, a map or a field: ``let provided =
    headers.get("x-sdk-key")..`` -> the header's name, ``let expected = state.sdk_keys.get(&env)?`` -> ``sdk_keys``."""
    node = unwrap(node)
    while node.type == "call_expression" and method(ctx, node) in _CONVERSIONS and receiver(node) is not None:
        node = unwrap(receiver(node) or node)
    scope = function_of(node)
    if node.type != "identifier" or scope is None:
        return None
    name = ctx.text(node)
    values = [
        let.child_by_field_name("value")
        for let in walk(scope)
        if let.type == "let_declaration"
        and let.start_byte < node.start_byte
        and bound_name(ctx, let.child_by_field_name("pattern") or let) == name
    ]
    if len(values) != 1 or values[0] is None or _HASHING.search(ctx.text(values[0])):
        return None  # digests are judged by what they hash (see _hashed_binding)
    source = unwrap(values[0])
    while source.type == "call_expression" and method(ctx, source) in _CONVERSIONS and receiver(source) is not None:
        source = unwrap(receiver(source) or source)
    return None if source.type == "identifier" else _name(ctx, values[0])  # a copy of a local says nothing new


def _keyed_helpers(ctx: TSContext) -> frozenset[str]:
    """The functions of this file that compute a MAC: an HMAC, a keyed BLAKE3 hash, a CMAC or Poly1305 tag."""

    def read() -> frozenset[str]:
        found = set()
        for item in walk(ctx.tree.root_node):
            if item.type == "function_item" and _KEYED.search(ctx.text(item.child_by_field_name("body"))):
                found.add(ctx.text(item.child_by_field_name("name")))
        return frozenset(found)

    return ctx.memo("rust.keyed_helpers", read)


def _keyed(ctx: TSContext, node: Node, scope: Node | None) -> str | None:
    """``tag_of(KEY, payload)``, or a local bound to it by one ``let``: a MAC a helper of this file computes."""
    node = unwrap(node)
    while node.type == "call_expression" and method(ctx, node) in _CONVERSIONS and receiver(node) is not None:
        node = unwrap(receiver(node) or node)
    if node.type == "identifier" and scope is not None:
        values = [let.child_by_field_name("value") for let in walk(scope) if let.type == "let_declaration"
                  and let.start_byte < node.start_byte
                  and bound_name(ctx, let.child_by_field_name("pattern") or let) == ctx.text(node)]  # fmt: skip
        return _keyed(ctx, values[0], None) if len(values) == 1 and values[0] is not None else None
    if node.type != "call_expression":
        return None
    name = (method(ctx, node) or path_name(ctx, node)).rsplit("::", 1)[-1]
    return f"{name}() (a MAC)" if name in _keyed_helpers(ctx) else None


def _constant(ctx: TSContext, node: Node) -> bool:
    node = unwrap(node)
    text = ctx.compact(node)
    return (
        node.type in _LITERALS
        or text in ("None", "Vec::new()", "String::new()")
        or method(ctx, node) in ("len", "is_empty", "is_some", "is_none", "count")
        or bool(re.fullmatch(r"[A-Z][A-Za-z]*::[A-Z]\w*", text))
    )  # an enum variant


def _hashed_binding(ctx: TSContext, node: Node, scope: Node | None) -> str | None:
    """The name of a local bound by ``let`` to a hashing call (``let computed = hex::encode(Sha256::digest(..))``)."""
    node = unwrap(node)
    while node.type == "call_expression" and method(ctx, node) in _CONVERSIONS and receiver(node) is not None:
        node = unwrap(receiver(node) or node)
    if node.type != "identifier" or scope is None:
        return None
    name = ctx.text(node)
    for let in walk(scope):
        if let.type == "let_declaration" and let.start_byte < node.start_byte:
            pattern, value = let.child_by_field_name("pattern"), let.child_by_field_name("value")
            if pattern is not None and value is not None and bound_name(ctx, pattern) == name:
                return name if _HASHING.search(ctx.text(value)) else None
    return None


def _hashed(ctx: TSContext, node: Node, scope: Node | None) -> str | None:
    """A hash computed in the comparison (``hex::encode(Sha256::digest(pw)) == stored``) or a local bound to one."""
    inner = unwrap(node)
    while inner.type == "call_expression" and method(ctx, inner) in _CONVERSIONS and receiver(inner) is not None:
        inner = unwrap(receiver(inner) or inner)
    if inner.type == "call_expression" and _HASHING.search(ctx.text(inner)):
        return "the computed hash"
    return _hashed_binding(ctx, node, scope)


def _sides(ctx: TSContext, node: Node) -> tuple[Node | None, Node | None, str]:
    """The compared values and the operator of ``a == b`` or ``a.eq(&b)`` / ``a.ne(&b)``."""
    if node.type == "binary_expression":
        operator = node.child_by_field_name("operator")
        kind = operator.type if operator is not None else ""
        return node.child_by_field_name("left"), node.child_by_field_name("right"), kind
    args = ctx.arguments(node)
    name = method(ctx, node)
    if name in ("eq", "ne") and len(args) == 1:
        return receiver(node), args[0], {"eq": "==", "ne": "!="}[name]
    return None, None, ""


@ts_rule(
    id="RUST-TIMING-001",
    title="Secret compared with ==/!= (timing leak)",
    cwe=208,
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    languages=("rust",),
    query="""(binary_expression) @cmp
      ((call_expression function: (field_expression field: (field_identifier) @name)) @cmp
      (#any-of? @name "eq" "ne"))""",
    why="""Assistants check an API key, a webhook signature or a stored password hash with
    if provided != state.api_key. Comparing strings and slices stops at the first differing byte, so the
    response time tells an attacker how much of a guess is right, and the secret can be recovered byte by byte.""",
    fix="""Compare secrets with constant_time_eq::constant_time_eq(a.as_bytes(), b.as_bytes()) or
    subtle::ConstantTimeEq (Mac::verify_slice for HMACs), and passwords only through argon2/bcrypt verify.""",
)
def rust_timing_compare(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    cmp: Node = captures["cmp"][0]
    left, right, operator = _sides(ctx, cmp)
    if operator not in ("==", "!=") or left is None or right is None:
        return
    if _constant(ctx, left) or _constant(ctx, right) or in_tests(ctx, cmp):
        return
    names = [_name(ctx, left), _name(ctx, right)]
    scope = function_of(cmp)
    around = ctx.text(scope) if scope is not None else ""
    # A password hashed here and compared with a stored value: the stored side may be called ``old`` (a legacy
    # hash), which is no second value typed to confirm the first.
    hashed = _hashed(ctx, left, scope) or _hashed(ctx, right, scope) if _CREDENTIAL_CONTEXT.search(around) else None
    if hashed is None and any(n is not None and CONFIRMATION.search(n) for n in names):
        return
    secret = next((n for n in [*names, _read_from(ctx, left), _read_from(ctx, right)] if compared_secret(n)), None)
    if secret is None:
        secret = next((n for n in names if compared_credential_hash(n, around)), None) or hashed
    if secret is None:
        secret = _keyed(ctx, left, scope) or _keyed(ctx, right, scope)
    if secret is None:
        return
    tainted = ctx.flow(left).tainted or ctx.flow(right).tainted
    if words(secret) == ["token"] and not (tainted or _WEB.search(ctx.source)):
        return  # a lexer's or a parser's token
    yield ctx.hit(
        cmp,
        f"'{secret}' is compared with {operator}, which leaks timing; use constant_time_eq or subtle",
        confidence=Confidence.HIGH if tainted else None,
    )
