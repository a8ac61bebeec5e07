"""What template rules share: where a regex match sits in the file, and how sure an unescaped output is.

An unescaped output of request data is a reflected XSS; of a value the application built itself (help texts,
rendered markup, sanitised HTML) it is usually deliberate; of a literal it is harmless.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.text import TextContext

# Request data named in template expressions: Express/Flask/Django request objects, JSP EL implicit objects.
_REQUEST = re.compile(
    r"\b(?:req|request)\s*\.\s*(?:query|body|params|cookies|headers|GET|POST|args|form|values|json|data|files|"
    r"getParameter|getHeader|getQueryString|getRequestURI|getCookies|path|url|referrer|META|COOKIES)\b"
    r"|\b(?:param|paramValues|header|headerValues|cookie)\s*[.\[]"
    r"|\$route\s*\.\s*(?:query|params|hash)\b|\bsearchParams\b|\blocation\s*\.\s*(?:search|hash)\b"
)
# Markup the application built itself: help texts, *_html fields, rendered fragments, CSRF inputs.
_AUTHORED = re.compile(
    r"(?:\b|_)(?:help_?text|helpText|verbose_name|html|Html|HTML|rendered|markup|csrf_\w+|"
    r"csrfInput|json_script)\b"
)
# Output that passed an escaper or an HTML sanitiser on the way.
_CLEANED = re.compile(
    r"\b(?:DOMPurify\s*\.\s*sanitize|sanitize\w*|sanitise\w*|purify|bleach\s*\.\s*clean|clean_html|"
    r"escape\w*|encodeForHTML\w*|forHtml\w*|htmlEscape|escapeHtml\w*|escapeXml|fn:escapeXml|h|e)\s*\("
    r"|\|\s*(?:escape|e|forceescape|striptags|escapejs|urlencode)\b"
)
_LITERAL = re.compile(r"""^\s*(?:"[^"]*"|'[^']*'|`[^`$]*`|-?\d+(?:\.\d+)?|true|false|null|None|nil)\s*$""")


@dataclass(frozen=True, slots=True)
class Span:
    """Where a match sits: 1-based lines and columns, end column exclusive."""

    line: int
    col: int
    end_line: int
    end_col: int


class Positions:
    """Turns offsets in a file's text into lines and columns."""

    def __init__(self, text: str) -> None:
        self._starts = [0] + [m.end() for m in re.finditer(r"\r\n|\n|\r", text)]

    def at(self, start: int, end: int) -> Span:
        line = bisect.bisect_right(self._starts, start)
        end_line = bisect.bisect_right(self._starts, max(end - 1, start))
        return Span(line, start - self._starts[line - 1] + 1, end_line, end - self._starts[end_line - 1] + 1)


def is_literal(expression: str) -> bool:
    """A constant: a quoted string without interpolation, a number or a keyword."""
    return bool(_LITERAL.match(expression))


def reads_request(expression: str) -> bool:
    return bool(_REQUEST.search(expression))


def grade(expression: str) -> tuple[Severity, Confidence, str] | None:
    """Severity, confidence and what is written, for an expression output without escaping; None when harmless."""
    if is_literal(expression) or _CLEANED.search(expression):
        return None
    if reads_request(expression):
        return Severity.HIGH, Confidence.HIGH, "request data"
    if _AUTHORED.search(expression):
        return Severity.MEDIUM, Confidence.LOW, "markup the application appears to build itself"
    return Severity.MEDIUM, Confidence.MEDIUM, "a value"


def short(expression: str, limit: int = 60) -> str:
    """An expression on one line, cut to ``limit`` characters, for a message."""
    flat = " ".join(expression.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def unescaped_hits(
    ctx: TextContext,
    pattern: re.Pattern[str],
    how: str,
    fix: str,
    skip: re.Pattern[str] | None = None,
    output: Callable[[re.Match[str]], bool] | None = None,
) -> Iterator[Hit]:
    """A hit for every match of ``pattern`` (its ``expr`` group is what is written) that is not harmless: not
    matching ``skip`` at its start, and really page output where ``output`` decides that from the match."""
    positions = Positions(ctx.text)
    for match in pattern.finditer(ctx.text):
        expression = (match.group("expr") or "").strip()
        if not expression or (skip is not None and skip.match(expression)):
            continue
        if output is not None and not output(match):
            continue
        graded = grade(expression)
        if graded is None:
            continue
        severity, confidence, what = graded
        span = positions.at(match.start(), match.end())
        message = f"{how} writes {what} ({short(expression)}) into the page unescaped: {fix}"
        yield Hit(span.line, span.col, span.end_line, span.end_col, message, severity, confidence)
