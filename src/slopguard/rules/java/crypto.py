"""Java crypto: fast or missing password hashing (JAVA-HASH-001) and weak ciphers/digests (JAVA-CRYPTO-001)."""

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
    call_sites,
    called_method,
    calls,
    constant,
    declared_type,
    method,
    method_of,
    names_around,
    receiver,
)
from slopguard.rules.shared.names import is_password_word, words
from slopguard.rules.shared.trees import walk

_IDENT = re.compile(r"[A-Za-z_$][\w$]*")
_HASHED = re.compile(r"(?i)encode|hash|digest|crypt|argon|scrypt|pbkdf|matches|verify|sha\d|md5")
_DIGEST_HELPERS = re.compile(
    r"^(?:(?:org\.apache\.commons\.codec\.digest\.)?DigestUtils\.(?:md5|md2|sha|sha1|sha256|sha384|sha512|sha3_\d+)"
    r"(?:Hex)?|(?:\w+\.)?DigestUtils\.md5Digest(?:AsHex)?|(?:com\.google\.common\.hash\.)?Hashing\.(?:md5|sha1|sha256|"
    r"sha384|sha512))$"
)
_WEAK_DIGESTS = frozenset({"MD5", "MD2", "MD4", "SHA1", "SHA-1", "SHA", "SHA-0"})
_SECURITY = frozenset(
    {"token", "tokens", "sign", "signature", "signed", "verify", "verification", "secret", "auth", "authenticate",
     "authentication", "session", "nonce", "otp", "hmac", "csrf", "apikey", "license", "integrity", "tamper",
     "credential", "credentials", "jwt", "cookie", "reset", "login", "seal", "sealed", "sealing", "notarize"}
)  # fmt: skip
_WEAK_CIPHERS = re.compile(
    r"^(?:DES|DESEDE|TRIPLEDES|3DES|RC2|RC4|ARCFOUR|ARC4|BLOWFISH|PBEWITH(?:MD5|SHA1AND(?:DES|RC)))"
)
_FORM_OWNERS = frozenset(
    {"request", "req", "form", "dto", "body", "payload", "login", "credentials", "creds", "input", "cmd", "command",
     "signup", "registration", "register", "data", "params", "details", "change", "reset"}
)  # fmt: skip
_CONFIG_OWNERS = re.compile(
    r"(?i)data_?source|^ds$|config|props|properties|mail|sender|hikari|builder|factory|conn|pool|keystore|ssl|jdbc|"
    r"redis|client|ldap|smtp|proxy|^db"
)


# PINs and passcodes are short secrets: a fast digest of one is reversed by trying every value. "pin" next to
# a certificate or key word is certificate pinning, where a SHA-256 of the public key is the standard.
_PIN_WORDS = frozenset({"pin", "passcode"})
_PINNING_WORDS = frozenset({"cert", "certificate", "spki", "public", "pubkey", "key", "tls", "ssl", "pins", "pinning"})


def _credential_name(name: str) -> bool:
    """A name for a password, passphrase, PIN or passcode (``userPassword``, ``memberPin``, not ``certPin``)."""
    ws = words(name)
    return any(is_password_word(w) for w in ws) or (bool(_PIN_WORDS & set(ws)) and not _PINNING_WORDS & set(ws))


def _mentions_password(node: Node | None, ctx: TSContext) -> bool:
    return node is not None and any(_credential_name(ident) for ident in _IDENT.findall(ctx.text(node)))


def _names_password(names: list[str]) -> bool:
    return any(_credential_name(n) for n in names)


def _hashed(node: Node, ctx: TSContext) -> bool:
    return any(_HASHED.search(ident) for ident in _IDENT.findall(ctx.text(node)))


