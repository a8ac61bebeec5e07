"""GO-CRYPTO-001: broken ciphers (DES, 3DES, RC4, Blowfish), RSA keys under 2048 bits, and a fixed IV or nonce."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.go.common import CALL, bound_values, function_of, is_test, package_call, unwrap
from slopguard.rules.shared.trees import any_of, walk

_BROKEN = {
    ("crypto/des", "NewCipher"): "DES",
    ("crypto/des", "NewTripleDESCipher"): "3DES",
    ("crypto/rc4", "NewCipher"): "RC4",
    ("golang.org/x/crypto/blowfish", "NewCipher"): "Blowfish",
    ("golang.org/x/crypto/blowfish", "NewSaltedCipher"): "Blowfish",
    ("golang.org/x/crypto/cast5", "NewCipher"): "CAST5",
    ("golang.org/x/crypto/tea", "NewCipher"): "TEA",
    ("golang.org/x/crypto/xtea", "NewCipher"): "XTEA",
}
_RSA = {"GenerateKey": 1, "GenerateMultiPrimeKey": 2}
_MIN_RSA_BITS = 2048
# Modes that take an IV as their second argument: cipher.NewCBCEncrypter(block, iv) ...
_IV_MODES = frozenset({"NewCBCEncrypter", "NewCFBEncrypter", "NewCTR", "NewOFB"})
_METHODS = frozenset({"NewCipher", "NewTripleDESCipher", "NewSaltedCipher", *_RSA, *_IV_MODES})
_KEY_NAME = re.compile(r"(?i)key|secret|pass")
_FILLED = re.compile(r"\b(?:rand\.Read|io\.ReadFull|\.Read|rand\.Reader)\b")


def _integer(ctx: TSContext, node: Node) -> int | None:
    """A Go integer literal or a constant holding one (``1024``, ``1 << 10``, ``bits`` bound once)."""
    node = unwrap(node)
    values = ctx.possible_values(node)
    if len(values) == 1 and isinstance(values[0], int) and not isinstance(values[0], bool):
        return values[0]
    if node.type == "identifier":
        scope = function_of(node)
        for where in (scope, ctx.tree.root_node) if scope is not None else (ctx.tree.root_node,):
            bound = bound_values(ctx, ctx.text(node), where)
            if bound:
                return _integer(ctx, bound[0][0]) if len(bound) == 1 and bound[0][0].id != node.id else None
    return None


def _fixed_iv(ctx: TSContext, iv: Node, depth: int = 0) -> str | None:
    """Why an IV is fixed: a literal, all zeros (``make([]byte, 16)`` never filled), or a slice of the key."""
    iv = unwrap(iv)
    text = ctx.compact(iv)
    if re.fullmatch(r"\[\]byte(?:\(\"[^\"]*\"\)|\{[^}]*\})", text):
        return "a constant"
    if iv.type == "slice_expression" and _KEY_NAME.search(ctx.text(iv.child_by_field_name("operand"))):
        return "part of the key"
    if iv.type != "identifier" or depth > 2:
        return None
    fn = function_of(iv)
    if fn is None:
        return None
    bound = bound_values(ctx, text, fn) or bound_values(ctx, text, ctx.tree.root_node)
    if len(bound) != 1:
        return None
    value = unwrap(bound[0][0])
    if re.fullmatch(r"make\(\[\]byte,[^,]+\)", ctx.compact(value)):
        filled = any(
            n.type == "call_expression" and _FILLED.search(ctx.text(n.child_by_field_name("function")) + ctx.text(n))
            and re.search(rf"\b{re.escape(text)}\b", ctx.text(n.child_by_field_name("arguments")))
            for n in walk(fn)
        )  # fmt: skip
        return None if filled else "all zeros"
    return _fixed_iv(ctx, value, depth + 1)


@ts_rule(
    id="GO-CRYPTO-001",
    title="Broken cipher, RSA key under 2048 bits, or a fixed IV",
    cwe=(327, 326, 329),
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    languages=("go",),
    query=f"({CALL} (#any-of? @method {any_of(sorted(_METHODS))}))",
    why="""Asked to "encrypt this field", assistants reach for des.NewCipher, rc4.NewCipher or a CBC encrypter
    with a hard-coded or all-zero IV, and generate RSA keys with rsa.GenerateKey(rand.Reader, 1024) to keep
    examples fast. DES keys are brute-forced in hours, RC4's keystream is biased, a fixed IV makes equal
    plaintexts encrypt alike, and 1024-bit RSA is within reach of well-funded attackers.""",
    fix="""Encrypt with AES-GCM (aes.NewCipher + cipher.NewGCM) or golang.org/x/crypto/chacha20poly1305, with a
    fresh random nonce from crypto/rand for every message; generate RSA keys of 2048 bits or more (3072 for
    long-lived keys), or use Ed25519.""",
)
def go_weak_cipher(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    if is_test(ctx):
        return  # tests use small RSA keys to run fast
    call: Node = captures["call"][0]
    found = package_call(ctx, call)
    if found is None:
        return
    args = ctx.arguments(call)
    if found in _BROKEN:
        yield ctx.hit(call, f"{_BROKEN[found]} is a broken cipher; use AES-GCM or ChaCha20-Poly1305")
    elif found[0] == "crypto/rsa" and found[1] in _RSA and len(args) > _RSA[found[1]]:
        bits = _integer(ctx, args[_RSA[found[1]]])
        if bits is not None and bits < _MIN_RSA_BITS:
            yield ctx.hit(call, f"{bits}-bit RSA key: too short to resist factoring; use 2048 bits or more")
    elif found[0] == "crypto/cipher" and found[1] in _IV_MODES and len(args) == 2:
        why = _fixed_iv(ctx, args[1])
        if why is not None:
            yield ctx.hit(call, f"cipher.{found[1]} with an IV that is {why}: equal plaintexts encrypt alike; draw "
                                "a random IV per message", confidence=Confidence.MEDIUM)  # fmt: skip
