"""Is a redirect target proven to be a path on this site? One leading "/" and no second "/" (or "\\") after it.

Each half alone lets an attacker out: ``//evil.example/`` starts with "/", ``https://evil.example/`` has no
"//" at its start. The check has to hold where the redirect runs, so the branch matters:
``nxt if ok(nxt) else "/"``, ``if ok(nxt): return redirect(nxt)``, ``if not ok(nxt): nxt = "/"`` (or abort).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator

from slopguard.engine.python import knowledge as kb
from slopguard.engine.python.context import PyContext
from slopguard.rules.python.injection_helpers import feeding_names, local_scope, names_in, walk_local

_SLASH = "/"  # the value starts with "/"
_TWO_SLASHES = "//"  # the value does not start with "//"
_BOTH = frozenset({_SLASH, _TWO_SLASHES})
# "/" then anything but a second slash: r"^/(?![/\\])", r"/[^/\\]".
_LOCAL_PATH_PATTERN = re.compile(r"^(?:\^|\\A)?/(?:\(\?!|\[\^)[^)\]]*/")
# Which slice of a URL, compared with which text, says what: u[:1] == "/", u[1:2] != "/", u[:2] != "//".
Span = tuple[int | None, int | None]
_PREFIX_PARTS: dict[Span, tuple[str, str, bool]] = {
    (0, 1): (_SLASH, _SLASH, True),
    (1, 2): (_SLASH, _TWO_SLASHES, False),
    (0, 2): (_TWO_SLASHES, _TWO_SLASHES, False),
}

About = Callable[[ast.AST], bool]


def _number(e: ast.expr | None) -> int | None:
    return e.value if isinstance(e, ast.Constant) and type(e.value) is int else None


def _texts(e: ast.expr) -> set[str]:
    found = e.elts if isinstance(e, ast.Tuple | ast.List | ast.Set) else [e]
    return {c.value for c in found if isinstance(c, ast.Constant) and isinstance(c.value, str)}


def _call_facts(call: ast.Call, when: bool) -> set[str]:
    """``u.startswith("/")`` true: "/"; ``u.startswith(("//", "/\\"))`` false: "//";
    ``re.match(r"^/(?![/\\])", u)`` true: both."""
    func, args = call.func, call.args
    if not isinstance(func, ast.Attribute) or not args:
        return set()
    if func.attr == "startswith" and len(args) == 1:
        texts = _texts(args[0])
        if when:
            return {_SLASH} if texts == {_SLASH} else set()
        return {_TWO_SLASHES} if _TWO_SLASHES in texts else set()
    pattern = args[0]
    if when and func.attr in ("match", "fullmatch") and isinstance(pattern, ast.Constant):
        return set(_BOTH) if isinstance(pattern.value, str) and _LOCAL_PATH_PATTERN.match(pattern.value) else set()
    return set()


def _compare_facts(compare: ast.Compare, when: bool) -> set[str]:
    """``u[0] == "/"``: "/"; ``u[1] != "/"``, ``u[1:2] not in ("/", "\\")``, ``u[:2] != "//"``,
    ``"//" not in u``: "//"."""
    op, left, right = compare.ops[0], compare.left, compare.comparators[0]
    positive = isinstance(op, ast.Eq | ast.In) == when  # the comparison holds as "equal"/"in"
    if not isinstance(op, ast.Eq | ast.NotEq | ast.In | ast.NotIn):
        return set()
    if isinstance(left, ast.Constant) and left.value == _TWO_SLASHES:
        return set() if positive else {_TWO_SLASHES}
    if not isinstance(left, ast.Subscript):
        return set()
    part = left.slice
    if isinstance(part, ast.Slice):
        start = 0 if part.lower is None else _number(part.lower)
        span = (start, _number(part.upper)) if part.step is None else None
    else:
        index = _number(part)
        span = None if index is None else (index, index + 1)
    compared, fact, holds_when_equal = _PREFIX_PARTS.get(span, ("", "", True)) if span else ("", "", True)
    return {fact} if compared in _texts(right) and positive == holds_when_equal else set()


def _facts(test: ast.expr, when: bool, about: About) -> set[str]:
    """What ``test`` evaluating to ``when`` proves about the first characters of the value ``about`` names."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return _facts(test.operand, not when, about)
    if isinstance(test, ast.BoolOp):
        parts = [_facts(v, when, about) for v in test.values]
        if isinstance(test.op, ast.And) == when:  # every operand holds
            return set().union(*parts)
        return set.intersection(*parts)
    if isinstance(test, ast.Call) and about(test):
        return _call_facts(test, when)
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and about(test):
        return _compare_facts(test, when)
    return set()


def _exits(body: list[ast.stmt], ctx: PyContext) -> bool:
    last = body[-1]
    if isinstance(last, ast.Return | ast.Raise | ast.Continue | ast.Break):
        return True
    call = last.value if isinstance(last, ast.Expr) else None
    return isinstance(call, ast.Call) and ctx.call_name(call) in kb.EXIT_CALLS


def _replaces(body: list[ast.stmt], ctx: PyContext, names: set[str]) -> bool:
    """The branch rebinds a checked name to a value not built from it (``nxt = "/"``)."""
    return any(
        isinstance(stmt, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id in names for t in stmt.targets)
        and not names_in(ctx, stmt.value) & names
        for stmt in body
    )


def _within(body: list[ast.stmt], line: int) -> bool:
    return bool(body) and body[0].lineno <= line <= (body[-1].end_lineno or body[-1].lineno)


def _statement_tests(ctx: PyContext, line: int, names: set[str]) -> Iterator[tuple[ast.expr, bool]]:
    """(test, outcome) of the ``if``/``assert`` statements whose outcome holds where ``line`` runs."""
    func = ctx.function
    for node in walk_local(func.body if func is not None else ctx.tree.body):
        if isinstance(node, ast.Assert) and node.lineno < line:
            yield node.test, True
        elif isinstance(node, ast.If):
            ended = (node.end_lineno or node.lineno) < line
            if _within(node.body, line):
                yield node.test, True
            elif _within(node.orelse, line) or (ended and (_exits(node.body, ctx) or _replaces(node.body, ctx, names))):
                yield node.test, False


def _conditional_values(ctx: PyContext, e: ast.expr, names: set[str]) -> Iterator[ast.IfExp]:
    """Conditional expressions in ``e`` or in the values assigned to the names it is built from."""
    scope = local_scope(ctx)
    for source in [e, *(value for name in names for _, value in scope.get(name, []))]:
        yield from (n for n in ast.walk(source) if isinstance(n, ast.IfExp))


def local_path_checked(ctx: PyContext, e: ast.expr, line: int) -> bool:
    """``e`` is proven to be a path on this site where ``line`` runs."""
    names = feeding_names(ctx, e)

    def about(node: ast.AST) -> bool:
        return bool(names_in(ctx, node) & names)

    for choice in _conditional_values(ctx, e, names):
        data = [(branch, when) for branch, when in ((choice.body, True), (choice.orelse, False)) if about(branch)]
        if data and all(_facts(choice.test, when, about) >= _BOTH for _, when in data):
            return True
    return any(_facts(test, when, about) >= _BOTH for test, when in _statement_tests(ctx, line, names))
