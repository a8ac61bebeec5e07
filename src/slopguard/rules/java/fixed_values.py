"""Values that must be unpredictable but are written into the code: constant IVs and nonces (JAVA-IV-001) and
SecureRandom seeded with a constant (JAVA-SEED-001)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.java.common import (
    calls,
    class_of,
    constant,
    creations,
    declaration,
    declared_type,
    method,
    method_of,
    receiver,
    type_name,
)
from slopguard.rules.shared.trees import walk

_NUMBER_LITERALS = frozenset(
    {"decimal_integer_literal", "hex_integer_literal", "octal_integer_literal", "binary_integer_literal"}
)
_FILLERS = frozenset({"nextBytes", "generateSeed", "read", "readFully", "arraycopy", "get", "fill", "update"})


def _constant_bytes(node: Node | None, ctx: TSContext, depth: int = 0) -> bool:
    """``"0123456789abcdef".getBytes()``, ``new byte[16]``, ``new byte[] {1, 2, 3}``, ``HexFormat.of()
    .parseHex("00ff..")``, ``Base64.getDecoder().decode("...")`` or a name initialised with one and never filled."""
    if node is None or depth > 4:
        return False
    while node.type in ("parenthesized_expression", "cast_expression") and node.named_children:
        node = node.named_children[-1]
    if node.type == "array_creation_expression":
        init = node.child_by_field_name("value")
        return init is None or _constant_bytes(init, ctx, depth + 1)  # new byte[16]: zeros
    if node.type == "array_initializer":  # byte[] iv = { (byte) 0, 0x1f, ... }
        return bool(node.named_children) and all(_number(c) for c in node.named_children)
    if node.type == "method_invocation":
        name, obj, args = method(node, ctx), receiver(node), ctx.arguments(node)
        if name == "getBytes" and obj is not None:
            return constant(obj, ctx) is not None
        if name in ("decode", "parseHex", "decodeHex") and len(args) == 1:
            return constant(args[0], ctx) is not None
        if name in ("copyOf", "clone"):
            return _constant_bytes(args[0] if args else obj, ctx, depth + 1)
        return False
    if node.type in ("identifier", "field_access"):
        name = ctx.text(node).rsplit(".", 1)[-1]
        decl = declaration(name, node, ctx)
        if decl is None or decl.value is None or _filled(name, decl.node, ctx):
            return False
        return _constant_bytes(decl.value, ctx, depth + 1)
    return False


def _number(node: Node) -> bool:
    """A number or character literal, possibly cast or negated: ``(byte) 0x1f``, ``-1``, ``'a'``."""
    while node.type in ("cast_expression", "parenthesized_expression", "unary_expression") and node.named_children:
        node = node.named_children[-1]
    return node.type in _NUMBER_LITERALS or node.type == "character_literal"


def _filled(name: str, declared: Node, ctx: TSContext) -> bool:
    """The array is written in its scope (the method of a local, the class of a field): ``random.nextBytes(iv)``,
    ``in.read(iv)``, ``iv = ...``."""
    scope = method_of(declared) or class_of(declared)
    if scope is None:
        return True
    for node in walk(scope):
        if node.type == "method_invocation" and method(node, ctx) in _FILLERS:
            if any(ctx.text(a).rsplit(".", 1)[-1] == name for a in ctx.arguments(node)):
                return True
        elif (
            node.type == "assignment_expression"
            and ctx.text(node.child_by_field_name("left")).rsplit(".", 1)[-1] == name
        ):
            return True
    return False


@ts_rule(
    id="JAVA-IV-001",
    title="Constant IV or nonce",
    cwe=329,
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    languages=("java",),
    query=creations("^(javax\\.crypto\\.spec\\.)?(IvParameterSpec|GCMParameterSpec|ChaCha20ParameterSpec)$"),
    why="""Assistants make encryption "work" with new IvParameterSpec("1234567890123456".getBytes()), a static
    byte[16] of zeros, or new GCMParameterSpec(128, new byte[12]). With a fixed IV, CBC shows which messages share a
    prefix; with a fixed GCM or ChaCha20 nonce, two messages under the same key give away their XOR and the
    authentication key, so the attacker can read and forge ciphertexts.""",
    fix="""Generate a fresh IV for every message (byte[] iv = new byte[12]; secureRandom.nextBytes(iv)), send it
    alongside the ciphertext, and read it back from the message when decrypting.""",
)
def java_constant_iv(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    node: Node = captures["call"][0]
    kind = type_name(node, ctx)
    args = ctx.arguments(node)
    iv = args[1] if kind == "GCMParameterSpec" and len(args) >= 2 else args[0] if args else None
    if not _constant_bytes(iv, ctx):
        return
    aead = kind != "IvParameterSpec"
    yield ctx.hit(
        node,
        f"{kind} with a constant {'nonce' if aead else 'IV'}: "
        + ("reusing a nonce under one key breaks GCM/ChaCha20" if aead else "identical plaintexts encrypt alike")
        + "; generate a random one per message",
        severity=Severity.HIGH if aead else None,
    )


@ts_rule(
    id="JAVA-SEED-001",
    title="SecureRandom seeded with a constant",
    cwe=336,
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    languages=("java",),
    query=creations("SecureRandom$") + " " + calls("^setSeed$"),
    why="""Assistants copy new SecureRandom("seed".getBytes()) or random.setSeed(42L) from examples that wanted
    repeatable output. With SHA1PRNG (still chosen by getInstance("SHA1PRNG") and on some platforms by default) a
    seed given before the first use replaces the system entropy: every token, key and IV the generator makes is
    the same on every run and can be recomputed by anyone who reads the code.""",
    fix="""Use new SecureRandom() or SecureRandom.getInstanceStrong() and never seed it yourself; for repeatable
    test data use java.util.Random with a seed, outside security code.""",
)
def java_seeded_secure_random(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    node: Node = captures["call"][0]
    args = ctx.arguments(node)
    if node.type == "object_creation_expression":
        if type_name(node, ctx) == "SecureRandom" and len(args) == 1 and _constant_seed(args[0], ctx):
            yield ctx.hit(node, "new SecureRandom(seed) with a constant seed makes its output predictable")
        return
    obj = receiver(node)
    if obj is None or len(args) != 1 or not _constant_seed(args[0], ctx):
        return
    kind = declared_type(obj, ctx)
    if kind == "SecureRandom" or (not kind and "SecureRandom" in ctx.compact(obj)):
        yield ctx.hit(node, "SecureRandom.setSeed() with a constant: the numbers it makes can be recomputed")


def _constant_seed(node: Node, ctx: TSContext) -> bool:
    if node.type in _NUMBER_LITERALS:
        return True
    return (node.type == "identifier" and _long(node, ctx)) or _constant_bytes(node, ctx)


def _long(node: Node, ctx: TSContext) -> bool:
    """A name declared with a number literal (``static final long SEED = 42L``)."""
    decl = declaration(ctx.text(node), node, ctx)
    return decl is not None and decl.value is not None and decl.value.type in _NUMBER_LITERALS
