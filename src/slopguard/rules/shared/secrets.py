"""Whether a name reads as a secret and whether a literal under it is one, for the hard-coded secret rules of
every language (known token formats are SEC-TOKEN-001's, see ``slopguard.core.secrets``)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from tree_sitter import Node

from slopguard.core.finding import Confidence
from slopguard.core.secrets import (
    PLACEHOLDER,
    URL_CREDENTIALS,
    char_classes,
    find_tokens,
    shannon_entropy,
    templated_url_password,
)
from slopguard.engine.hit import Hit
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.shared.names import is_password_word, words

_SECRETISH = re.compile(r"(?i)pass|pw|secret|token|key|auth|cred|pepper|psk|salt")
_NOT_SECRET = frozenset(
    {"url", "urls", "uri", "endpoint", "path", "file", "filename", "dir", "directory", "field", "fields", "name",
     "names", "label", "type", "types", "header", "headers", "prefix", "suffix", "length", "len", "size", "min",
     "max", "hint", "policy", "regex", "re", "pattern", "message", "msg", "error", "errors", "reason", "help",
     "placeholder", "env", "var", "variable", "param", "parameter", "id", "ids", "template", "expires", "expiry",
     "expiration", "ttl", "timeout", "lifetime", "age", "algorithm", "algorithms", "alg", "scheme", "location",
     "format", "version", "class", "backend", "backends", "mode", "count", "hash", "hashed", "hasher", "hashers",
     "required", "enabled", "strength", "validator", "validators", "widget", "form", "view", "route", "attr",
     "column", "display", "title", "description", "chars", "charset", "alphabet", "bits", "bytes", "source",
     "method", "methods", "kind", "status", "link", "redirect", "callback", "scope", "scopes", "grant", "audience",
     "issuer", "storage", "question", "text", "example", "char", "keys", "index", "tokens", "secrets",
     "passwords", "handler", "manager", "provider", "dummy", "mask", "end", "start", "begin", "rx", "allow",
     "control", "masked", "public", "publishable", "pub", "identity"}
)  # fmt: skip
# Words that make a name something other than the secret only as its last word: TOKEN_STORAGE, SECRET_PROVIDER
# name where a secret is kept, but STORAGE_SECRET_KEY and kProviderApiKey are the secrets of that storage/provider.
_NOT_SECRET_LAST = frozenset({"storage", "provider", "backend", "manager", "handler", "source"})
_KEY_OWNERS = frozenset(
    {"api", "secret", "private", "access", "signing", "encryption", "master", "auth", "app", "client", "jwt",
     "webhook", "hmac", "sign", "crypt", "fernet", "aes", "license", "consumer", "subscription", "service",
     "preshared"}
)  # fmt: skip
_ORDINARY_KEYS = frozenset(
    {"cache", "sort", "primary", "foreign", "lookup", "dict", "redis", "s3", "object", "bucket", "partition",
     "idempotency", "translation", "i18n", "public", "pub", "map", "group", "hash", "index", "row", "column", "join",
     "natural", "composite", "unique", "storage", "session", "setting", "settings", "config", "env", "context",
     "state", "cursor", "order", "dedup", "routing", "shard", "metric", "event", "message", "attr", "prefix",
     "registry"}
)  # fmt: skip
_PATHISH = re.compile(r"[\s{}\\]|^[\w.-]+(?:/[\w.-]+)+$|^[A-Za-z_]\w*(?:[.:][A-Za-z_]\w*)+$")  # or a dotted name
_OWN_SECRETS = re.compile(r"secret_?key|signing|jwt|webhook|session_secret|cookie_secret|fernet|hmac|encryption")
_TEMPLATE = re.compile(r"<[^>]*>|\$\{[^}]*\}|\{\{.*\}\}|%\(\w+\)s|^\{\w*\}$|^\$[A-Za-z_]\w*$|^[xX*.#?-]+$|\.\.\.|…")
_FILL_IN = re.compile(
    r"(?i)^(?:your|my|insert|enter|put|add|replace|set)[\W_]|^(?:your|my)(?:pass|secret|token|key|api)"
    r"|[\W_](?:here|goes)$|^(?:todo|tbd|fixme|none|null|nil|undefined|n/?a|dummy|placeholder|example|sample"
    r"|redacted|fake|not[\W_]?set|unset|notasecret)$"
)
_WEAK = re.compile(
    r"(?i)change[\W_]?(?:me|it|this)|secret|passw|p@ss|insecure|default|^(?:admin|root|toor|guest|dev|test|demo"
    r"|development|testing|letmein|qwerty|s3cr3t)\d*$|12345"
)
_PUBLIC_OR_TEST = re.compile(r"(?:pk|sk|rk)_test_|pk_live_")  # Stripe test and publishable keys
_APP_PASSWORD = re.compile(r"^[a-z]{4}(?: [a-z]{4}){3}$")  # Google app passwords: 'abcd efgh ijkl mnop'
_ENV_NAME = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$")
_HEADER_NAME = re.compile(r"(?i)^(?:x-[\w-]+|authorization|proxy-authorization|cookie|set-cookie)$")
_FILE_EXT = re.compile(r"(?i)\.(?:pem|key|crt|cer|der|p12|pfx|json|txt|env|ya?ml|cfg|ini|conf|jks|gpg|asc)$")
_BENIGN_VALUES = frozenset(
    {"bearer", "basic", "digest", "jwt", "oauth", "oauth2", "hmac", "hs256", "rs256", "true", "false", "yes", "no",
     "none", "null", "on", "off", "required", "optional", "hidden", "text", "string"}
)  # fmt: skip
_REGEX = re.compile(r"^\(\?|^\^|\\[sdwbSDWB]|\[\^?[^\]]+\][*+?{]")


# "pass" as the verb: pass_arg, passthrough, pass_count, pass_context: a value passed on, not a password.
_PASSED_ON = frozenset(
    {
        "arg",
        "args",
        "argument",
        "arguments",
        "through",
        "thru",
        "by",
        "count",
        "context",
        "env",
        "environment",
        "eval",
        "mode",
        "rate",
        "fail",
        "filter",
        "along",
        "on",
        "value",
        "values",
    }
)


def _pass_as_verb(ws: list[str], index: int) -> bool:
    return ws[index] == "pass" and index + 1 < len(ws) and ws[index + 1] in _PASSED_ON


# A digest of a credential: ADMIN_MD5, ROOT_PW_SHA256, PIN_HASH, hashed_password. Not of a file or a release.
_DIGEST_WORDS = frozenset({"md5", "sha1", "sha224", "sha256", "sha384", "sha512", "hash", "hashed", "digest",
                           "bcrypt", "scrypt", "argon2", "pbkdf2", "crypt"})  # fmt: skip
_CREDENTIAL_OWNERS = frozenset({"admin", "administrator", "root", "master", "superuser", "pin", "passcode", "login",
                                "credential", "credentials", "operator", "su"})  # fmt: skip
_HEX_DIGEST = re.compile(r"[0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{56}|[0-9a-f]{64}|[0-9a-f]{96}|[0-9a-f]{128}", re.I)
_CRYPT_DIGEST = re.compile(
    r"\$(?:2[abxy]?|1|5|6|y|7|argon2(?:id|i|d)|scrypt)\$[./A-Za-z0-9$=,+-]{20,}|pbkdf2[_:$]\S{20,}"
)
# What else a digest is taken of, or a setting of the hashing: FIRMWARE_SHA256, PASSWORD_HASH_ROUNDS.
_ARTIFACTS = frozenset({"firmware", "bundle", "release", "installer", "tarball", "archive", "image", "binary",
                        "package", "build", "commit", "content", "body", "payload", "asset", "script", "download",
                        "zip", "iso", "checksum", "integrity", "blob", "chunk", "block", "cache", "etag", "salt",
                        "algo", "rounds", "cost", "iterations", "function", "func", "fn", "config",
                        "settings"})  # fmt: skip
# Things that are signed or encrypted: LINK_KEY, DOWNLOAD_URL_SECRET are that thing's key, not a URL or a link.
_SIGNED_THINGS = frozenset({"link", "links", "url", "urls", "uri", "redirect", "callback", "file", "cookie"})


def _credential_digest(ws: list[str]) -> bool:
    """ADMIN_MD5, admin_password_hash, hashed_pin: a name ending in (or led by) a digest word with a credential
    word beside it; FIRMWARE_SHA256, PASSWORD_HASH_ALGORITHM are not."""
    for i in range(len(ws) - 2, -1, -1):  # ADMIN_MD5 reads as admin, md, 5
        if ws[i + 1].isdigit() and ws[i] + ws[i + 1] in _DIGEST_WORDS:
            ws = [*ws[:i], ws[i] + ws[i + 1], *ws[i + 2 :]]
    if len(ws) < 2 or not (ws[-1] in _DIGEST_WORDS or ws[0] in _DIGEST_WORDS):
        return False
    rest = [w for w in ws if w not in _DIGEST_WORDS]
    credential = any(w in _CREDENTIAL_OWNERS or is_password_word(w) for w in rest)
    return credential and not any(w in _ARTIFACTS or w in _NOT_SECRET for w in rest)


def secret_kind(name: str) -> str | None:
    """'password', 'token', 'key' (external credentials), 'own' (the app's own signing secrets), 'random' (a secret
    only when the value looks random) or 'digest' (a credential's hash), else None."""
    ws = words(name)
    if _credential_digest(ws):
        return "digest"
    if not _SECRETISH.search(name):
        return None
    if ws and ws[-1] in ("key", "secret") and all(w in _SIGNED_THINGS for w in ws[:-1] if w in _NOT_SECRET):
        ws = [w for w in ws if w not in _SIGNED_THINGS]  # LINK_KEY, kLinkKey: the key links are signed with
        if ws == ["key"]:
            return "random"
    if not ws or ws[-1] in _NOT_SECRET_LAST or any(w in _NOT_SECRET and w not in _NOT_SECRET_LAST for w in ws):
        return None
    joined = "_".join(ws)
    if any(w.endswith("pepper") for w in ws):
        return "own"  # PASSWORD_PEPPER: a server-wide secret mixed into every password hash
    if ws[-1] == "psk" or "pre_shared_key" in joined:
        return "key"  # a pre-shared key (DEVICE_PSK, WIFI_PSK)
    if ws[-1] == "key" and len(ws) > 1 and any(is_password_word(w) or w == "token" for w in ws[:-1]):
        return None  # PASSWORD_KEY / TOKEN_KEY: the name of a key, not a key
    if _OWN_SECRETS.search(joined) and ("secret" in joined or "key" in ws or ws[-1].endswith("key")):
        return "own"
    if any(is_password_word(w) and not _pass_as_verb(ws, i) for i, w in enumerate(ws)):
        return "password"
    if any(w.endswith("secret") for w in ws):
        return "own" if joined in ("secret", "app_secret") else "key"
    if any(w.endswith("token") for w in ws) or joined == "authorization":
        return "token"
    if any(w.endswith(("apikey", "secretkey", "privatekey", "accesskey")) for w in ws):
        return "key"
    if "key" in ws[1:] and ws[ws.index("key", 1) - 1] in _KEY_OWNERS:
        return "key"
    if ws[-1] in ("credential", "credentials", "creds"):
        return "password"
    if (ws[-1] == "key" and not set(ws) & _ORDINARY_KEYS) or ws[-1] == "salt":
        return "random"  # PII_KEY = b"...", SIGNING_SALT: a secret only when the value looks random
    return None


# Values fixed by a published standard, the same in every program: RFC 6455's WebSocket accept GUID.
_PUBLISHED_CONSTANTS = frozenset({"258eafa5-e914-47da-95ca-c5ab0dc85b11"})


def _echoes(value: str, name: str) -> bool:
    """The value is an identifier spelling the last words of its own name: a field or parameter name mapped to a
    header or setting (``"X-Amz-Server-Side-Encryption-Customer-Key": "SSECustomerKey"``), not a secret."""
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*", value) or not re.search(r"[a-z][A-Z]|_", value):
        return False
    words = [w.lower() for w in re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+", name)]
    return len(words) >= 2 and re.sub(r"_", "", value.lower()).endswith("".join(words[-2:]))


# The public half of a key pair, named like a key: an access key id (S3, MinIO), an OAuth consumer key.
_KEY_ID_NAME = re.compile(r"(?:^|_)(?:access|consumer)_key$")
_READABLE = re.compile(r"[A-Za-z]+(?:[-_.][A-Za-z]+)*(?:[-_.]?\d{1,4})?")  # words: podcast-ingest, svc_reports2


def names_key_id(name: str, value: str) -> bool:
    """``access_key = "reports-uploader"``: a name of the public half of a key pair holding readable words."""
    return bool(_KEY_ID_NAME.search("_".join(words(name)))) and _READABLE.fullmatch(value.strip()) is not None


def grade_secret(kind: str, name: str, value: str, constant_target: bool) -> Confidence | None:
    """None when the value is not a secret; else how sure we are that it is one."""
    text = value.strip()
    if kind == "digest":
        shaped = _HEX_DIGEST.fullmatch(text) or _CRYPT_DIGEST.fullmatch(text)
        return Confidence.HIGH if shaped and not re.search(r"(.)\1{7,}", text) else None
    if kind == "key" and names_key_id(name, text):
        return None  # access_key = "reports-uploader": the key's name (its public half), not the key
    if kind == "token" and text.split(" ", 1)[0].lower() in ("bearer", "basic", "token") and " " in text:
        text = text.split(" ", 1)[1].strip()
    if len(text) < (3 if kind == "own" else 4) or _TEMPLATE.search(text) or _PUBLIC_OR_TEST.match(text):
        return None
    lowered = text.lower()
    core = re.sub(r"[\W_]", "", lowered)
    if not core or set(core) <= {"x"} or _REGEX.search(text):
        return None  # masks (':****', 'xxxx') and regular expressions
    if "://" in text or text.startswith(("/", "./", "../", "~/")) or _FILE_EXT.search(text) or "\n" in text:
        return None
    prose = kind != "own" and len(text.split()) >= 3 and not _APP_PASSWORD.match(text)
    if prose or _ENV_NAME.match(text) or _HEADER_NAME.match(text) or lowered in _BENIGN_VALUES:
        return None
    plain = re.sub(r"[\W_]", "", lowered)
    named = re.sub(r"[\W_]", "", name.lower())
    if plain in (named, named + "s", named + "es") or named in (plain + "s", plain + "es"):
        return None  # PASSWORD = "password", API_KEY = "api_key", {"secret": "secrets"}: a label or its plural
    if _echoes(text, name) or lowered in _PUBLISHED_CONSTANTS:
        return None
    if text.isupper() and secret_kind(text):
        return None
    label = re.fullmatch(r"_*[a-z]+(?:[_\-.][a-z]+)*", text) is not None
    if kind in ("password", "token") and constant_target and label and secret_kind(text) is not None:
        return None  # PASSWORD_PARAM-style constants: TOKEN = "access_token"
    entropy = shannon_entropy(text)
    if kind == "random":
        random_looking = len(text) >= 16 and entropy >= 3.5 and char_classes(text) >= 2 and not _PATHISH.search(text)
        return Confidence.MEDIUM if random_looking else None
    if kind == "token" and (len(text) < 12 or entropy < 3.0):
        return None  # parsers call their lexemes tokens; real tokens are long and random
    if _FILL_IN.search(text):
        return Confidence.MEDIUM if kind == "own" else None
    if _WEAK.match(text):
        return Confidence.HIGH if kind == "own" else Confidence.MEDIUM
    if kind == "own" or (len(text) >= 16 and entropy >= 3.5) or (len(text) >= 10 and entropy >= 3.0):
        return Confidence.HIGH
    return Confidence.MEDIUM if len(text) >= 6 else Confidence.LOW


def secret_noun(kind: str) -> str:
    """How a finding names what was hard-coded: 'password', 'password hash' or 'secret'."""
    return {"password": "password", "digest": "password hash"}.get(kind, "secret")


def could_hold_url_password(text: str) -> bool:
    """A cheap test that ``text`` may be a ``scheme://user:password@host`` literal (see :func:`url_password`)."""
    return "://" in text and "@" in text


def url_password(text: str) -> str | None:
    """The password of a ``scheme://user:password@host`` literal that is a real one, whatever the literal is
    called. SEC-TOKEN-001 reports URL logins unless they read as documentation (an example host or a line that
    says "e.g."); in code, a random password is a credential all the same: postgres://app:Vx93kLq2Tz@db.example.
    Template slots, documented defaults (user:password@localhost) and words (changeme, s3cret) are not."""
    if not could_hold_url_password(text):
        return None
    for match in URL_CREDENTIALS.finditer(text):
        password = match.group("password")
        if templated_url_password(match) or _TEMPLATE.search(password) or PLACEHOLDER.search(password):
            continue
        if _FILL_IN.search(password) or _WEAK.search(password):
            continue
        if len(password) >= 10 and shannon_entropy(password) >= 3.0 and char_classes(password) >= 2:
            return password
    return None


def url_message(how: str, name: str) -> str:
    """The finding's message for a password written into a URL literal."""
    return f"hard-coded password in the URL {how} '{name}'; read it from the environment or a secret store"


def compared_secret(
    ctx: TSContext, node: Node, left: Node, right: Node, literal: Callable[[TSContext, Node | None], str | None]
) -> Iterator[Hit]:
    """``password == "hunter2"`` (either side): a secret-named value checked against a literal is a hard-coded
    secret; ``literal`` reads the language's string literals."""
    if literal(ctx, left) is not None:
        left, right = right, left
    name = ctx.text(left).rsplit(".", 1)[-1]
    if secret_kind(name) in ("password", "own", "key"):
        yield from literal_secret(ctx, name, literal(ctx, right), right, node, "compared with", False)


def literal_secret(
    ctx: TSContext, name: str, text: str | None, value: Node | None, at: Node, how: str, constant: bool
) -> Iterator[Hit]:
    """A hit when the literal ``text`` (the string value of ``value``) stored under ``name`` is a secret; known token
    formats are SEC-TOKEN-001's. ``how`` says how it is stored ("assigned to", "passed as")."""
    if text is None or value is None:
        return
    kind = secret_kind(name)
    if kind is None and not could_hold_url_password(text):
        return  # the common case, decided before the token search: under other names only a URL login counts
    if find_tokens(text) or find_tokens(ctx.text(value)):
        return
    confidence = grade_secret(kind, name, text, constant) if kind is not None else None
    if kind is None or confidence is None:
        password = url_password(text)
        if password is not None:
            yield ctx.hit(at, url_message(how, name), confidence=Confidence.HIGH, secrets=(password,))
        return
    message = f"hard-coded {secret_noun(kind)} {how} '{name}'; read it from the environment or a secret store"
    yield ctx.hit(at, message, confidence=confidence, secrets=(text,))


# An environment variable (or system property) read, in any language; group 1 is its name where written out.
_ENV_READ = re.compile(
    r"(?:\bos\.(?:Getenv|LookupEnv|getenv|environ\.get)|\b(?:std::)?(?:secure_)?getenv|\bSystem\.(?:getenv|getProperty)"
    r"|\b(?:std::)?env::var(?:_os)?|\boption_env!|\bdotenvy?::var|\bDeno\.env\.get)\s*\(\s*[\"'`]([A-Za-z_][\w.-]*)"
    r"|\b(?:os\.environ|process\.env)(?:\[\s*[\"'`]|\.)([A-Za-z_][\w.-]*)"
)
# Helpers that read a variable with a default: getEnv("JWT_SECRET", "dev"), envOr(..), GetEnvDefault(..).
_ENV_HELPER = re.compile(
    r"(?:get|read|load|lookup|must|mustget|fetch)?(?:os)?env(?:iron(?:ment)?)?(?:var(?:iable)?)?"
    r"(?:or|default|ordefault|orelse|withdefault|fallback|str|string)?"
)


def env_read(text: str) -> str | None:
    """The name of the environment variable (or system property) ``text`` reads: ``os.Getenv("JWT_SECRET")``,
    ``env::var("API_KEY")``, ``process.env.TOKEN`` -> that name; None when it reads none."""
    match = _ENV_READ.search(text)
    return (match.group(1) or match.group(2)) if match else None


def env_helper(callee: str) -> bool:
    """``getEnv``, ``envOr``, ``get_env_or_default``: a helper named for reading a variable with a default (the
    last word of a dotted or ``::`` path)."""
    last = re.split(r"[.:]", callee)[-1]
    return bool(last) and _ENV_HELPER.fullmatch(last.lower().replace("_", "")) is not None


def fallback_name(variable: str | None, declared: str | None) -> str | None:
    """The name a literal fallback is judged under: the variable read when it names a secret (PAYMENT_SECRET),
    else the name the result is stored under (``jwtKey := cmp.Or(os.Getenv("K"), "..")``)."""
    if variable and secret_kind(variable) is not None:
        return variable
    return declared or variable