def _password_digest(call: Node, ctx: TSContext) -> bool:
    """A digest computed over a password: named so, fed one, or inside hashPassword()."""
    if _names_password(names_around(call, ctx)) or any(_mentions_password(a, ctx) for a in ctx.arguments(call)):
        return True
    parent = call.parent
    if parent is not None and parent.type == "method_invocation" and _mentions_password(parent, ctx):
        return True  # Hashing.sha256().hashString(password, UTF_8)
    func = method_of(call)
    if func is None:
        return False
    for node in walk(func):
        if node.type != "method_invocation" or method(node, ctx) not in ("digest", "update"):
            continue
        if any(_mentions_password(a, ctx) for a in ctx.arguments(node)):
            return True
        if method(node, ctx) == "digest" and _names_password(names_around(node, ctx)[:-1]):
            return True  # byte[] passwordHash = md.digest(...)
    return False


def _security_context(call: Node, ctx: TSContext) -> bool:
    return any(w in _SECURITY for n in names_around(call, ctx) for w in words(n))


def _digest_algorithm(call: Node, ctx: TSContext) -> str | None:
    """ "MD5" for MessageDigest.getInstance("MD5") / DigestUtils.md5Hex(..), None for other calls."""
    name = ctx.call_name(call)
    if name.endswith("MessageDigest.getInstance"):
        args = ctx.arguments(call)
        return (constant(args[0], ctx) or "?").upper() if args else None
    if _DIGEST_HELPERS.match(name):
        algo = re.sub(r"(?:DIGESTASHEX|DIGEST|HEX)$", "", method(call, ctx).upper())
        return "SHA1" if algo == "SHA" else algo
    return None


def _helper_digest(call: Node, ctx: TSContext) -> tuple[str, Node] | None:
    """(algorithm, the digest call inside) when ``call`` runs a helper of this class that digests one of its
    parameters with a fast hash: ``sha256Hex(body.password())`` over ``MessageDigest.getInstance("SHA-256")``."""
    helper = called_method(call, ctx)
    if helper is None:
        return None
    params = helper.child_by_field_name("parameters")
    names = {ctx.text(p.child_by_field_name("name")) for p in params.named_children} if params is not None else set()
    found: tuple[str, Node] | None = None
    digests_parameter = False
    for node in walk(helper):
        if node.type != "method_invocation":
            continue
        algorithm = _digest_algorithm(node, ctx)
        if algorithm is not None and found is None:
            found = (algorithm, node)
        if algorithm is not None or method(node, ctx) in ("digest", "update"):
            used = {ctx.text(n) for a in ctx.arguments(node) for n in walk(a) if n.type == "identifier"}
            digests_parameter = digests_parameter or bool(used & names)
    return found if digests_parameter else None


def _password_helper(func: Node | None, ctx: TSContext) -> bool:
    """A generic digest helper (``sha256Hex(value)``) that this file only ever calls with a password or PIN: the
    fast hash is chosen inside it, so that is where it is reported."""
    if func is None or func.type != "method_declaration":
        return False
    sites = call_sites(func, ctx)
    return bool(sites) and all(_helper_digest(site, ctx) is not None and _password_digest(site, ctx) for site in sites)


def _stored_password(node: Node, ctx: TSContext) -> bool:
    """``user.getPassword()`` / ``rs.getString("password")``: a password read back from storage."""
    text = ctx.compact(node)
    if node.type != "method_invocation":
        return False
    obj = receiver(node)
    owner = words(ctx.text(obj).split(".")[0]) if obj is not None else []
    if any(w in _FORM_OWNERS for w in owner) or _hashed(node, ctx):
        return False
    if method(node, ctx) == "getPassword" and obj is not None:
        return True
    return re.fullmatch(r'.*\.getString\("(?:password|passwd|pwd|pass|user_password)"\)', text) is not None


