"""JWT handling for the authentication checks: read a token, forge 'alg: none' and expired copies, break a
signature, and try a short word list of default HMAC keys offline (no request is spent on guessing)."""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import itertools
import json
import re
import time
from dataclasses import dataclass
from typing import Any

_JWT = re.compile(r"(eyJ[A-Za-z0-9_-]+)\.(eyJ[A-Za-z0-9_-]+)\.([A-Za-z0-9_-]*)")
_HASHES = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}
# Keys that tutorials, framework docs and assistants put in code; combined below into the usual phrases.
_WORDS = ("secret", "key", "jwt", "token", "dev", "change", "me", "this", "my", "your", "super", "app", "flask",
          "django", "test", "default", "prod", "development", "signing", "auth", "insecure", "password")  # fmt: skip
_PHRASES = ("changeme", "change-me", "change_me", "secret", "secretkey", "supersecret", "password", "123456",
            "qwerty", "admin", "s3cr3t", "keyboard cat", "your-256-bit-secret", "your-secret-key-change-in-production",
            "your-secret-key-here", "change-this-secret", "change-this-in-production", "replace-me", "not-so-secret",
            "my-super-secret-key", "super-secret-key-change-me", "dev-secret-change-me", "django-insecure",
            "please-change-me", "shhhhh", "hunter2", "letmein", "key")  # fmt: skip


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _b64json(segment: str) -> dict[str, Any] | None:
    try:
        value = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    return value if isinstance(value, dict) else None


@dataclass(frozen=True, slots=True)
class Jwt:
    """A JWT found in a credential header value, with the text around it kept for re-assembly."""

    prefix: str
    header: dict[str, Any]
    claims: dict[str, Any]
    signing_input: str
    signature: str
    suffix: str

    @property
    def alg(self) -> str:
        return str(self.header.get("alg", ""))

    def wrap(self, token: str) -> str:
        return self.prefix + token + self.suffix

    def with_claims(
        self, claims: dict[str, Any], header: dict[str, Any] | None = None, key: bytes | None = None
    ) -> str:
        """A copy with other claims: signed with ``key`` (HMAC, the original algorithm) or unsigned."""
        head = header if header is not None else self.header
        body = f"{b64url(json.dumps(head).encode())}.{b64url(json.dumps(claims).encode())}"
        if key is None:
            return self.wrap(body + ".")
        return self.wrap(body + "." + sign(body, key, self.alg))

    def alg_none(self, variant: str = "none") -> str:
        claims = dict(self.claims)
        if isinstance(claims.get("exp"), int | float):
            claims["exp"] = int(time.time()) + 3600
        return self.with_claims(claims, {**self.header, "alg": variant})

    def broken_signature(self) -> str:
        """The same token with its signature altered: must be rejected by anything that verifies it."""
        sig = self.signature or "AAAA"
        flipped = ("A" if sig[0] != "A" else "B") + sig[1:]
        return self.wrap(f"{self.signing_input}.{flipped}")

    def expired(self, key: bytes | None) -> str:
        claims = {**self.claims, "exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200}
        return self.with_claims(claims, key=key)


def find_jwt(value: str) -> Jwt | None:
    m = _JWT.search(value)
    if not m:
        return None
    header, claims = _b64json(m.group(1)), _b64json(m.group(2))
    if header is None or claims is None or "alg" not in header:
        return None
    signing_input = f"{m.group(1)}.{m.group(2)}"
    return Jwt(value[: m.start()], header, claims, signing_input, m.group(3), value[m.end() :])


def sign(signing_input: str, key: bytes, alg: str = "HS256") -> str:
    digest = _HASHES.get(alg, hashlib.sha256)
    return b64url(hmac.new(key, signing_input.encode(), digest).digest())


@functools.lru_cache(maxsize=1)
def _candidates() -> tuple[str, ...]:
    out = list(_PHRASES)
    for n in (1, 2, 3):
        for words in itertools.product(_WORDS, repeat=n):
            if len(set(words)) == n:
                out += ["-".join(words), "_".join(words)] if n > 1 else [words[0]]
    return tuple(dict.fromkeys(out))


def guess_key(token: Jwt) -> str | None:
    """The HMAC key, when it is one of the well-known defaults (checked offline against the signature)."""
    if token.alg not in _HASHES or not token.signature:
        return None
    return _guess(token.signing_input, token.signature, token.alg)


@functools.lru_cache(maxsize=32)
def _guess(signing_input: str, signature: str, alg: str) -> str | None:
    for word in _candidates():
        for variant in (word, word.upper()):
            if hmac.compare_digest(sign(signing_input, variant.encode(), alg), signature):
                return variant
    return None
