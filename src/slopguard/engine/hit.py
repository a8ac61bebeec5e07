"""A place a rule flags: what every check returns, in any language."""

from __future__ import annotations

import ast
from dataclasses import dataclass

from slopguard.core.finding import Confidence, Severity


@dataclass(frozen=True, slots=True)
class Hit:
    """A place a rule flags; severity/confidence override the rule's defaults when set."""

    line: int
    col: int
    end_line: int
    end_col: int
    message: str
    severity: Severity | None = None
    confidence: Confidence | None = None
    secrets: tuple[str, ...] = ()


def hit_at(
    node: ast.AST,
    message: str,
    *,
    severity: Severity | None = None,
    confidence: Confidence | None = None,
    secrets: tuple[str, ...] = (),
) -> Hit:
    """A hit spanning an AST node."""
    line = getattr(node, "lineno", 1)
    col = getattr(node, "col_offset", 0) + 1
    end_line = getattr(node, "end_lineno", None) or line
    end_col = (getattr(node, "end_col_offset", None) or col - 1) + 1
    return Hit(line, col, end_line, end_col, message, severity, confidence, secrets)
