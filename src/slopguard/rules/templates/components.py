"""TPL-XSS-008: Vue ``v-html``, Svelte ``{@html}`` and Angular ``[innerHTML]`` bindings insert raw HTML."""

from __future__ import annotations

import re
from collections.abc import Iterator

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.registry import text_rule
from slopguard.engine.text import TextContext
from slopguard.rules.templates.output import unescaped_hits

_BINDINGS = (
    (re.compile(r"""\bv-html\s*=\s*(?P<q>["'])(?P<expr>.*?)(?P=q)""", re.DOTALL), "Vue's v-html"),
    (re.compile(r"\{@html\s+(?P<expr>[^}]*)\}"), "Svelte's {@html}"),
    (re.compile(r"""\[innerHTML\]\s*=\s*(?P<q>["'])(?P<expr>.*?)(?P=q)""", re.DOTALL), "Angular's [innerHTML]"),
)


@text_rule(
    id="TPL-XSS-008",
    title="Component template inserts raw HTML (v-html, {@html}, [innerHTML])",
    cwe=79,
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    languages=("vue", "svelte", "html"),
    why="""Vue, Svelte and Angular escape interpolated text; v-html, {@html} and [innerHTML] insert a string as
    HTML. Assistants use them to show a "formatted" comment or a server message; when that string comes from a
    user or from the URL, its markup and event handlers run in the page (Angular sanitises [innerHTML] but
    bypassSecurityTrustHtml values and Vue/Svelte do not sanitise at all).""",
    fix="""Bind text ({{ value }}, {value}). For real markup, sanitise with DOMPurify first and bind the sanitised
    string, or render it as components.""",
)
def raw_html_binding(ctx: TextContext) -> Iterator[Hit]:
    for pattern, how in _BINDINGS:
        yield from unescaped_hits(ctx, pattern, how, "bind text instead, or sanitise with DOMPurify first")