@ts_rule(
    id="JAVA-HASH-001",
    title="Password stored or hashed without a password hashing function",
    cwe=(916, 256),
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    languages=("java",),
    query=calls(
        r"^(getInstance|setPassword|setPasswd|setPwd|setString|equals|equalsIgnoreCase|md[25]\\w*|sha\\w*"
        r"|\\w*(?:[Hh]ash|[Dd]igest)\\w*)$"
    ),
    why="""Assistants hash passwords with MessageDigest MD5/SHA-1/SHA-256 (often unsalted), or store and compare
    them as plain text (user.setPassword(request.getParameter("password")), stored.equals(password)). Anyone who
    gets the table — SQL injection, a backup, a log — recovers most passwords in hours with GPU cracking or
    rainbow tables, and users reuse them elsewhere.""",
    fix="""Use Spring Security's BCryptPasswordEncoder / Argon2PasswordEncoder (or DelegatingPasswordEncoder):
    store encoder.encode(raw) and check with encoder.matches(raw, stored).""",
)
def java_password_hash(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    call: Node = captures["call"][0]
    name = method(call, ctx)
    args = ctx.arguments(call)
    algorithm = _digest_algorithm(call, ctx)
    if algorithm is not None:
        if _password_digest(call, ctx) or _password_helper(method_of(call), ctx):
            yield ctx.hit(call, f"password hashed with a fast digest ({algorithm}); use BCrypt or Argon2")
        return
    helper = _helper_digest(call, ctx)
    if helper is not None:
        # a helper that is itself about passwords (by its names or its callers) is reported inside, once
        inside = _password_digest(helper[1], ctx) or _password_helper(method_of(helper[1]), ctx)
        if _password_digest(call, ctx) and not inside:
            yield ctx.hit(call, f"password hashed by {name}(), a fast digest ({helper[0]}); use BCrypt or Argon2")
        return
    if name in ("setPassword", "setPasswd", "setPwd") and len(args) == 1:
        obj = receiver(call)
        if obj is not None and _CONFIG_OWNERS.search(ctx.text(obj)):
            return
        value = args[0]
        if ctx.tainted(value) is not None and _mentions_password(value, ctx) and not _hashed(value, ctx):
            yield ctx.hit(call, "password from the request stored without hashing; store encoder.encode(raw)")
    elif name == "setString" and len(args) == 2:
        value = args[1]
        plain = value.type == "identifier" and not _hashed(value, ctx)
        if plain and _mentions_password(value, ctx) and ctx.tainted(value) is not None:
            yield ctx.hit(call, "password from the request written to SQL in plain text; store a BCrypt hash")
    elif name in ("equals", "equalsIgnoreCase") and len(args) == 1:
        obj = receiver(call)
        if obj is None:
            return
        pair = (obj, args[0])
        for stored, other in (pair, pair[::-1]):
            if _stored_password(stored, ctx) and _mentions_password(other, ctx) and not _hashed(other, ctx):
                yield ctx.hit(call, "passwords compared as plain text; store a BCrypt hash and use encoder.matches()")
                return


def _weak_cipher(algorithm: str) -> str | None:
    upper = algorithm.upper().replace(" ", "")
    parts = upper.split("/")
    base = parts[0]
    if _WEAK_CIPHERS.match(base):
        return f"{algorithm} is a broken or 64-bit-block cipher"
    if base.startswith("RSA") and len(parts) > 2 and parts[2] == "NOPADDING":
        return f"{algorithm} is textbook RSA: deterministic and malleable"
    if base.startswith(("RSA", "EC")):
        return None
    if len(parts) > 1 and parts[1] == "ECB":
        return f"{algorithm} uses ECB mode, which leaks patterns of the plaintext"
    if len(parts) == 1 and base.startswith("AES"):
        return f'"{algorithm}" defaults to AES/ECB/PKCS5Padding'
    return None


@ts_rule(
    id="JAVA-CRYPTO-001",
    title="Weak cipher, cipher mode or signature algorithm",
    cwe=327,
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    languages=("java",),
    query=calls(r"^getInstance$"),
    why="""Assistants reach for Cipher.getInstance("DES"), "DESede", "RC4", "AES/ECB/PKCS5Padding" or plain "AES"
    (which silently means ECB), textbook "RSA/ECB/NoPadding", and SHA1withRSA signatures. DES falls to brute force,
    RC4 and 3DES to known attacks, ECB shows which blocks repeat and lets an attacker cut and paste ciphertext, and
    SHA-1 collisions let forged data pass signature checks. (MD5/SHA-1 digests of data are JAVA-HASH-002.)""",
    fix="""Use AES/GCM/NoPadding with a random 12-byte IV per message (or ChaCha20-Poly1305), SHA256withRSA/ECDSA
    for signatures, and HMAC-SHA256 for message authentication.""",
)
def java_weak_crypto(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    call: Node = captures["call"][0]
    name = ctx.call_name(call).rsplit(".", 2)
    owner = name[-2] if len(name) >= 2 else ""
    args = ctx.arguments(call)
    algorithm = constant(args[0], ctx) if args else None
    if owner in ("Cipher", "KeyGenerator", "SecretKeyFactory") and algorithm is not None:
        reason = _weak_cipher(algorithm) if owner == "Cipher" or _WEAK_CIPHERS.match(algorithm.upper()) else None
        if reason is not None:
            yield ctx.hit(call, f"{owner}.getInstance: {reason}; use AES/GCM/NoPadding")
    elif owner == "Signature" and algorithm is not None and re.match(r"(?i)(?:MD[245]|SHA1?)with", algorithm):
        yield ctx.hit(call, f"signature algorithm {algorithm} relies on a collision-prone digest; use SHA-256")


_NOT_SECURITY = frozenset(
    {"etag", "checksum", "checksums", "cache", "caching", "fingerprint", "dedup", "deduplicate", "shard",
     "partition", "bucket", "file", "files", "content", "body", "md5sum", "integrity"}
)  # fmt: skip


_SIGNERS = frozenset({"Signature", "Mac"})


def _signed_by_caller(func: Node | None, ctx: TSContext) -> bool:
    """A digest helper (``documentFingerprint(pdf)``) whose result a caller signs, seals or MACs: fed to a
    ``Signature``/``Mac`` (``signer.update(documentFingerprint(pdf))``) or used in a security-named place."""
    if func is None or func.type != "method_declaration":
        return False
    for site in call_sites(func, ctx):
        holder = site.parent.parent if site.parent is not None and site.parent.type == "argument_list" else None
        signer = receiver(holder) if holder is not None and holder.type == "method_invocation" else None
        if signer is not None and declared_type(signer, ctx) in _SIGNERS:
            return True
        if _security_context(site, ctx):
            return True
    return False


@ts_rule(
    id="JAVA-HASH-002",
    title="MD5 or SHA-1 digest of data",
    cwe=328,
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    languages=("java",),
    query=calls(r"^(getInstance|md[25]\\w*|sha\\w*)$"),
    why="""Assistants reach for MessageDigest.getInstance("MD5") or "SHA-1" (DigestUtils.md5Hex, sha1Hex) to make
    tokens and signatures (md5Hex(secret + payload)) or to hash values they store or compare later: identifiers,
    secrets from a form. Both digests have practical collisions and are fast enough to brute-force short inputs,
    so a stored digest can be reversed, a token predicted, or different data made to match a signature.""",
    fix="""Use SHA-256 or SHA-3 for digests (MessageDigest.getInstance("SHA-256")), HMAC-SHA256 with a server key
    when the digest authenticates data, and BCrypt/Argon2 for passwords. Name helpers that only compute an ETag or
    a file checksum accordingly.""",
)
def java_weak_digest(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    call: Node = captures["call"][0]
    digest = _digest_algorithm(call, ctx)
    if digest is None or digest.replace("-", "") not in {d.replace("-", "") for d in _WEAK_DIGESTS}:
        return
    if _password_digest(call, ctx):
        return  # JAVA-HASH-001 reports passwords
    if _security_context(call, ctx) or _signed_by_caller(method_of(call), ctx):
        message = f"{digest} used for a token or signature; use HMAC-SHA256 or SecureRandom tokens"
        yield ctx.hit(call, message, confidence=Confidence.HIGH)
        return
    if any(w in _NOT_SECURITY for n in names_around(call, ctx) for w in words(n)):
        return
    yield ctx.hit(call, f"{digest} digest: collisions are practical; use SHA-256")
