"""How names in code read, for the crypto, randomness and secrets rules of every language: the words of an
identifier, password words, and last words that make a name metadata about a secret rather than the secret."""

from __future__ import annotations

import re
from dataclasses import dataclass

_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")


def words(name: str) -> list[str]:
    """``DB_PASSWORD`` -> [db, password]; ``apiKey`` -> [api, key]; ``X-Hub-Signature`` -> [x, hub, signature]."""
    return [w.lower() for w in _WORD.findall(name)]


def is_password_word(word: str) -> bool:
    return "passw" in word or "passphrase" in word or word in ("pwd", "pw", "pass", "pword", "pwhash")


# The last word of a name that says the value is metadata about a secret, not the secret (token_type, key_id).
NOT_SENSITIVE_LAST = frozenset(
    {
        "alg", "algorithm", "audience", "changed", "class", "col", "contents", "count", "email", "enabled", "end",
        "exp", "expired", "expires", "expiry", "field", "file", "format", "header", "headers", "hint", "id", "idx",
        "index", "issuer", "key", "kind", "label", "len", "length", "line", "lineno", "method", "mode", "name", "path",
        "policy", "pos", "position", "prefix", "required", "row", "scheme", "scope", "sent", "set", "size", "source",
        "start", "state", "status", "string", "suffix", "text", "type", "types", "uri", "url", "used", "user", "valid",
        "value", "version"
    }
)  # fmt: skip

# What names a secret compared for authentication, in every language's code: a word ending so, or one of these
# words; tokens that are not credentials (caches, pagination, lexers, cancellation).
SECRET_ENDINGS = ("token", "signature", "hmac", "apikey", "secret", "password", "passwd", "passphrase")
SECRET_WORDS = frozenset({"mac", "otp", "totp", "hotp", "pwd", "pw", "pin", "passcode"})
OTHER_TOKENS = frozenset(
    {"cache", "page", "next", "continuation", "cursor", "sync", "lexer", "parser", "error", "eof", "last", "prev",
     "previous", "first", "sentinel", "cancel", "cancellation", "signal", "boundary", "meta", "file", "content",
     "etag", "checksum", "start", "end", "delim", "i", "j", "k", "n", "idx", "index", "pos"}
)  # fmt: skip
_KEY_NAME = re.compile(r"(?:api|secret|private|access|signing|auth)key$")


@dataclass(frozen=True, slots=True)
class SecretNames:
    """The words that make a compared value a secret, as one language's code names them."""

    endings: tuple[str, ...]  # a word ending so: token, signature, apikey
    words: frozenset[str]  # a word that is one of these: otp, pin, pwd
    last_words: frozenset[str]  # the name's last word is one of these
    other_tokens: frozenset[str]  # a word that makes the name something else: cache, cursor, lexer
    code_qualifiers: frozenset[str]  # a word that makes a 'code' a one-time code: otp, verification


def names_secret(name: str | None, vocabulary: SecretNames) -> bool:
    """Whether ``name`` names a secret compared for authentication: token, signature, apiKey, password, otp code."""
    ws = words(name or "")
    if _KEY_NAME.search("".join(ws)):
        return True
    if not ws or ws[-1] in NOT_SENSITIVE_LAST or ws[-1].isdigit():
        return False
    if any(w in vocabulary.other_tokens or w.startswith("signal") for w in ws):
        return False
    if ws[-1] in vocabulary.last_words or any(
        w.endswith(vocabulary.endings) or w in vocabulary.words or (w != "pass" and is_password_word(w)) for w in ws
    ):
        return True
    return "code" in ws and any(w in vocabulary.code_qualifiers for w in ws)


# Words that name the stored or expected side of a check: the secret a submitted value is compared with.
STORED_WORDS = frozenset(
    {"stored", "expected", "saved", "hashed", "hash", "db", "actual", "correct", "real", "known", "current",
     "existing", "server", "secret", "master", "admin", "env", "config", "settings", "valid", "right", "reference",
     "user", "account", "record", "original"}
)  # fmt: skip


def two_entries(a: str | None, b: str | None) -> bool:
    """``password`` and ``cpassword``, ``newPassword`` and ``rpassword``: two entries of one password field (a
    password and its confirmation), neither named as the stored or expected value. Comparing them is a form
    check, not a secret compared with a guess."""
    wa, wb = words(a or ""), words(b or "")
    if not wa or not wb or wa == wb or any(w in STORED_WORDS for w in (*wa, *wb)):
        return False
    return any(is_password_word(w) for w in wa) and any(is_password_word(w) for w in wb)
