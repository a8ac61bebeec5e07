"""JAVA-RAND-001: java.util.Random, Math.random() or RandomStringUtils for tokens, passwords and session ids."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.java.common import (
    binding_name,
    calls,
    declared_type,
    method,
    method_of,
    names_around,
    receiver,
    type_name,
)
from slopguard.rules.shared.names import is_password_word, words
from slopguard.rules.shared.trees import walk

_NEXT = frozenset(
    {"nextInt", "nextLong", "nextBytes", "nextDouble", "nextFloat", "nextBoolean", "nextGaussian", "ints", "longs",
     "doubles"}
)  # fmt: skip
_WEAK_TYPES = frozenset({"Random", "ThreadLocalRandom", "SplittableRandom"})
_HELPERS = re.compile(
    r"^(?:\w+\.)*(?:RandomStringUtils\.random\w*|RandomUtils\.next\w+|RandomStringUtils\.insecure\(\)\.\w+)$"
)
_SECRET_WORDS = frozenset(
    {"token", "secret", "otp", "totp", "nonce", "salt", "session", "sessionid", "csrf", "xsrf", "apikey", "pin",
     "passcode", "verification", "activation", "invite", "invitation", "captcha", "iv", "key", "code",
     "auth", "credential", "credentials", "signup", "confirmation", "magic", "recovery", "unlock", "voucher"}
)  # fmt: skip
_BENIGN_WORDS = frozenset(
    {"status", "error", "color", "colour", "country", "zip", "postal", "http", "response", "exit", "char", "cache",
     "sort", "map", "lookup", "partition", "shard", "primary", "foreign", "hash", "row", "group", "routing",
     "dedup", "idempotency", "area", "currency", "language", "locale", "product", "bar", "qr", "source", "test"}
)  # fmt: skip


def _secret_name(name: str) -> bool | None:
    """True for a secret's name, False for a name that says it is something else, None for a neutral one."""
    ws = words(name)
    if not ws:
        return None
    if any(w in _BENIGN_WORDS for w in ws):
        return False
    found = {w for w in ws if w in _SECRET_WORDS or is_password_word(w)}
    if found == {"key"} and ws[-1] in ("id", "ids", "index", "name", "type", "size", "length", "count"):
        return False  # keyId, keyIndex: the label of a key, not key material
    return True if found else None


def _weak_source(call: Node, ctx: TSContext) -> str | None:
    """What makes this call predictable, or None when it is not a java.util.Random-style generator."""
    name = ctx.call_name(call)
    if name in ("Math.random", "java.lang.Math.random"):
        return "Math.random()"
    if _HELPERS.match(name) and ".secure" not in name:
        return name.split("(")[0]
    if method(call, ctx) not in _NEXT:
        return None
    obj = receiver(call)
    if obj is None:
        return None
    if obj.type == "method_invocation" and ctx.call_name(obj).endswith("ThreadLocalRandom.current"):
        return "ThreadLocalRandom"
    kind = declared_type(obj, ctx)
    return f"java.util.{kind}" if kind in _WEAK_TYPES else None


def _secret_downstream(name: str, call: Node, ctx: TSContext, hops: int = 2) -> str | None:
    """Where the random value goes next in the method: a variable named like a secret, or a cookie's value
    (``int n = rnd.nextInt(); String rememberMeKey = Integer.toString(n); new Cookie("rememberMe", rememberMeKey)``).
    """
    func = method_of(call)
    if func is None:
        return None
    for node in walk(func):
        if node.type != "identifier" or ctx.text(node) != name or node.start_byte < call.end_byte:
            continue
        parent = node.parent.parent if node.parent is not None else None
        if parent is not None and parent.type == "object_creation_expression" and type_name(parent, ctx) == "Cookie":
            return "a cookie"
        target = binding_name(node, ctx)
        if target is None or target == name:
            continue
        verdict = _secret_name(target)
        if verdict:
            return target
        if verdict is None and hops > 1:
            found = _secret_downstream(target, node, ctx, hops - 1)
            if found is not None:
                return found
    return None


@ts_rule(
    id="JAVA-RAND-001",
    title="Predictable random numbers for secrets",
    cwe=330,
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    languages=("java",),
    query=calls(r"^(random\\w*|next\\w*|ints|longs|doubles)$"),
    why="""Assistants generate reset tokens, OTP codes, API keys, temporary passwords and session ids with
    new Random().nextInt(), Math.random() or RandomStringUtils.randomAlphanumeric. java.util.Random is a 48-bit
    linear congruential generator: from one or two observed outputs an attacker computes the seed and predicts
    every other token the server hands out, taking over accounts through the reset flow.""",
    fix="""Use java.security.SecureRandom (one shared instance) for every secret value, e.g.
    secureRandom.nextBytes(buf) then Base64 URL encoding, or UUID.randomUUID() for opaque identifiers.""",
)
def java_weak_random(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    call: Node = captures["call"][0]
    source = _weak_source(call, ctx)
    if source is None:
        return
    target = binding_name(call, ctx)
    if method(call, ctx) == "nextBytes":
        target = ctx.text(ctx.arguments(call)[0]) if ctx.arguments(call) else None
    verdict = _secret_name(target) if target is not None else None
    if verdict is False:
        return  # int colorCode = rnd.nextInt(); currentKeyId = rnd.nextInt()
    secret = target if verdict else next((n for n in names_around(call, ctx) if _secret_name(n)), None)
    if secret is None and target is not None:
        secret = _secret_downstream(target, call, ctx)
    if secret is None:
        return
    yield ctx.hit(call, f"{source} is predictable but produces '{secret}' here; use SecureRandom")
