"""GO-TODO-001: TODO/FIXME notes that leave a security control unfinished."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.shared.security_todos import MARKER, security_topic

_CHAINED = re.compile(r"\s+//\s.*$")  # a second comment on the line (a linter pragma) is not part of the note


@ts_rule(
    id="GO-TODO-001",
    title="Security TODO left in code",
    cwe=1164,
    severity=Severity.LOW,
    confidence=Confidence.MEDIUM,
    languages=("go",),
    query="(comment) @comment",
    why="""Assistants scaffold the happy path and leave the hard part as a note: '// TODO: add auth middleware',
    '// FIXME: validate the redirect', '// TODO: rate limit login'. The code compiles, tests pass, and the note
    ships with the control missing; an attacker finds the open endpoint long before anyone reads the comment.""",
    fix="""Implement the control before merging, or track it in an issue and fail closed until it exists (deny
    the request, refuse to start) rather than leaving the gap open.""",
)
def go_security_todo(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    comment: Node = captures["comment"][0]
    text = ctx.text(comment)
    note = _CHAINED.sub("", text[2:]) if text.startswith("//") else text[2:-2]
    marker = MARKER.search(note)
    if marker is None:
        return
    topic = security_topic(note[marker.end() :])
    if topic is not None:
        yield ctx.hit(comment, f"{marker.group(0)} about '{topic}' left unresolved; finish the control before shipping",
                      confidence=Confidence.HIGH)  # fmt: skip
