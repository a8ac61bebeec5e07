"""C-HASH-001: passwords hashed with MD5, SHA-1 or one fast unsalted digest (OpenSSL, Qt, single-header hash
libraries), or with crypt()'s DES and MD5 schemes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.c.common import base_name, callee, function_name, string_value
from slopguard.rules.c.dataflow import function_facts
from slopguard.rules.c.views import viewed_name
from slopguard.rules.shared.names import NOT_SENSITIVE_LAST, is_password_word, words
from slopguard.rules.shared.trees import walk

# OpenSSL's one-shot and streaming digests: name -> (algorithm, index of the data)
_OPENSSL = {
    "MD4": ("MD4", 0), "MD5": ("MD5", 0), "SHA1": ("SHA-1", 0), "SHA": ("SHA-1", 0), "SHA224": ("SHA-224", 0),
    "SHA256": ("SHA-256", 0), "SHA384": ("SHA-384", 0), "SHA512": ("SHA-512", 0), "MD4_Update": ("MD4", 1),
    "MD5_Update": ("MD5", 1), "SHA1_Update": ("SHA-1", 1), "SHA224_Update": ("SHA-224", 1),
    "SHA256_Update": ("SHA-256", 1), "SHA384_Update": ("SHA-384", 1), "SHA512_Update": ("SHA-512", 1),
    "EVP_DigestUpdate": ("", 1), "EVP_Digest": ("", 0), "crypto_hash_sha256": ("SHA-256", 1),
    "crypto_hash_sha512": ("SHA-512", 1), "crypto_hash": ("SHA-512", 1),
}  # fmt: skip
# Helpers of single-header libraries and projects: md5(pw), sha256_hex(pw), picosha2::hash256_hex_string(pw).
_HELPER = re.compile(
    r"(?i)^(?:\w+::)*(?:md[45]|sha1?|sha_?(?:224|256|384|512))(?:_?(?:hex|hash|string|str|digest|sum|hexdigest))?$"
    r"|^picosha2::hash256(?:_hex_string)?$"
)
_EVP_ALGORITHM = re.compile(r"\bEVP_(md4|md5|sha1|sha224|sha256|sha384|sha512|sha3_\d+)\s*\(\)")
_QT_ALGORITHM = re.compile(r"QCryptographicHash::(Md4|Md5|Sha1|Sha224|Sha256|Sha384|Sha512|Sha3_\d+|Keccak_\d+)\b")
_CRYPT = frozenset({"crypt", "crypt_r"})
_NOT_PASSWORD = NOT_SENSITIVE_LAST | {"hash", "hashed", "digest", "salt", "salted", "hint", "policy", "strength"}
_PIN_WORDS = frozenset({"pin", "pincode", "passcode"})  # a PIN is a (short) password: it needs a slow hash too
_NOT_PASSWORD_ENDINGS = ("token", "salt", "nonce", "mac", "file")
_NOT_HASHED = frozenset({"reset", "hint", "policy", "strength", "count", "length", "len", "table", "list"})


def _password_words(ws: list[str]) -> bool:
    """A password word anywhere (``user_password``), a PIN word last (``door_pin``, not ``pin_count_table``)."""
    return any(is_password_word(w) for w in ws) or bool(ws and ws[-1] in _PIN_WORDS)


def _names_password(ctx: TSContext, node: Node) -> str:
    """The password-named variable or field ``node`` reads (``password``, ``pw.c_str()``, ``user->passwd``,
    ``pin``), or the parameter that a password function hashes (``hash_password(const char *plain)``)."""
    for part in walk(node):
        if part.type not in ("identifier", "field_identifier"):
            continue
        ws = words(ctx.text(part))
        if ws and _password_words(ws) and ws[-1] not in _NOT_PASSWORD:
            return ctx.text(part)
    return _hashed_parameter(ctx, node)


def _hashed_parameter(ctx: TSContext, node: Node) -> str:
    """``void store_pin(const char *code, ...) { SHA256(code, ...) }``: a parameter hashed as it came in, by a
    function whose name says it handles a password or PIN (and not a token, key or salt)."""
    data = base_name(ctx, node) or viewed_name(ctx, node)
    facts = function_facts(ctx, node) if data else None
    ws = words(function_name(ctx, node))
    if facts is None or data not in facts.params or not _password_words(ws):
        return ""
    if any(w in _NOT_HASHED or w.endswith(_NOT_PASSWORD_ENDINGS) for w in ws):
        return ""
    return data


def _algorithm(ctx: TSContext, call: Node, name: str) -> str:
    """The digest a call computes: OpenSSL's by name, EVP's from EVP_md5() in the call or the function."""
    known = _OPENSSL.get(name, ("", 0))[0]
    if known:
        return known
    func = ctx.function_of(call)
    found = _EVP_ALGORITHM.search(ctx.text(call)) or _EVP_ALGORITHM.search(ctx.text(func) if func else "")
    return _label(found.group(1)) if found else "a fast digest"


def _label(text: str) -> str:
    """``md5`` -> MD5, ``Sha256`` / ``sha256_hex`` -> SHA-256, ``SHA1`` / ``sha`` -> SHA-1, ``sha3_256`` -> SHA3-256."""
    found = re.search(r"(?i)md[45]|sha3_\d+|keccak_\d+|sha_?(?:224|256|384|512|1)?", text)
    if found is None:
        return "a fast digest"
    match = found.group(0).upper().replace("_", "")
    if match.startswith(("MD", "SHA3", "KECCAK")):
        return match.replace("SHA3", "SHA3-")
    return "SHA-" + (match[3:] or "1")


def _data(ctx: TSContext, call: Node) -> tuple[Node | None, str]:
    """The hashed data and the algorithm of a digest call; (None, "") for calls that are not digests."""
    name, args = callee(ctx, call), ctx.arguments(call)
    fn = call.child_by_field_name("function")
    if name in _OPENSSL:
        index = _OPENSSL[name][1]
        return (args[index], _algorithm(ctx, call, name)) if len(args) > index else (None, "")
    text = ctx.compact(fn) if fn is not None else ""
    if text == "QCryptographicHash::hash" and len(args) == 2:
        qt = _QT_ALGORITHM.search(ctx.text(args[1]))
        return args[0], _label(qt.group(1)) if qt else "a fast digest"
    if args and _HELPER.match(text):
        return args[0], "SHA-256" if text.startswith("picosha2") else _label(text)
    return None, ""


def _weak_crypt(ctx: TSContext, call: Node) -> str:
    """'a DES' or 'an MD5' for crypt(pw, "ab") / crypt(pw, "$1$..."); "" for SHA-crypt, bcrypt, yescrypt or unknown."""
    args = ctx.arguments(call)
    salt = string_value(ctx, args[1]) if len(args) > 1 else None
    if salt is None:
        return ""
    if not salt.startswith("$"):
        return "a DES"
    return "an MD5" if salt.startswith("$1$") else ""


@ts_rule(
    id="C-HASH-001",
    title="Password hashed with MD5, SHA-1 or a fast digest",
    cwe=(916, 328),
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    languages=("c", "cpp"),
    query="(call_expression) @call",
    why="""Assistants store passwords as MD5(password, strlen(password), digest), SHA256 over the password,
    EVP_DigestUpdate with EVP_md5()/EVP_sha1(), QCryptographicHash::hash(pw, Md5) or crypt(pw, "ab"). These
    digests run billions of times a second on a GPU and take no per-user salt (crypt's DES keeps 8 characters and
    a 2-character salt): a leaked user table falls to dictionary and rainbow-table attacks within hours.""",
    fix="""Use a slow, salted password hash: crypt() with a $y$ (yescrypt) or $2b$ (bcrypt) salt from
    crypt_gensalt, libsodium's crypto_pwhash_str, Argon2 (argon2id_hash_encoded), or OpenSSL's PKCS5_PBKDF2_HMAC
    with a random salt and >= 600000 iterations.""",
)
def c_weak_password_hash(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    call: Node = captures["call"][0]
    if callee(ctx, call) in _CRYPT:
        scheme = _weak_crypt(ctx, call)
        if scheme:
            yield ctx.hit(call, f"crypt() with {scheme} salt hashes the password with a broken, fast scheme; use "
                          "a $y$ or $2b$ salt from crypt_gensalt, or crypto_pwhash_str")  # fmt: skip
        return
    data, algorithm = _data(ctx, call)
    password = _names_password(ctx, data) if data is not None else ""
    if not password:
        return
    broken = algorithm in ("MD4", "MD5", "SHA-1")
    yield ctx.hit(
        call,
        f"password '{password}' hashed with {algorithm}: fast and unsalted, a leaked hash is cracked offline; use "
        "crypto_pwhash_str, Argon2, bcrypt or PBKDF2",
        severity=Severity.HIGH if broken else Severity.MEDIUM,
    )
