"""Hash helpers for the crypto rules (no rules live here): Django's password hasher settings, and what a hash
value is computed from (a plain digest of data, or a keyed one).

A SHA-256 of a downloaded file compared with its published checksum involves no secret: anyone can compute
both sides, so the time the comparison takes reveals nothing. A digest that mixes in a key (``md5(KEY +
body)``, ``hmac.new(key, ...)``) is a signature, and comparing it with ``==`` leaks it byte by byte.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from slopguard.core.finding import Confidence
from slopguard.engine.hit import Hit, hit_at
from slopguard.engine.python.context import PyContext
from slopguard.rules.python.common import first_arg, method_name
from slopguard.rules.python.names import assigned_value
from slopguard.rules.shared.names import is_password_word, words

_HASH_NAMES = frozenset(
    {"md5", "sha1", "sha224", "sha256", "sha384", "sha512", "sha3_224", "sha3_256", "sha3_384", "sha3_512",
     "blake2b", "blake2s", "new", "file_digest"}
)  # fmt: skip
# Names that say "a checksum of data": sha256, file_md5, expected_checksum, etag, crc32.
_CHECKSUM_NAME = re.compile(r"(?<![a-z])(?:checksum|etag|crc(?:32)?|md5|sha\d*|sha3_?\d*|blake2[bs]?)s?(?![a-z])")
_KEYED_WORDS = frozenset({"key", "secret", "pepper", "token", "signing", "hmac", "mac", "otp", "pin", "nonce"})
_UNWRAP = frozenset({"lower", "upper", "strip", "encode", "decode", "hex"})


def checksum_name(name: str | None) -> bool:
    return bool(name and _CHECKSUM_NAME.search(name.lower()))


def _secret_word(name: str) -> bool:
    ws = words(name)
    return any(w in _KEYED_WORDS or w.endswith(("key", "secret", "token")) or is_password_word(w) for w in ws)


def data_names(e: ast.AST) -> list[str]:
    """Names of the values ``e`` is built from: variables, attributes and string keys, not called functions."""
    funcs = {id(n.func) for n in ast.walk(e) if isinstance(n, ast.Call)}
    found: list[str] = []
    for n in ast.walk(e):
        if isinstance(n, ast.Name) and id(n) not in funcs:
            found.append(n.id)
        elif isinstance(n, ast.Attribute) and id(n) not in funcs:
            found.append(n.attr)
        elif isinstance(n, ast.Subscript) and (key := PyContext.string(n.slice)):
            found.append(key)
    return found


def keyed(data: list[ast.expr], ctx: PyContext, depth: int = 2) -> bool:
    """Any of the hashed values is, or is built from, a key, secret, token or password."""
    for name in (n for e in data for n in data_names(e)):
        if _secret_word(name):
            return True
        value = assigned_value(name, ctx) if depth > 0 else None
        if value is not None and keyed([value], ctx, depth - 1):
            return True
    return False


def updates(name: str, ctx: PyContext) -> list[ast.expr]:
    """What ``name.update(...)`` feeds into a hash object in the current function."""
    scope: ast.AST = ctx.function if ctx.function is not None else ctx.tree
    return [
        a
        for n in ast.walk(scope)
        if isinstance(n, ast.Call) and method_name(n) == "update" and isinstance(n.func, ast.Attribute)
        and isinstance(n.func.value, ast.Name) and n.func.value.id == name
        for a in n.args
    ]  # fmt: skip


def plain_digest(e: ast.expr, ctx: PyContext, depth: int = 2) -> bool:
    """``e`` is an unkeyed hash of data: ``hashlib.sha256(blob).hexdigest()``, ``h.hexdigest()`` of a hashlib
    object fed only data, or a checksum helper such as ``sha256_file(path)``."""
    for _ in range(4):
        if isinstance(e, ast.Name) and depth > 0:
            value = assigned_value(e.id, ctx)
            if value is None:
                return False
            e, depth = value, depth - 1
        elif isinstance(e, ast.Call) and isinstance(e.func, ast.Attribute) and e.func.attr in _UNWRAP:
            e = e.func.value
        else:
            break
    if not isinstance(e, ast.Call):
        return False
    if isinstance(e.func, ast.Attribute) and e.func.attr in ("hexdigest", "digest"):
        hasher = e.func.value
        fed = updates(hasher.id, ctx) if isinstance(hasher, ast.Name) else []
        if isinstance(hasher, ast.Name):
            hasher = assigned_value(hasher.id, ctx) or hasher
        if not (isinstance(hasher, ast.Call) and _hashlib_call(hasher, ctx)):
            return False
        return not keyed([*hasher.args, *(k.value for k in hasher.keywords), *fed], ctx)
    if _hashlib_call(e, ctx) and ctx.call_name(e) == "hashlib.file_digest":
        return True
    ws = set(words(method_name(e)))
    named = checksum_name(method_name(e)) or bool(ws & {"hash", "digest"} and ws & {"file", "data", "content", "blob"})
    arg = first_arg(e)
    return named and not (ws & _KEYED_WORDS) and not (arg is not None and keyed([arg], ctx))


def _hashlib_call(call: ast.Call, ctx: PyContext) -> bool:
    qual = ctx.call_name(call)
    return qual.startswith("hashlib.") and qual[len("hashlib.") :] in _HASH_NAMES


# ----- Django PASSWORD_HASHERS ---------------------------------------------------------------------------
_WEAK_HASHERS = frozenset(
    {"MD5PasswordHasher", "UnsaltedMD5PasswordHasher", "SHA1PasswordHasher", "UnsaltedSHA1PasswordHasher",
     "CryptPasswordHasher"}
)  # fmt: skip
_TEST_SETTINGS = re.compile(r"(?i)(?:^|[\\/_.-])(?:tests?|testing|conftest)(?:[\\/_.-]|$)")


def weak_hashers(value: ast.expr, ctx: PyContext) -> Iterator[Hit]:
    """Django ``PASSWORD_HASHERS`` entries naming a fast or unsalted hasher (MD5, SHA-1, crypt)."""
    for n in ast.walk(value):
        text = PyContext.string(n) if isinstance(n, ast.Constant) else None
        hasher = text.rsplit(".", 1)[-1] if text else ""
        if hasher in _WEAK_HASHERS:
            # Test settings use MD5PasswordHasher on purpose: it makes the test suite fast.
            where = "/".join(re.split(r"[\\/]", ctx.path)[-2:])  # the file and its folder
            test = bool(_TEST_SETTINGS.search(where)) or "override_settings" in ctx.text
            yield hit_at(
                n,
                f"PASSWORD_HASHERS lists {hasher}, a fast hash for passwords; use PBKDF2, Argon2, BCrypt or Scrypt",
                confidence=Confidence.LOW if test else None,
            )
