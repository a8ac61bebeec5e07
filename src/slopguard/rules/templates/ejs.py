"""TPL-XSS-001: EJS ``<%- value %>`` outputs without escaping."""

from __future__ import annotations

import re
from collections.abc import Iterator

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.registry import text_rule
from slopguard.engine.text import TextContext
from slopguard.rules.templates.output import unescaped_hits

_RAW_OUTPUT = re.compile(r"<%-(?P<expr>.*?)[-_]?%>", re.DOTALL)
# Partials and layout slots hold the application's own rendered templates.
_LAYOUT = re.compile(r"(?:include\b|body$|defineContent\b|contentFor\b|partial\b|blocks?\.|style$|script$)")


@text_rule(
    id="TPL-XSS-001",
    title="EJS output tag that skips HTML escaping",
    cwe=79,
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    languages=("ejs",),
    why="""In EJS, <%= x %> escapes and <%- x %> does not. Assistants reach for <%- because it "fixes" text that
    showed up with &lt; entities, or copy it from a layout where it rendered a partial. Request data, a user's
    profile field or a stored comment written with <%- runs as HTML and script in every visitor's browser.""",
    fix="""Write values with <%= value %>. Keep <%- for include() and layout bodies; if the markup must stay
    markup, sanitise it first (DOMPurify / sanitize-html) and output the sanitised result.""",
)
def ejs_raw_output(ctx: TextContext) -> Iterator[Hit]:
    yield from unescaped_hits(ctx, _RAW_OUTPUT, "EJS's <%- tag", "use <%= %>, which escapes", _LAYOUT)
