"""Guidance for AI sessions: the instruction template (``slopguard prompt``) and where it is installed (``init``).

This module holds the small document model the guide renders: sections of paragraphs and bullet items, rendered as
Markdown or plain text. Inline text is written in a tiny Markdown subset (``**bold**`` and ```code```) that the
text renderer strips; ``Raw`` pieces (rule titles and fixes from the rule metadata) are always copied verbatim.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


class Raw(str):
    """Text from rule metadata: rendered exactly as written, in every format."""

    __slots__ = ()


Inline = tuple[str, ...]


@dataclass
class Section:
    """A heading with paragraphs, bullet items, an optional verbatim body, and subsections."""

    title: str
    paragraphs: list[Inline] = field(default_factory=list)
    items: list[Inline] = field(default_factory=list)
    subsections: list[Section] = field(default_factory=list)
    body: str | None = None


_MARKUP = re.compile(r"\*\*|`")


def _inline(pieces: Inline, fmt: str) -> str:
    if fmt == "markdown":
        return "".join(pieces)
    return "".join(p if isinstance(p, Raw) else _MARKUP.sub("", p) for p in pieces)


def _heading(title: str, level: int, fmt: str) -> list[str]:
    if fmt == "markdown":
        return ["#" * min(level, 6) + " " + title]
    if level <= 2:
        return [title, ("=" if level == 1 else "-") * len(title)]
    return [title + ":"]


def _render(section: Section, fmt: str, level: int, out: list[str]) -> None:
    out += _heading(section.title, level, fmt)
    out.append("")
    for para in section.paragraphs:
        out += [_inline(para, fmt), ""]
    if section.items:
        out += [f"- {_inline(item, fmt)}" for item in section.items]
        out.append("")
    if section.body is not None:
        out += [section.body.rstrip(), ""]
    for sub in section.subsections:
        _render(sub, fmt, level + 1, out)


def render(section: Section, fmt: str = "markdown", level: int = 1) -> str:
    """A section tree as Markdown (``fmt="markdown"``) or plain text; ``level`` is the top heading's level."""
    out: list[str] = []
    _render(section, fmt, level, out)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out) + "\n"
