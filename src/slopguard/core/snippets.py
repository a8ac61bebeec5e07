"""Code in an assistant's answer: fenced Markdown blocks, or the whole text when there are none."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

_FENCE = re.compile(r"^(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^\n`]*)$")


@dataclass(frozen=True, slots=True)
class CodeBlock:
    """A block of code and the line of the answer it starts on."""

    first_line: int
    code: str


def code_blocks(text: str, names: Iterable[str]) -> list[CodeBlock]:
    """Blocks whose fence info names one of ``names`` (or untagged) in order; the whole text if it has no fences."""
    lines = text.splitlines()
    blocks: list[CodeBlock] = []
    i = 0
    fenced = False
    names = frozenset(names)
    while i < len(lines):
        m = _FENCE.match(lines[i].strip())
        if not m:
            i += 1
            continue
        fenced = True
        fence, info = m.group("fence"), m.group("info").strip().lower().split(" ")[0]
        start = i + 1
        j = start
        while j < len(lines) and not lines[j].strip().startswith(fence):
            j += 1
        if not info or info in names:
            blocks.append(CodeBlock(start + 1, "\n".join(lines[start:j]) + "\n"))
        i = j + 1
    if not fenced:
        return [CodeBlock(1, text)]
    return blocks
