"""Code in an assistant's answer: its fenced Markdown blocks (read with markdown-it), or the whole text.

This is the one Markdown reader: ``scan -``, ``deps -`` and the LLM workflows all take their blocks from here. It
knows nothing about languages; callers map a block's ``label`` (the info string's first word) to one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from markdown_it import MarkdownIt


@dataclass(frozen=True, slots=True)
class CodeBlock:
    """A block of code, the line of the answer it starts on, and its fence's info string ("" when unlabelled or
    when the block is the whole answer). ``fence_line`` is the line of the opening fence (0: no fence)."""

    first_line: int
    code: str
    info: str = ""
    fence_line: int = 0

    @property
    def label(self) -> str:
        """The info string's first word, lower-cased: ``py``, ``c++``; ``python`` for ``{.python}`` and
        ``python:app.py``."""
        words = self.info.strip().strip("{}").split()
        return words[0].lstrip(".").partition(":")[0].lower() if words else ""


@cache
def _parser() -> MarkdownIt:
    from markdown_it import MarkdownIt  # lazy: markdown-it takes longer to import than the whole CLI

    return MarkdownIt("commonmark")


def fenced_blocks(text: str) -> list[CodeBlock]:
    """Every fenced block of ``text`` in order, wherever it sits (top level, list items, block quotes)."""
    blocks: list[CodeBlock] = []
    for token in _parser().parse(text):
        if token.type != "fence" or token.map is None:
            continue
        fence_line = token.map[0] + 1
        blocks.append(CodeBlock(fence_line + 1, token.content, token.info.strip(), fence_line))
    return blocks


def code_blocks(text: str, names: Iterable[str]) -> list[CodeBlock]:
    """Blocks whose label is one of ``names`` (or that have none) in order; the whole text if it has no fences."""
    blocks = fenced_blocks(text)
    if not blocks:
        return [CodeBlock(1, text)]
    wanted = frozenset(names)
    return [b for b in blocks if not b.label or b.label in wanted]
