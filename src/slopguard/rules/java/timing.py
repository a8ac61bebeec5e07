"""JAVA-TIMING-001: tokens, API keys, signatures and one-time codes compared with equals()."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.java.common import calls, literal, method, method_of, receiver, value_of
from slopguard.rules.shared.names import (
    OTHER_TOKENS,
    SECRET_ENDINGS,
    SECRET_WORDS,
    SecretNames,
    is_password_word,
    names_secret,
    words,
)

_COMPARED = SecretNames(
    endings=(*SECRET_ENDINGS, "digest"),
    words=SECRET_WORDS | {"sig"},
    last_words=frozenset(),
    other_tokens=OTHER_TOKENS | {"type", "kind", "name", "header", "prefix", "scheme"},
    code_qualifiers=frozenset({"otp", "verification", "verify", "reset", "mfa", "auth", "login", "confirmation"}),
)
_CONFIRMATION = frozenset({"confirm", "confirmation", "confirmed", "repeat", "repeated", "again", "retype", "old"})
_NOT_VALUES = frozenset({"null", "true", "false", "this"})


# Calls that only change a value's encoding: the compared value is their argument (``parseHex(signature)``).
_DECODERS = re.compile(r"^(?:parseHex|decode|decodeHex|fromHex|hexToBytes|decodeBase64|fromBase64|unhex)$")
# Calls that digest or MAC their argument: comparing the result compares the argument's secret
# (``stored.equals(sha256Hex(pin))``); ``doFinal`` is named by its receiver (``mac.doFinal(body)``).
_DIGESTS = re.compile(r"(?i)^(?:sha\w*|md5\w*|\w*(?:hash|digest)\w*)$")
_UNWRAP = frozenset({"getBytes", "trim", "strip", "toLowerCase", "toUpperCase", "toString", "orElse", "get"})


def _names(node: Node, ctx: TSContext, depth: int = 0) -> list[str]:
    """What a compared operand is called: ``apiKey``, ``signature`` for ``req.getSignature()``, ``pin`` for
    ``sha256Hex(pin)``, ``mac`` for ``mac.doFinal(body)`` or a local variable holding it."""
    while node.type in ("parenthesized_expression", "cast_expression") and node.named_children:
        node = node.named_children[-1]
    if depth > 3:
        return []
    if node.type == "identifier":
        value = value_of(node, ctx)
        held = _names(value, ctx, depth + 1) if value.id != node.id and value.type == "method_invocation" else []
        return [ctx.text(node), *held]
    if node.type == "field_access":
        return [ctx.text(node.child_by_field_name("field"))]
    if node.type != "method_invocation":
        return []
    name, inner, args = method(node, ctx), receiver(node), ctx.arguments(node)
    if name in _UNWRAP or name == "doFinal":
        return _names(inner, ctx, depth + 1) if inner is not None else []
    if (_DECODERS.match(name) or _DIGESTS.match(name)) and len(args) == 1:
        return _names(args[0], ctx, depth + 1)  # a digest is as secret as what it digests
    return [name[3:] if name.startswith("get") and name[3:4].isupper() else name]


def _fixed(node: Node, ctx: TSContext) -> bool:
    """A literal or null: comparing with it is a mode switch (``"none".equals(token)``), not a secret check."""
    return ctx.text(node) in _NOT_VALUES or literal(node, ctx) is not None or node.type.endswith("_literal")


@ts_rule(
    id="JAVA-TIMING-001",
    title="Secret compared with equals() (timing attack)",
    cwe=208,
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    languages=("java",),
    query=calls("^(equals|equalsIgnoreCase|contentEquals)$"),
    why="""Assistants check API keys, webhook signatures, HMACs and reset tokens with
    if (!apiKey.equals(expectedKey)) or Arrays.equals(mac, given). String.equals and Arrays.equals return at the
    first differing character, so response times reveal how much of a guess is right and the secret can be
    recovered one byte at a time.""",
    fix="""Compare secrets in constant time: MessageDigest.isEqual(a.getBytes(UTF_8), b.getBytes(UTF_8)) (or
    compare HMACs of both values); store and compare password hashes with a PasswordEncoder's matches().""",
)
def java_timing_compare(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    call: Node = captures["call"][0]
    args = ctx.arguments(call)
    obj = receiver(call)
    func = method_of(call)
    if func is not None and ctx.text(func.child_by_field_name("name")) in ("equals", "hashCode", "compareTo"):
        return
    if obj is not None and ctx.text(obj) in ("Objects", "Arrays", "StringUtils") and len(args) == 2:
        left, right = args
    elif obj is not None and len(args) == 1:
        left, right = obj, args[0]
    else:
        return
    if _fixed(left, ctx) or _fixed(right, ctx):
        return
    names = [*_names(left, ctx), *_names(right, ctx)]
    secret = next((n for n in names if names_secret(n, _COMPARED)), None)
    if secret is None:
        return
    ws = {w for n in names for w in words(n)}
    if ws & _CONFIRMATION and any(is_password_word(w) for w in ws):
        return  # password == confirmPassword: a form check, not authentication
    yield ctx.hit(call, f"'{secret}' compared with {method(call, ctx)}(); use MessageDigest.isEqual")
