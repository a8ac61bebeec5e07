"""Known secret formats, entropy, and redaction: shared by the secrets rules and every reporter."""

from __future__ import annotations

import base64
import binascii
import functools
import json
import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

Validator = Callable[["re.Match[str]"], bool]


@dataclass(frozen=True, slots=True)
class TokenFormat:
    """A credential format recognisable by its shape alone.

    ``hints`` are substrings one of which every match contains (a cheap, case-sensitive pre-filter); ``group``
    names the part of the match that is the secret itself (masked and reported); ``classes`` is the minimum
    number of character classes (upper, lower, digit) a random body shows; ``critical`` marks cloud credentials
    and private keys; ``precise`` is False for shapes that also occur in harmless data (JWTs, URLs with a
    password); ``redactable`` is False where the match is a marker rather than the secret (a key's BEGIN line);
    ``validate`` checks a match further (a JWT's header decodes, a URL's password is not a doc example).
    """

    name: str
    pattern: re.Pattern[str]
    min_entropy: float = 0.0
    hints: tuple[str, ...] = ()
    group: int | str = 0
    classes: int = 0
    critical: bool = False
    precise: bool = True
    redactable: bool = True
    validate: Validator | None = None


def _fmt(
    name: str,
    regex: str,
    min_entropy: float = 0.0,
    *,
    hints: tuple[str, ...] = (),
    group: int | str = 0,
    classes: int = 0,
    critical: bool = False,
    precise: bool = True,
    redactable: bool = True,
    validate: Validator | None = None,
) -> TokenFormat:
    pattern = re.compile(regex)
    return TokenFormat(name, pattern, min_entropy, hints, group, classes, critical, precise, redactable, validate)


# Well-known documentation passwords in URLs ("postgres://user:password@localhost/db").
_DOC_PASSWORDS = frozenset(
    {"password", "passwd", "pass", "pwd", "pw", "secret", "mypassword", "yourpassword", "changeme", "pass123",
     "user", "username", "dbpass", "dbpassword", "db_password", "s3cret", "foo", "bar", "baz", "test", "xxx",
     "repo", "repository", "branch", "ref", "org", "key", "token"}
)  # fmt: skip
# A URL shown as the shape a value must have ("like dotenv://:key_1234@...", "e.g.", "of the form"): documentation.
_EXAMPLE_CONTEXT = re.compile(
    r"(?i)\b(?:e\.g\.|example|for instance|such as|of the form|in the form|format like)"
    r"|\blike\s+[`'\"]?[a-z][a-z0-9+.\-]*://"
)
_EXAMPLE_HOST = re.compile(r"(?i)^(?:[\w.-]+\.)?(?:example\.(?:com|org|net)|[\w-]+\.example|[\w-]+\.invalid)\b")


# A login in a URL: scheme://user:password@host.
URL_CREDENTIALS = re.compile(
    r"\b[a-z][a-z0-9+.\-]*://(?P<user>[^\s:/@'\"]{0,64}):(?P<password>[^\s:/@'\"]{3,128})@(?P<host>[^\s/'\"]+)"
)


def templated_url_password(m: re.Match[str]) -> bool:
    """The password of a ``URL_CREDENTIALS`` match is a documented default or a template slot:
    postgres://user:password@..., git://[repo[:]][ref@]path, https://<user>:<pass>@host, ${DB_PASSWORD}."""
    password = m.group("password")
    return password.lower() in _DOC_PASSWORDS or password[0] in "$%{<[(*" or any(c in m.group(0) for c in "[]<>{}")


def _url_credentials(m: re.Match[str]) -> bool:
    if templated_url_password(m):
        return False
    if _EXAMPLE_CONTEXT.search(m.string):
        return False
    return not _EXAMPLE_HOST.match(m.group("host"))


def _b64json(segment: str) -> dict[str, object] | None:
    try:
        data = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def _jwt(m: re.Match[str]) -> bool:
    header, payload, _ = m.group(0).split(".", 2)
    head, claims = _b64json(header), _b64json(payload)
    if head is None or "alg" not in head or claims is None:
        return False
    # jwt.io's and RFC 7519's examples are everywhere in docs and tests.
    return not ({claims.get("name"), claims.get("sub"), claims.get("iss")} & {"John Doe", "1234567890", "joe"})


