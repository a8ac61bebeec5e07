"""Small helpers shared by Python rules."""

from __future__ import annotations

import ast

from slopguard.engine.python.context import PyContext


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
