"""PY-HASH-002: MD5 or SHA-1 used as a security hash (a digest of sensitive data, an identifier, a token)."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit, hit_at
from slopguard.engine.python.context import PyContext
from slopguard.engine.registry import python_rule
from slopguard.rules.python.common import first_arg
from slopguard.rules.python.crypto import HASH_CALLS, hash_algorithm, hash_data, hashed_values, purpose, security_hash
from slopguard.rules.python.crypto_hashes import keyed

_PYCRYPTODOME_WEAK = frozenset({"MD5", "SHA1", "SHA"})


def _weak_algorithm(node: ast.Call, ctx: PyContext) -> tuple[str, ast.expr | None] | None:
    algo = hash_algorithm(node, ctx)
    if algo in ("md5", "sha1"):
        return algo.upper(), hash_data(node, ctx)
    parts = ctx.call_name(node).split(".")
    pycryptodome = len(parts) == 4 and parts[0] in ("Crypto", "Cryptodome") and parts[1] == "Hash"
    if pycryptodome and parts[3] == "new" and parts[2] in _PYCRYPTODOME_WEAK:
        return parts[2], first_arg(node, "data")
    return None


@python_rule(
    id="PY-HASH-002",
    title="Weak hash (MD5/SHA-1) for security data",
    cwe=328,
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    nodes=(ast.Call,),
    calls=HASH_CALLS | {"new"},  # hashlib, and PyCryptodome's Crypto.Hash.<module>.new()
    why="""Assistants fingerprint sensitive values, build tokens and store digests with hashlib.md5 or sha1
    because they are short and familiar. Both collide on demand, and their speed makes brute-forcing the
    input from a stored digest cheap: whatever depends on the digest being unique or irreversible can be
    forged or recovered.""",
    fix="""Use SHA-256 or better (hashlib.sha256, sha3_256, blake2b) for digests, hmac with SHA-256 for keyed
    ones, a password hash (argon2, bcrypt, scrypt) for passwords; pass usedforsecurity=False where MD5 only
    names a cache entry.""",
)
def weak_hash(node: ast.Call, ctx: PyContext) -> Iterator[Hit]:
    found = _weak_algorithm(node, ctx)
    if found is None:
        return
    algo, data = found
    if not security_hash(node, ctx, data) or keyed(hashed_values(node, ctx, data), ctx):
        return  # not for security, PY-HASH-001's password finding, or PY-CRYPTO-001's keyed digest
    yield hit_at(
        node, f"{algo} is a broken hash for security use; use SHA-256 or better", confidence=purpose(node, ctx, data)
    )
