"""Small helpers shared by Python rules."""

from __future__ import annotations

import ast

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.python.context import PyContext
from slopguard.engine.python.taint import Flow


def describe(flow: Flow) -> str:
    """How a value got dangerous, for a finding's message."""
    if flow.tainted:
        return f"attacker-controlled data ({flow.origin})" if flow.origin else "attacker-controlled data"
    return "non-constant data"


def grade(flow: Flow, severity: Severity) -> tuple[Severity, Confidence]:
    """Tainted flows keep the rule's severity with high confidence; merely dynamic ones drop a level."""
    if flow.tainted:
        return severity, Confidence.HIGH
    return Severity(max(Severity.LOW, severity - 1)), Confidence.MEDIUM


def first_arg(call: ast.Call, keyword: str | None = None) -> ast.expr | None:
    """The first positional argument, or the named keyword."""
    if call.args and not isinstance(call.args[0], ast.Starred):
        return call.args[0]
    return PyContext.kwarg(call, keyword) if keyword else None


def method_name(call: ast.Call) -> str:
    """``execute`` for ``cur.execute(...)``; the function name for plain calls."""
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""
