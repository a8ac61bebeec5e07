"""TPL-XSS-009: Go (Hugo, html/template) templates that pipe a value through a function that disables escaping."""

from __future__ import annotations

import re
from collections.abc import Iterator

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.registry import text_rule
from slopguard.engine.text import TextContext
from slopguard.rules.templates.output import unescaped_hits

# {{ .Body | safeHTML }}, {{ safeHTML .Body }}, {{ .X | noescape }}: the names Hugo and common FuncMaps use for
# "trust this string" (they return template.HTML / template.JS / template.URL).
_TRUSTING = (
    r"(?:safeHTML|safeHTMLAttr|safeJS|safeCSS|safeURL|noescape|noEscape|unescaped|rawHTML|trustHTML|markdownify)"
)
_PIPED = re.compile(rf"\{{\{{-?(?P<expr>[^{{}}]*?)\|\s*{_TRUSTING}\b[^{{}}]*?-?\}}\}}")
_CALLED = re.compile(rf"\{{\{{-?\s*{_TRUSTING}\s+(?P<expr>[^{{}}|]*?)\s*-?\}}\}}")


@text_rule(
    id="TPL-XSS-009",
    title="Go template trusts a value as HTML/JS/URL (safeHTML, noescape)",
    cwe=79,
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    languages=("gotemplate", "html"),
    why="""html/template escapes every value by its context, unless the value is a template.HTML/JS/URL. Helper
    functions such as safeHTML or noescape (Hugo has them built in; assistants add them to a FuncMap) convert any
    string into one, so a request value or a user's profile field piped through them is inserted unescaped.""",
    fix="""Drop the trusting function and let html/template escape. Convert to template.HTML only values you built
    from constants or sanitised with an allow-list sanitiser (bluemonday).""",
)
def trusted_in_template(ctx: TextContext) -> Iterator[Hit]:
    yield from unescaped_hits(ctx, _PIPED, "a trusting template function", "drop it and let html/template escape")
    yield from unescaped_hits(ctx, _CALLED, "a trusting template function", "drop it and let html/template escape")
