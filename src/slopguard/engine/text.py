"""Language-independent analysis on a file's lines (secrets in any text file)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from slopguard.engine.registry import Hit, Rule, TextCheck


@dataclass(frozen=True, slots=True)
class TextContext:
    """A decoded text file."""

    path: str
    language: str
    text: str
    lines: list[str]


def run_text_rules(ctx: TextContext, rules: Sequence[Rule[TextCheck]]) -> Iterator[tuple[Rule[TextCheck], Hit]]:
    for rule in rules:
        for hit in rule.check(ctx):
            yield rule, hit
