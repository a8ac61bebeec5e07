"""Scripts inside markup: the ``<script>`` elements of HTML, template and component files, read as JavaScript.

The script view of a file keeps every script's characters where they are and blanks everything else (newlines
kept), so one parse covers all the file's scripts and every line and column the JavaScript rules report is the
file's own. Template tags inside a script (``<%= x %>``, ``{{ x }}``, ``{% if %}``) become identifiers of the same
length, so the code around them still parses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SCRIPT = re.compile(r"<script\b(?P<attrs>[^>]*)>(?P<body>.*?)</script\s*>", re.DOTALL | re.IGNORECASE)
_TYPE = re.compile(r"""\btype\s*=\s*["']?(?P<type>[^"'\s>]+)""", re.IGNORECASE)
_LANG = re.compile(r"""\blang\s*=\s*["']?(?P<lang>[^"'\s>]+)""", re.IGNORECASE)
_JS_TYPES = frozenset({"text/javascript", "application/javascript", "module", "text/babel", "text/jsx"})
_TEMPLATE_TAG = re.compile(r"<%.*?%>|\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
_BLANK = re.compile(r"[^\n]")


@dataclass(frozen=True, slots=True)
class ScriptView:
    """The file's scripts in place (``source``), and whether any of them is TypeScript."""

    source: str
    typescript: bool


def _placeholder(match: re.Match[str]) -> str:
    """A same-length identifier for a template tag (newlines kept, so lines stay where they were)."""
    return re.sub(r"[^\n]", "_", match.group(0))


def script_view(text: str) -> ScriptView | None:
    """The inline scripts of a markup file, in place; None when it has no script code."""
    pieces: list[str] = []
    last = 0
    typescript = False
    for match in _SCRIPT.finditer(text):
        attrs = match.group("attrs")
        kind = _TYPE.search(attrs)
        if kind is not None and kind.group("type").lower() not in _JS_TYPES:
            continue  # JSON data, client-side templates, shaders
        body = match.group("body")
        if not body.strip():
            continue
        lang = _LANG.search(attrs)
        typescript = typescript or (lang is not None and lang.group("lang").lower() in ("ts", "typescript", "tsx"))
        start = match.start("body")
        pieces.append(_BLANK.sub(" ", text[last:start]))
        pieces.append(_TEMPLATE_TAG.sub(_placeholder, body))
        last = match.end("body")
    if not pieces:
        return None
    pieces.append(_BLANK.sub(" ", text[last:]))
    return ScriptView("".join(pieces), typescript)
