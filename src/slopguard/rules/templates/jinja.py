"""Jinja, Django, Nunjucks and Twig templates: values marked safe (TPL-XSS-004), autoescaping off (TPL-XSS-005)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.registry import text_rule
from slopguard.engine.text import TextContext
from slopguard.rules.templates.output import Positions, unescaped_hits

_LANGUAGES = ("jinja", "html")
# {{ value|safe }} (Jinja, Django, Nunjucks), {{ value|raw }} (Twig), with filters before or after.
_MARKED_SAFE = re.compile(r"\{\{-?(?P<expr>(?:(?!\}\}).)*?)\|\s*(?:safe|raw)\b(?:(?!\}\}).)*-?\}\}", re.DOTALL)
_AUTOESCAPE_OFF = re.compile(r"\{%-?\s*autoescape\s+(?:false|off|False)\s*-?%\}")
# Mail bodies and plain-text files are not rendered by a browser.
_NOT_A_PAGE = re.compile(r"(?:e?-?mail|\.txt)", re.IGNORECASE)


@text_rule(
    id="TPL-XSS-004",
    title="Template value marked safe (|safe, |raw) is not escaped",
    cwe=79,
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    languages=_LANGUAGES,
    why="""Jinja, Django and Nunjucks escape {{ value }}; the |safe filter (Twig: |raw) tells them not to.
    Assistants add |safe to make a bio, a comment or a search term "render properly"; if that value comes from a
    request or from another user it is now raw HTML, and its script runs for everyone who sees the page.""",
    fix="""Drop |safe and let the engine escape. For values that must stay markup, sanitise them with an
    allow-list sanitiser (bleach/nh3, DOMPurify) where they are stored and mark only that output safe.""",
)
def marked_safe(ctx: TextContext) -> Iterator[Hit]:
    yield from unescaped_hits(ctx, _MARKED_SAFE, "the |safe filter", "drop |safe and let the engine escape")


@text_rule(
    id="TPL-XSS-005",
    title="Autoescaping switched off in a template",
    cwe=79,
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    languages=_LANGUAGES,
    why="""{% autoescape false %} (Jinja, Nunjucks, Twig) and {% autoescape off %} (Django) turn escaping off for
    every value up to {% endautoescape %}. Assistants wrap a block in it to stop double escaping; every variable in
    that block, request data included, is then written as raw HTML.""",
    fix="""Remove the autoescape block; fix double escaping where it happens (a value escaped before it reached
    the template). Mark single, sanitised values safe instead of switching escaping off.""",
)
def autoescape_off(ctx: TextContext) -> Iterator[Hit]:
    if _NOT_A_PAGE.search(os.path.basename(ctx.path)):
        return
    positions = Positions(ctx.text)
    for match in _AUTOESCAPE_OFF.finditer(ctx.text):
        span = positions.at(match.start(), match.end())
        yield Hit(
            span.line,
            span.col,
            span.end_line,
            span.end_col,
            "autoescaping is off for this block: every value in it is written as raw HTML; remove the block",
        )
