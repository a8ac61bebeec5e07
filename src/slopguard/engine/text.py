"""Language-independent analysis reads a file's lines (secrets in any text file)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class TextContext:
    """A decoded text file."""

    path: str
    language: str
    text: str
    lines: list[str]
