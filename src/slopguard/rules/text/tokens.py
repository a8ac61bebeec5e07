"""SEC-TOKEN-001: credentials in a known token format, in any text file."""

from __future__ import annotations

import re
from collections.abc import Iterator

from slopguard.core.finding import Confidence, Severity
from slopguard.core.secrets import SecretMatch, candidate_lines, find_tokens
from slopguard.engine.hit import Hit
from slopguard.engine.registry import text_rule
from slopguard.engine.text import TextContext

# What follows a real key's BEGIN line: base64, or the headers of an encrypted PEM.
_KEY_BODY = re.compile(r"(?:Proc-Type:|DEK-Info:|Comment:|[A-Za-z0-9+/=]{40,})")
_LOCAL_HOST = re.compile(r"@(?:localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\])(?![\w.-])")


def _key_body_follows(lines: list[str], index: int, end: int) -> bool:
    """A BEGIN line followed by key material (next line, or after an escaped newline in a string)."""
    rest = lines[index][end:].strip()
    rest = rest[2:] if rest.startswith("\\n") else rest
    following = lines[index + 1] if index + 1 < len(lines) else ""
    return any(_KEY_BODY.match(c.strip().strip("\"'`,;")) for c in (rest, following))


def _grade(tok: SecretMatch, line: str) -> tuple[Severity, Confidence, str]:
    if tok.kind == "private key block":
        return Severity.CRITICAL, Confidence.HIGH, "private key committed in the file"
    if tok.kind == "credentials in URL":
        if _LOCAL_HOST.match(line, tok.end):
            return Severity.MEDIUM, Confidence.LOW, "password in a URL for a local service"
        return Severity.HIGH, Confidence.MEDIUM, "password embedded in a URL"
    severity = Severity.CRITICAL if tok.critical else Severity.HIGH
    return severity, Confidence.HIGH if tok.precise else Confidence.MEDIUM, f"{tok.kind} in the file"


@text_rule(
    id="SEC-TOKEN-001",
    title="Credential in a known token format",
    cwe=798,
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    why="""Assistants paste the API key, token or connection string they were shown straight into code, .env
    files, YAML and notebooks, and the file is committed. Scrapers find AWS, GitHub, Stripe and OpenAI keys in
    public pushes within minutes; a private key or cloud key gives away the server or the whole account, and
    a key stays valid in git history after the line is deleted.""",
    fix="""Revoke and rotate the credential, then load it at run time from the environment or a secret manager;
    keep .env files out of version control and commit a .env.example with placeholders instead.""",
)
def known_tokens(ctx: TextContext) -> Iterator[Hit]:
    for index in candidate_lines(ctx.text, ctx.lines):
        line = ctx.lines[index]
        for tok in find_tokens(line):
            if tok.kind == "private key block" and not _key_body_follows(ctx.lines, index, tok.end):
                continue
            severity, confidence, what = _grade(tok, line)
            value = line[tok.start : tok.end]
            yield Hit(
                index + 1,
                tok.start + 1,
                index + 1,
                tok.end + 1,
                f"{what}: revoke it and load it from the environment or a secret manager",
                severity,
                confidence,
                secrets=(value,) if tok.redactable else (),
            )
