"""JAVA-TODO-001: TODO/FIXME notes that leave a security control unfinished."""

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

_CHAINED = re.compile(r"\s+//\s.*$")  # a second comment on the line (a pragma) is not part of the note


@ts_rule(
    id="JAVA-TODO-001",
    title="Security TODO left in code",
    cwe=1164,
    severity=Severity.LOW,
    confidence=Confidence.MEDIUM,
    languages=("java",),
    query="[(line_comment) (block_comment)] @call",
    why="""Assistants scaffold the happy path and leave the hard part as a note: // TODO: add authorization
    check, // FIXME: validate the redirect URL, // TODO: hash the password. The code compiles, tests pass, and
    the note ships with the control missing; an attacker finds the open endpoint long before anyone reads it.""",
    fix="""Implement the control before merging, or track it in an issue and fail closed until it exists (deny the
    request, refuse to start) rather than leaving the gap open.""",
)
def java_security_todo(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    comment: Node = captures["call"][0]
    text = ctx.text(comment)
    for offset, line in enumerate(text.splitlines()):
        marker = MARKER.search(line)
        topic = security_topic(_CHAINED.sub("", line[marker.end() :])) if marker is not None else None
        if marker is not None and topic is not None:
            row = comment.start_point[0] + offset + 1
            column = comment.start_point[1] + 1 if offset == 0 else 1
            message = f"{marker.group(0)} about '{topic}' left unresolved; finish the control before shipping"
            yield Hit(row, column, row, column + len(line), message)
            return
