"""TPL-XSS-002: Handlebars and Mustache triple-stash ``{{{value}}}`` (and ``{{& value}}``) output unescaped."""

from __future__ import annotations

import re
from collections.abc import Iterator

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.registry import text_rule
from slopguard.engine.text import TextContext
from slopguard.rules.templates.output import unescaped_hits

_RAW_OUTPUT = re.compile(r"\{\{~?(?:\{|&)(?P<expr>[^{}]*?)\}?~?\}\}")
# express-handlebars and Ember put the rendered view into the layout this way.
_LAYOUT = re.compile(r"(?:body|yield|outlet|>)")


@text_rule(
    id="TPL-XSS-002",
    title="Handlebars/Mustache triple-stash output skips HTML escaping",
    cwe=79,
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    languages=("handlebars", "html"),
    why="""{{value}} is escaped in Handlebars and Mustache; {{{value}}} and {{& value}} are not. Assistants use the
    triple-stash to render a "rich" description or a message that contained an apostrophe; when that value comes
    from a request or another user, its HTML and script run in the reader's browser.""",
    fix="""Output values with {{value}}. If a value really is markup, sanitise it (DOMPurify / sanitize-html) on
    the server and mark only the sanitised result safe (new Handlebars.SafeString(clean)).""",
)
def triple_stash(ctx: TextContext) -> Iterator[Hit]:
    yield from unescaped_hits(ctx, _RAW_OUTPUT, "a triple-stash {{{ }}}", "use {{ }}, which escapes", _LAYOUT)
