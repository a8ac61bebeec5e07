"""RUST-TODO-001: TODO/FIXME notes that leave a security control unfinished (``todo!()`` is RUST-UNWRAP's)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.shared.security_todos import todo_in_comment


@ts_rule(
    id="RUST-TODO-001",
    title="Security TODO left in code",
    cwe=1164,
    severity=Severity.LOW,
    confidence=Confidence.MEDIUM,
    languages=("rust",),
    query="[(line_comment) (block_comment)] @comment",
    why="""Assistants scaffold the happy path and leave the hard part as a note: '// TODO: check the caller owns
    the file', '// FIXME: add auth to this route', '// TODO: rate limit login'. The crate compiles, tests pass,
    and the note ships with the control missing; an attacker finds the gap long before anyone reads it.""",
    fix="""Implement the control before merging, or track it in an issue and fail closed until it exists (deny
    the request, refuse to start) rather than leaving the gap open.""",
)
def rust_security_todo(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    yield from todo_in_comment(ctx, captures["comment"][0])
