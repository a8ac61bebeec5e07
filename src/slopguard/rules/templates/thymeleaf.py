"""TPL-XSS-006: Thymeleaf ``th:utext`` and ``[( ... )]`` inlining write unescaped text."""

from __future__ import annotations

import re
from collections.abc import Iterator

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.registry import text_rule
from slopguard.engine.text import TextContext
from slopguard.rules.templates.output import unescaped_hits

_UTEXT = re.compile(r"""\b(?:th|data-th):utext\s*=\s*(?P<q>["'])(?P<expr>.*?)(?P=q)""", re.DOTALL)
# Message-bundle texts (#{key}) are the application's own.
_MESSAGE = re.compile(r"#\{")
_INLINE = re.compile(r"\[\((?P<expr>[$*#@~]\{.*?\})\)\]")


@text_rule(
    id="TPL-XSS-006",
    title="Thymeleaf unescaped text (th:utext, [(...)])",
    cwe=79,
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    languages=("html",),
    why="""th:text and [[${...}]] escape; th:utext and [(${...})] do not. Assistants switch to th:utext so that a
    message "keeps its formatting"; a request parameter or a stored field shown that way runs its script in the
    visitor's browser.""",
    fix="""Use th:text / [[${...}]]. If the field really holds markup, sanitise it with an allow-list (OWASP Java
    HTML Sanitizer, jsoup Safelist) before it reaches the model, and keep th:utext for that sanitised value only.""",
)
def thymeleaf_unescaped(ctx: TextContext) -> Iterator[Hit]:
    yield from unescaped_hits(ctx, _UTEXT, "th:utext", "use th:text, which escapes", _MESSAGE)
    yield from unescaped_hits(ctx, _INLINE, "[( )] inlining", "use [[ ]], which escapes")