TOKEN_FORMATS: tuple[TokenFormat, ...] = (
    _fmt(
        "private key block",
        r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |PGP |ENCRYPTED )?PRIVATE KEY(?: BLOCK)?-----",
        hints=("PRIVATE KEY",),
        critical=True,
        redactable=False,
    ),
    _fmt(
        "AWS access key id",
        r"\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b",
        3.0,
        hints=("AKIA", "ASIA", "ABIA", "ACCA"),
        classes=2,
        critical=True,
    ),
    _fmt(
        "AWS secret access key",
        r"(?i)\b(?:aws_?secret_?(?:access_?)?key|secret_?access_?key)\b[\"']?\s*[:=]\s*[\"']?"
        r"(?P<key>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])",
        4.0,
        hints=("secret_access_key", "SECRET_ACCESS_KEY", "ecretAccessKey", "secret_key", "SECRET_KEY"),
        group="key",
        critical=True,
    ),
    _fmt(
        "Azure storage account key",
        r"AccountKey=(?P<key>[A-Za-z0-9+/]{86}==)",
        4.5,
        hints=("AccountKey=",),
        group="key",
        critical=True,
    ),
    _fmt(
        "GitHub token",
        r"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36,255}\b",
        3.5,
        hints=("ghp_", "gho_", "ghu_", "ghs_", "ghr_"),
        classes=2,
    ),
    _fmt(
        "GitHub fine-grained token",
        r"\bgithub_pat_[A-Za-z0-9_]{60,255}\b",
        3.5,
        hints=("github_pat_",),
        classes=2,
    ),
    _fmt("GitLab token", r"\bglpat-[A-Za-z0-9_\-]{20,}\b", 3.0, hints=("glpat-",), classes=2),
    _fmt("Slack token", r"\bxox[abposre]-[A-Za-z0-9-]{10,}\b", 3.0, hints=("xox",), classes=2),
    _fmt("Slack app token", r"\bxapp-\d-[A-Z0-9]+-\d+-[a-f0-9]{32,}\b", 3.0, hints=("xapp-",)),
    _fmt(
        "Slack webhook",
        r"hooks\.slack\.com/services/T[A-Za-z0-9]+/B[A-Za-z0-9]+/[A-Za-z0-9]{20,}",
        3.0,
        hints=("hooks.slack.com",),
    ),
    _fmt("Stripe secret key", r"\b(?:sk|rk)_live_[A-Za-z0-9]{20,}\b", 3.0, hints=("_live_",), classes=2),
    _fmt("Google API key", r"\bAIza[0-9A-Za-z_\-]{35}(?![0-9A-Za-z_\-])", 3.5, hints=("AIza",), classes=2),
    _fmt(
        "Anthropic API key",
        r"\bsk-ant-(?:api|admin)\d\d-[A-Za-z0-9_\-]{40,}",
        3.5,
        hints=("sk-ant-",),
        classes=2,
    ),
    _fmt(
        "OpenAI API key",
        r"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{20,}T3BlbkFJ[A-Za-z0-9_\-]{20,}",
        3.5,
        hints=("T3BlbkFJ",),
    ),
    _fmt("OpenAI API key", r"\bsk-(?:proj|svcacct|admin)-[A-Za-z0-9_\-]{40,}", 4.0, hints=("sk-",), classes=3),
    _fmt(
        "SendGrid API key",
        r"\bSG\.[A-Za-z0-9_\-]{22}\.[A-Za-z0-9_\-]{43}(?![A-Za-z0-9_\-])",
        3.5,
        hints=("SG.",),
        classes=2,
    ),
    _fmt("Twilio API key", r"\bSK[0-9a-f]{32}\b", 3.0, hints=("SK",), classes=2, precise=False),
    _fmt("npm token", r"\bnpm_[A-Za-z0-9]{36}\b", 3.5, hints=("npm_",), classes=2),
    _fmt("PyPI token", r"\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_\-]{50,}", 3.5, hints=("pypi-",)),
    _fmt("Hugging Face token", r"\bhf_[A-Za-z0-9]{34,}\b", 3.5, hints=("hf_",), classes=2),
    _fmt("DigitalOcean token", r"\bdo[por]_v1_[a-f0-9]{64}\b", 3.0, hints=("_v1_",), critical=True),
    _fmt(
        "JSON Web Token",
        r"\beyJ[A-Za-z0-9_\-]{10,}\.eyJ[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]{10,}",
        3.0,
        hints=("eyJ",),
        precise=False,
        validate=_jwt,
    ),
    _fmt(
        "credentials in URL",
        URL_CREDENTIALS.pattern,
        hints=("://",),
        group="password",
        precise=False,
        validate=_url_credentials,
    ),
)

# Documentation examples and obvious placeholders that look like keys but are not.
PLACEHOLDER = re.compile(
    r"(?i)(example|sample|dummy|placeholder|your[_\-]?|xxxx|\*\*\*|<[^>]*>|\$\{[^}]*\}|\{\{[^}]*\}\}|\{[a-z_]+\}"
    r"|%\(\w+\)s|%s|changeme_in_env|redacted|(.)\2{5,}|0123456|123456789|abcdefgh)"
)


