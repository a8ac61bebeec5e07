"""Guards that prove a name safe on one side of a test: allow-lists, validators, equality with a constant, and
the checks that pin a value to one quoted string literal."""

from __future__ import annotations

import ast
from collections.abc import Sequence
from typing import Protocol

from slopguard.engine.python import knowledge as kb


class CallNames(Protocol):
    """What guard recognition needs from the module: the resolved name of a call."""

    def call_name(self, call: ast.Call) -> str: ...


def _is_number(e: ast.expr | None, number: int) -> bool:
    if isinstance(e, ast.UnaryOp) and isinstance(e.op, ast.USub):
        return _is_number(e.operand, -number)
    return isinstance(e, ast.Constant) and not isinstance(e.value, bool) and e.value == number


def _constants(e: ast.expr) -> bool:
    if isinstance(e, ast.Tuple):
        return all(_constants(x) for x in e.elts)
    return isinstance(e, ast.Constant)


_QUOTES = ("'", '"')


def _literal_fact(test: ast.expr, when: bool) -> tuple[str, str, str] | None:
    """One part of a "plain string literal" check: (what, name, quote)."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return _literal_fact(test.operand, not when)
    if isinstance(test, ast.Call) and isinstance(test.func, ast.Attribute) and isinstance(test.func.value, ast.Name):
        quote = test.args[0].value if len(test.args) == 1 and isinstance(test.args[0], ast.Constant) else None
        if when and test.func.attr in ("startswith", "endswith") and quote in _QUOTES:
            return test.func.attr, test.func.value.id, str(quote)
        return None
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.left, ast.Constant):
        inner = test.comparators[0]
        absent = isinstance(test.ops[0], ast.NotIn) == when
        if absent and test.left.value in _QUOTES and isinstance(inner, ast.Subscript):
            bounds = inner.slice
            whole = isinstance(bounds, ast.Slice) and bounds.step is None
            if whole and isinstance(bounds, ast.Slice) and _is_number(bounds.lower, 1) and _is_number(bounds.upper, -1):
                name = inner.value.id if isinstance(inner.value, ast.Name) else None
                return ("inner", name, str(test.left.value)) if name else None
    return None


def _quoted_literals(tests: Sequence[ast.expr], when: bool) -> set[str]:
    """Names proven to be one quoted string literal: ``x.startswith("'") and x.endswith("'") and "'" not in
    x[1:-1]`` (so ``eval(x)`` can only produce that string)."""
    facts = {f for t in tests if (f := _literal_fact(t, when)) is not None}
    return {name for what, name, quote in facts if what == "inner" and {("startswith", name, quote),
            ("endswith", name, quote)} <= facts}  # fmt: skip


def field_key(e: ast.expr) -> str | None:
    """The env key of a field read from a named mapping, ``job["sha"]`` or ``job.get("sha", "")`` (seen through
    ``str()``): a validator proves that field safe the way it proves a name safe."""
    if isinstance(e, ast.Call) and isinstance(e.func, ast.Name) and e.func.id == "str" and len(e.args) == 1:
        return field_key(e.args[0])
    if isinstance(e, ast.Subscript):
        target, key = e.value, e.slice
    elif isinstance(e, ast.Call) and isinstance(e.func, ast.Attribute) and e.func.attr == "get" and e.args:
        target, key = e.func.value, e.args[0]
    else:
        return None
    if isinstance(target, ast.Name) and isinstance(key, ast.Constant) and isinstance(key.value, str):
        return f"{target.id}[{key.value!r}]"
    return None


def guarded_names(ctx: CallNames, test: ast.expr, when: bool) -> set[str]:
    """Names proven safe when ``test`` evaluates to ``when`` (allow-lists, validators, equality)."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return guarded_names(ctx, test.operand, not when)
    if isinstance(test, ast.BoolOp):
        parts = [guarded_names(ctx, v, when) for v in test.values]
        conjunctive = isinstance(test.op, ast.And) == when
        if conjunctive:
            return set().union(*parts, _quoted_literals(test.values, when))
        return set.intersection(*parts) if parts else set()
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.left, ast.Call | ast.Attribute):
        # urlparse(url).hostname not in ALLOWED_HOSTS
        op = test.ops[0]
        if (isinstance(op, ast.In) and when) or (isinstance(op, ast.NotIn) and not when):
            return {
                a.id for c in ast.walk(test.left) if isinstance(c, ast.Call) for a in c.args if isinstance(a, ast.Name)
            }
        return set()
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.left, ast.Name):
        op, right = test.ops[0], test.comparators[0]
        if (isinstance(op, ast.In) and when) or (isinstance(op, ast.NotIn) and not when):
            return {test.left.id}
        is_const = isinstance(right, ast.Constant) and right.value is not None
        if is_const and ((isinstance(op, ast.Eq) and when) or (isinstance(op, ast.NotEq) and not when)):
            return {test.left.id}
        return set()
    if isinstance(test, ast.Call) and when:
        name = ctx.call_name(test)
        if name.rsplit(".", 1)[-1] in kb.NON_GUARDS:
            return set()
        names: set[str] = set()
        for arg in [*test.args, *(k.value for k in test.keywords)]:
            if isinstance(arg, ast.Name):
                names.add(arg.id)
            elif (key := field_key(arg)) is not None:
                names.add(key)
        if isinstance(test.func, ast.Attribute) and isinstance(test.func.value, ast.Name):
            constant_prefix = test.func.attr == "startswith" and all(_constants(a) for a in test.args)
            if not constant_prefix:  # x.startswith("http") or ("/") proves nothing; x.startswith(BASE_DIR) does
                names.add(test.func.value.id)
        return names
    return set()
