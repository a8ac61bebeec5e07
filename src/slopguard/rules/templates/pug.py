"""TPL-XSS-003: Pug's unescaped buffered code (``p!= value``, ``!= value``) and interpolation (``!{value}``)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.registry import text_rule
from slopguard.engine.text import TextContext
from slopguard.rules.templates.output import unescaped_hits

# A tag (with classes, ids and attributes) or nothing, then != and the expression, on one line. Control lines
# (if/unless/case/each/while) compare with != and are not output.
_TAG = r"(?:[A-Za-z][\w:-]*|(?=[.#]))(?:[.#][\w-]+)*(?:\([^()\n]*\))?(?:&attributes\([^()\n]*\))?"
_CONTROL = r"(?:if|else|unless|case|when|each|for|while|mixin|block)\b"
_EXPRESSION = r"(?P<expr>[^\n]+?)(?:[ \t]+//[^\n]*)?$"  # a trailing // comment is not part of the value
_BUFFERED = re.compile(rf"(?m)^[ \t]*(?!{_CONTROL}){_TAG}!={_EXPRESSION}")
_BARE = re.compile(rf"(?m)^[ \t]*!={_EXPRESSION}")
_INTERPOLATED = re.compile(r"(?<!\\)!\{(?P<expr>[^{}\n]*)\}")
_COMMENT = re.compile(r"^[ \t]*//")


@text_rule(
    id="TPL-XSS-003",
    title="Pug output that skips HTML escaping",
    cwe=79,
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    languages=("pug",),
    why="""Pug escapes p= value and #{value}; p!= value, != value and !{value} are written raw. Assistants switch to
    != when a value "shows HTML tags", and a query parameter or a stored comment then carries script into the
    page.""",
    fix="""Use = and #{} (escaped). If the value is meant to be markup, sanitise it on the server (DOMPurify /
    sanitize-html) and output only the sanitised result.""",
)
def pug_raw_output(ctx: TextContext) -> Iterator[Hit]:
    for pattern, how in ((_BUFFERED, "Pug's != "), (_BARE, "Pug's != "), (_INTERPOLATED, "Pug's !{} interpolation")):
        for found in unescaped_hits(ctx, pattern, how, "use = or #{}, which escape"):
            if not _COMMENT.match(ctx.lines[found.line - 1]):
                yield found
