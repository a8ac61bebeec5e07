"""JS-CRYPTO-001: broken ciphers and modes (DES, 3DES, RC4, Blowfish, ECB), Node's createCipher without an IV,
and fixed IVs (node:crypto and crypto-js)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.javascript.common import imported, method, pairs, receiver, resolve, string_value, unwrap

_CIPHER_CALLS = frozenset({"createCipheriv", "createDecipheriv", "createCipher", "createDecipher"})
_WEAK_CIPHER = re.compile(r"(?i)^(?:des(?:-|$)|des-ede|des3|rc4|rc2|bf-|blowfish|cast5?-|idea-)|-ecb$|^id-aes\d+-ecb")
_CRYPTO_JS_WEAK = re.compile(r"^(?:CryptoJS|CryptoJs|cryptoJs)\.(?:DES|TripleDES|RC4|RC4Drop|Rabbit)\.(?:en|de)crypt$")
_CRYPTO_JS_ECB = re.compile(r"^(?:CryptoJS|CryptoJs|cryptoJs)\.mode\.ECB$")
# A fixed IV: zero bytes, a literal, or bytes decoded from a literal.
_FIXED_BUFFER = re.compile(
    r"^(?:Buffer\.alloc\(\d+(?:,0)?\)|newUint8Array\(\d+\)|Buffer\.from\((?:['\"`][^'\"`]*['\"`]|\[[\d,\s]*\]))"
)


def _node_crypto(ctx: TSContext, call: Node) -> bool:
    """``crypto.createCipheriv`` / ``createCipheriv`` imported from node:crypto."""
    obj = receiver(call)
    if obj is None:
        origin = imported(ctx, method(ctx, call))
        return origin is not None and origin[0] == "crypto"
    if obj.type != "identifier":
        return False
    origin = imported(ctx, ctx.text(obj))
    return (origin is not None and origin[0] == "crypto") or ctx.text(obj) == "crypto"


def _fixed_iv(ctx: TSContext, iv: Node) -> bool:
    value = unwrap(resolve(ctx, iv) or iv)
    return string_value(ctx, value) is not None or bool(_FIXED_BUFFER.match(ctx.compact(value)))


@ts_rule(
    id="JS-CRYPTO-001",
    title="Broken cipher, ECB mode or fixed IV",
    cwe=327,
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    languages=("javascript", "typescript"),
    query="(call_expression) @call",
    why="""Assistants copy crypto.createCipher('aes-256-cbc', password) (no IV, an MD5-derived key, removed from
    Node), 'aes-256-ecb', DES/3DES/RC4 or CryptoJS.DES from old tutorials, and pass Buffer.alloc(16, 0) or a
    constant string as the IV. ECB and a fixed IV encrypt equal plaintexts to equal ciphertexts, so an observer
    learns which records match and can cut and paste blocks; DES and RC4 are broken outright.""",
    fix="""Use crypto.createCipheriv('aes-256-gcm', key, crypto.randomBytes(12)) with a key from scryptSync or a
    key store, send the IV and auth tag with the ciphertext, and check the tag with setAuthTag on decrypt.""",
)
def weak_cipher(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    call: Node = captures["call"][0]
    name = ctx.call_name(call)
    if _CRYPTO_JS_WEAK.match(name):
        yield ctx.hit(call, f"{name.rsplit('.', 2)[1]} is a broken cipher; use AES-GCM")
        return
    if name.endswith(".encrypt") or name.endswith(".decrypt"):
        args = ctx.arguments(call)
        opts = resolve(ctx, args[2]) if len(args) > 2 else None
        if opts is not None and any(_CRYPTO_JS_ECB.match(ctx.compact(v)) for _, v in pairs(ctx, opts)):
            yield ctx.hit(call, "ECB mode encrypts equal blocks to equal ciphertext; use AES-GCM with a random IV")
        return
    name = method(ctx, call)
    if name not in _CIPHER_CALLS or not _node_crypto(ctx, call):
        return
    args = ctx.arguments(call)
    algorithm = string_value(ctx, resolve(ctx, args[0]) if args else None)
    if algorithm is not None and _WEAK_CIPHER.search(algorithm):
        mode = "ECB mode leaks equal blocks" if algorithm.lower().endswith("ecb") else "a broken cipher"
        yield ctx.hit(call, f"'{algorithm}' is {mode}; use aes-256-gcm with a random IV")
    elif name in ("createCipher", "createDecipher"):
        yield ctx.hit(call, f"{name}() derives the key with MD5 and uses no IV; use createCipheriv with scrypt")
    elif len(args) > 2 and _fixed_iv(ctx, args[2]) and name == "createCipheriv":
        yield ctx.hit(call, "the IV is a constant: equal plaintexts encrypt alike; use crypto.randomBytes per message")