def shannon_entropy(text: str) -> float:
    """Bits of entropy per character."""
    if not text:
        return 0.0
    counts = Counter(text)
    size = len(text)
    return -sum(n / size * math.log2(n / size) for n in counts.values())


def char_classes(text: str) -> int:
    """How many of upper case, lower case and digits the text uses."""
    return sum(any(test(c) for c in text) for test in (str.isupper, str.islower, str.isdigit))


@dataclass(frozen=True, slots=True)
class SecretMatch:
    """A token found in a line: where the secret part is and what kind."""

    kind: str
    start: int
    end: int
    critical: bool = False
    precise: bool = True
    redactable: bool = True


# Every hint, or None when some format has none (then every line must be tried).
TOKEN_HINTS: tuple[str, ...] | None = (
    None if any(not f.hints for f in TOKEN_FORMATS) else tuple(sorted({h for f in TOKEN_FORMATS for h in f.hints}))
)


def candidate_lines(text: str, lines: list[str]) -> list[int]:
    """Indexes of the lines that may hold a token: the hints present in the text, searched line by line."""
    if TOKEN_HINTS is None:
        return list(range(len(lines)))
    present = tuple(h for h in TOKEN_HINTS if h in text)
    if not present:
        return []
    search = _any_of(present).search
    return [i for i, line in enumerate(lines) if search(line)]


@functools.lru_cache(maxsize=256)
def _any_of(hints: tuple[str, ...]) -> re.Pattern[str]:
    """One pattern for several hints: a line is searched once, not once per hint."""
    return re.compile("|".join(map(re.escape, hints)))


def find_tokens(line: str) -> list[SecretMatch]:
    """Every known-format credential in a line, placeholders and doc examples excluded; no overlaps."""
    matches: list[SecretMatch] = []
    for fmt in TOKEN_FORMATS:
        if fmt.hints and not any(h in line for h in fmt.hints):
            continue
        for m in fmt.pattern.finditer(line):
            value = m.group(fmt.group)
            start, end = m.span(fmt.group)
            if PLACEHOLDER.search(m.group(0)) or shannon_entropy(value) < fmt.min_entropy:
                continue
            if fmt.classes and char_classes(value) < fmt.classes:
                continue
            if fmt.validate is not None and not fmt.validate(m):
                continue
            if any(start < other.end and other.start < end for other in matches):
                continue
            matches.append(SecretMatch(fmt.name, start, end, fmt.critical, fmt.precise, fmt.redactable))
    return sorted(matches, key=lambda t: t.start)


_KEY_BODY_LINE = re.compile(r"[A-Za-z0-9+/]{40,}={0,2}")


def mask(value: str) -> str:
    """Keep just enough of a secret to recognise it: the first four characters."""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * min(len(value) - 4, 16)


# A short secret ("secret", "admin1") is an ordinary word too: it is masked only where it stands as a value
# (in quotes, or after "=" or ": "), never in prose such as a finding's message.
_VALUE_BEFORE = r"""(?:(?<=["'`])|(?<==)|(?<==\s)|(?<=:\s))"""
_VALUE_AFTER = r"""(?=["'`]|\s*$|\s*[,;#)\]}])"""


def redact(text: str, extra: tuple[str, ...] = ()) -> str:
    """Mask known-format tokens and the given literal values wherever they appear in the text."""
    for value in extra:
        # A snippet may show only the first lines of a multi-line literal: mask those lines too.
        for piece in (value, *(p.strip() for p in value.splitlines()[1:] if len(p.strip()) >= 12)):
            if len(piece) >= 12:
                text = text.replace(piece, mask(piece))
            elif len(piece) >= 4:  # short values only where they stand as a value: quoted, or after = or ': '
                text = re.sub(rf"{_VALUE_BEFORE}{re.escape(piece)}{_VALUE_AFTER}", mask(piece), text)
    if "PRIVATE KEY" in text:  # the key's body, not its BEGIN line, is the secret
        text = _KEY_BODY_LINE.sub(lambda m: mask(m.group(0)), text)
    for line in set(text.splitlines()):
        tokens = [t for t in find_tokens(line) if t.redactable]
        if not tokens:
            continue
        masked = line
        for tok in sorted(tokens, key=lambda t: t.start, reverse=True):
            masked = masked[: tok.start] + mask(masked[tok.start : tok.end]) + masked[tok.end :]
        text = text.replace(line, masked)
    return text
