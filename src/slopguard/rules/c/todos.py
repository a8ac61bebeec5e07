"""C-TODO-001: TODO/FIXME notes that leave a security control unfinished in C and C++."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.shared.security_todos import todo_in_comment


@ts_rule(
    id="C-TODO-001",
    title="Security TODO left in code",
    cwe=1164,
    severity=Severity.LOW,
    confidence=Confidence.MEDIUM,
    languages=("c", "cpp"),
    query="(comment) @comment",
    why="""Assistants scaffold a daemon's or a CGI's happy path and leave the hard part as a note: '/* TODO:
    authenticate the client */', '// FIXME: sanitize the host name before passing it to the shell', '// TODO:
    check the caller owns the file'. The binary builds and runs, and the note ships with the control missing;
    an attacker on the network finds the gap long before anyone reads the comment.""",
    fix="""Implement the control before merging, or track it in an issue and fail closed until it exists (refuse
    the request, refuse to start) rather than leaving the gap open.""",
)
def c_security_todo(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    yield from todo_in_comment(ctx, captures["comment"][0])
