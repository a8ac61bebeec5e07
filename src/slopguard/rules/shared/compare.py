"""Which compared values are secrets, for the timing-unsafe comparison rules of the tree-sitter packs (Go, Rust):
tokens, signatures, API keys, password hashes and one-time codes, not lexer tokens or page cursors."""

from __future__ import annotations

import re

from slopguard.rules.shared.names import (
    OTHER_TOKENS,
    SECRET_ENDINGS,
    SECRET_WORDS,
    SecretNames,
    names_secret,
    words,
)

COMPARED_SECRETS = SecretNames(
    endings=SECRET_ENDINGS,
    words=SECRET_WORDS | {"sig"},
    last_words=frozenset({"digest", "mac"}),
    other_tokens=OTHER_TOKENS | {"kind", "type", "count", "len", "length", "expiry", "expires", "status", "ttl"},
    code_qualifiers=frozenset({"otp", "verification", "verify", "reset", "mfa", "auth", "login", "invite"}),
)
# A second value typed to confirm the first (password vs confirmPassword) is a form check, not a secret check.
CONFIRMATION = re.compile(r"(?i)confirm|repeat|again|retype|^old|previous|^new")


# Keys handed to clients to authenticate with (``X-SDK-Key``, ``clientKey``, ``ingest_keys[env]``).
_ISSUED_KEY = re.compile(r"(?:sdk|client|app|service|admin|master|ingest|license|webhook|deploy|server)keys?$")


def compared_secret(name: str | None) -> bool:
    """Whether a compared value's name says it is a secret checked for authentication."""
    if not name or CONFIRMATION.search(name):
        return False
    return names_secret(name, COMPARED_SECRETS) or bool(_ISSUED_KEY.search("".join(words(name))))


# ``stored_hash == computed``: a hash is a secret to compare in constant time when it stands for a password, a
# token or a signature, which the code around it says (the function verifies a password, a login, a token).
_HASHED = re.compile(r"(?i)(?:^|_)(?:hash|hashed|digest)$|[a-z](?:Hash|Hashed)$")
_CREDENTIAL_CONTEXT = re.compile(r"(?i)passw|passwd|\bpwd\b|credential|login|token|signature|hmac|api_?key|secret")


def compared_credential_hash(name: str | None, around: str) -> bool:
    """Whether a compared value named like a hash (``stored_hash``, ``passwordHash``) is the hash of a credential:
    ``around`` (the enclosing function's text) speaks of passwords, tokens, signatures or logins."""
    return bool(name) and bool(_HASHED.search(name or "")) and bool(_CREDENTIAL_CONTEXT.search(around))
