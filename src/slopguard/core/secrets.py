"""Known secret formats, entropy, and redaction: shared by the secrets rules and every reporter."""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class TokenFormat:
    """A credential format recognisable by its shape alone."""

    name: str
    pattern: re.Pattern[str]
    min_entropy: float = 0.0


def _fmt(name: str, regex: str, min_entropy: float = 0.0) -> TokenFormat:
    return TokenFormat(name, re.compile(regex), min_entropy)


TOKEN_FORMATS: tuple[TokenFormat, ...] = (
    _fmt("private key block", r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |PGP |ENCRYPTED )?PRIVATE KEY(?: BLOCK)?-----"),
    _fmt("AWS access key id", r"\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b", 3.0),
    _fmt("GitHub token", r"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36,255}\b", 3.5),
    _fmt("GitHub fine-grained token", r"\bgithub_pat_[A-Za-z0-9_]{60,255}\b", 3.5),
    _fmt("GitLab token", r"\bglpat-[A-Za-z0-9_\-]{20,}\b", 3.0),
    _fmt("Slack token", r"\bxox[abposr]-[A-Za-z0-9-]{10,}\b", 3.0),
    _fmt("Slack webhook", r"hooks\.slack\.com/services/T[A-Za-z0-9]+/B[A-Za-z0-9]+/[A-Za-z0-9]{20,}"),
    _fmt("Stripe secret key", r"\b(?:sk|rk)_live_[A-Za-z0-9]{20,}\b", 3.0),
    _fmt("Google API key", r"\bAIza[0-9A-Za-z_\-]{35}\b", 3.5),
    _fmt("Anthropic API key", r"\bsk-ant-(?:api|admin)\d\d-[A-Za-z0-9_\-]{40,}\b", 3.5),
    _fmt("OpenAI API key", r"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{20,}T3BlbkFJ[A-Za-z0-9_\-]{20,}\b", 3.5),
    _fmt("SendGrid API key", r"\bSG\.[A-Za-z0-9_\-]{22}\.[A-Za-z0-9_\-]{43}\b", 3.5),
    _fmt("Twilio API key", r"\bSK[0-9a-f]{32}\b", 3.0),
    _fmt("npm token", r"\bnpm_[A-Za-z0-9]{36}\b", 3.5),
    _fmt("PyPI token", r"\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_\-]{50,}\b", 3.5),
    _fmt("Hugging Face token", r"\bhf_[A-Za-z0-9]{34,}\b", 3.5),
    _fmt("JSON Web Token", r"\beyJ[A-Za-z0-9_\-]{10,}\.eyJ[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]{10,}\b", 3.0),
    _fmt(
        "credentials in URL",
        r"\b[a-z][a-z0-9+.\-]*://[^\s:/@'\"]{1,64}:(?!\$\{|\{|%\(|<|\*{3})[^\s:/@'\"]{3,128}@[^\s/'\"]+",
    ),
)

# Documentation examples and obvious placeholders that look like keys but are not.
PLACEHOLDER = re.compile(
    r"(?i)(example|sample|dummy|placeholder|your[_\-]?|xxxx|\*\*\*|<[^>]*>|\$\{[^}]*\}|\{\{[^}]*\}\}|changeme_in_env|redacted)"
)


def shannon_entropy(text: str) -> float:
    """Bits of entropy per character."""
    if not text:
        return 0.0
    counts = Counter(text)
    size = len(text)
    return -sum(n / size * math.log2(n / size) for n in counts.values())


@dataclass(frozen=True, slots=True)
class SecretMatch:
    """A token found in a line: where it is and what kind."""

    kind: str
    start: int
    end: int


def find_tokens(line: str) -> list[SecretMatch]:
    """Every known-format credential in a line, placeholders and doc examples excluded."""
    matches: list[SecretMatch] = []
    for fmt in TOKEN_FORMATS:
        for m in fmt.pattern.finditer(line):
            value = m.group(0)
            if PLACEHOLDER.search(value) or shannon_entropy(value) < fmt.min_entropy:
                continue
            matches.append(SecretMatch(fmt.name, m.start(), m.end()))
    return matches


def mask(value: str) -> str:
    """Keep just enough of a secret to recognise it: the first four characters."""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * min(len(value) - 4, 16)


def redact(text: str, extra: tuple[str, ...] = ()) -> str:
    """Mask known-format tokens and the given literal values wherever they appear in the text."""
    for value in extra:
        if len(value) >= 4:
            text = text.replace(value, mask(value))
    for line in set(text.splitlines()):
        tokens = find_tokens(line)
        if not tokens:
            continue
        masked = line
        for tok in sorted(tokens, key=lambda t: t.start, reverse=True):
            masked = masked[: tok.start] + mask(masked[tok.start : tok.end]) + masked[tok.end :]
        text = text.replace(line, masked)
    return text
