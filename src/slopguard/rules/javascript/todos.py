"""JS-TODO-001: TODO/FIXME notes that leave a security control unfinished."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.shared.security_todos import todo_in_comment


@ts_rule(
    id="JS-TODO-001",
    title="Security TODO left in code",
    cwe=1164,
    severity=Severity.LOW,
    confidence=Confidence.MEDIUM,
    languages=("javascript", "typescript"),
    query="(comment) @comment",
    why="""Assistants scaffold the happy path and leave the hard part as a note: '// TODO: add auth middleware',
    '// FIXME: sanitize before rendering', '// TODO: check the user owns this order'. The route works, tests pass,
    and the note ships with the control missing; an attacker finds the open endpoint long before anyone reads
    the comment.""",
    fix="""Implement the control before merging, or track it in an issue and fail closed until it exists (deny
    the request, refuse to start) rather than leaving the gap open.""",
)
def js_security_todo(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    yield from todo_in_comment(ctx, captures["comment"][0])
