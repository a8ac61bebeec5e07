"""PY-TODO-001: TODO/FIXME/XXX/HACK notes that leave a security control unfinished."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.python.context import PyContext
from slopguard.engine.registry import python_rule
from slopguard.rules.shared.security_todos import security_topic

_HINT = re.compile(r"TODO|FIXME|XXX|HACK|todo|fixme")
_MARKER = re.compile(r"\b(?:TODO|FIXME|XXX|HACK)\b|\b(?i:todo|fixme)\b")
# A second comment chained on the line (a linter pragma, a type-checker directive) is not part of the note.
_CHAINED = re.compile(r"\s+#\s.*$")
_SECURITY = re.compile(
    r"\b(?:auth(?:n|z|entica\w*|ori[sz]\w*)?|o?auth2?|log(?:ged)?[ -]?in|sign[ -]?in|passwords?|passwd|pwd"
    r"|passphrase|tokens?|jwt|sessions?|cookies?|csrf|xsrf|permissions?|perms|roles?|admins?|privileges?|acl"
    r"|access[ -]control|validat\w*|saniti[sz]\w*|escap(?:e|es|ed|ing)|encrypt\w*|decrypt\w*|crypto\w*"
    r"|hash(?:es|ed|ing)?|salt(?:ed|ing)?|rate[ -]?limit\w*|throttl\w*|brute[ -]?force|sqli|injection|xss"
    r"|secrets?|credentials?|api[ _-]?keys?|private[ _-]?keys?|verif(?:y|ied|ies|ication)|certificates?|certs?"
    r"|ssl|tls|https|cors|security|secure|insecure|unsafe|vulnerab\w*|2fa|mfa|otp)\b"
    r"|\b(?:raw|unsafe|dynamic|string-built|injectable) sql\b"
    r"|\bsql\b.{0,40}\b(?:injection|param\w*|placeholders?|escap\w*|quot\w*|saniti[sz]\w*|concat\w*|user input)"
)
_URL = re.compile(r"\b\w+://\S+")
# Phrases where a security word is used in its everyday sense.
_BENIGN = re.compile(
    r"\b(?:db|database|sqlalchemy|orm|http|requests|aiohttp|client|test)[ _.]sessions?\b"
    r"|\bverify (?:that |if |whether )?(?:this|it|the (?:output|result|numbers?))\b"
)
# Notes that say nothing about what is unfinished: judge them by the code they sit on.
_VAGUE = frozenset(
    {
        "fix", "fixme", "this", "that", "it", "later", "remove", "temporary", "temp", "tmp", "hack", "hacky",
        "before", "prod", "production", "release", "deploy", "ship", "merge", "cleanup", "clean", "up",
        "change", "revisit", "workaround", "needs", "need", "to", "be", "fixed", "properly", "proper", "do",
        "not", "don't", "dont", "in", "the", "a", "for", "now", "make", "real", "quick", "dirty", "and", "is",
        "only", "dev", "development", "testing", "test", "just", "until", "we", "should", "must", "replace",
        "with", "something", "better", "check", "handle", "implement", "finish", "broken", "ugly", "here",
        "again", "actually", "maybe", "look", "into", "at", "of", "or", "on", "me", "i", "when", "done", "go",
        "live", "going", "eventually", "bad", "wip", "xxx", "todo",
    }
)  # fmt: skip
_SECURITY_CODE = re.compile(
    r"passw|secret|token|api_?key|csrf|verify\s*=\s*False|shell\s*=\s*True|\beval\(|\bexec\(|pickle|yaml\.load"
    r"|md5|sha1|hashlib|bcrypt|jwt|\bssl\b|cert|login|\bauth(?!or)|permission|is_admin|is_staff|is_superuser"
    r"|\brole|\.execute\(|\.raw\(|mark_safe|render_template_string|DEBUG\s*=\s*True|allow_origins|CORS"
    r"|sanitiz|escape|encrypt|decrypt|session\[|SESSION_COOKIE",
    re.I,
)
_CONTINUATION_LINES = 3


@python_rule(
    id="PY-TODO-001",
    title="Security TODO left in code",
    cwe=1164,
    severity=Severity.LOW,
    confidence=Confidence.MEDIUM,
    nodes=(ast.Module,),
    why="""Assistants scaffold the happy path and leave the hard part as a note: '# TODO: add authentication',
    '# FIXME: validate input', '# TODO: hash the password before storing'. The code runs, tests pass, and the
    note ships to production with the control missing; an attacker finds the unauthenticated endpoint, the
    unvalidated field or the plaintext password long before anyone reads the comment.""",
    fix="""Implement the control before merging, or track it in an issue and fail closed until it exists
    (deny the request, refuse to start) rather than leaving the gap open.""",
)
def security_todo(node: ast.Module, ctx: PyContext) -> Iterator[Hit]:
    if not _HINT.search(ctx.text):
        return  # don't tokenise files without markers
    comments = ctx.comments
    for number, comment in sorted(comments.items()):
        note = _CHAINED.sub("", comment.lstrip("#").strip())
        marker = _MARKER.search(note)
        if marker is None:
            continue
        line = ctx.lines[number - 1] if number <= len(ctx.lines) else comment
        code = line[: line.rfind(comment)] if comment in line else ""
        text = note[: marker.start()] + note[marker.end() :] + _continuation(ctx, comments, number, code)
        found = _SECURITY.search(_BENIGN.sub(" ", _URL.sub(" ", text.lower())))
        topic = found.group(0) if found else security_topic(text)  # the shared wording: 'restrict to the owner'
        sure = Confidence.HIGH
        if topic is None:
            context = code if code.strip() else _next_code(ctx, number)
            if not _is_vague(text) or not _SECURITY_CODE.search(context):
                continue
            sure = Confidence.MEDIUM
        col = max(line.rfind(comment), 0) + 1
        what = f"'{topic}'" if topic else "security-relevant code"
        yield Hit(
            number,
            col,
            number,
            len(line) + 1,
            f"{marker.group(0)} about {what} left unresolved: {note[:80]!r}; finish the control before shipping",
            confidence=sure,
        )


def _continuation(ctx: PyContext, comments: dict[int, str], number: int, code: str) -> str:
    """Comment-only lines below an unfinished sentence continue it (until code, a blank or another marker)."""
    if code.strip() or _CHAINED.sub("", comments[number]).rstrip().endswith((".", "!", "?", ")")):
        return ""
    parts: list[str] = []
    for nxt in range(number + 1, number + 1 + _CONTINUATION_LINES):
        comment = comments.get(nxt)
        if comment is None or nxt > len(ctx.lines) or ctx.lines[nxt - 1].strip() != comment.strip():
            break
        body = _CHAINED.sub("", comment.lstrip("#").strip())
        if not body or _MARKER.search(body):
            break
        parts.append(body)
    return " " + " ".join(parts) if parts else ""


def _next_code(ctx: PyContext, number: int) -> str:
    """The first line of code below a comment-only line."""
    for text in ctx.lines[number : number + 1 + _CONTINUATION_LINES]:
        stripped = text.strip()
        if stripped and not stripped.startswith("#"):
            return stripped
    return ""


def _is_vague(text: str) -> bool:
    return all(word in _VAGUE for word in re.findall(r"[a-z']+", text.lower()))
