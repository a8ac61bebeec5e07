"""Helpers for the injection rule family: local assignments, names feeding a value, guards, URL shapes.

The taint tracker answers "how trusted is this value"; these helpers answer "what does this value look like"
(an argv list, a ``Path`` object, a URL whose host is fixed) and recognise a few guards the tracker cannot
attach to a name (``if ".." in name: abort()``, ``url_has_allowed_host_and_scheme(url=next_url)``).
"""

from __future__ import annotations

import ast
import builtins
import re
from collections.abc import Iterator

from slopguard.engine.python.context import PyContext

Scope = dict[str, list[tuple[int, ast.expr]]]


def walk_local(body: list[ast.stmt]) -> Iterator[ast.AST]:
    """Every node of a body in source order, without entering nested functions, classes or lambdas."""
    stack: list[ast.AST] = list(reversed(body))
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            continue
        stack.extend(reversed(list(ast.iter_child_nodes(node))))


def _scope(ctx: PyContext, owner: ast.AST, body: list[ast.stmt]) -> Scope:
    """The assignments of one body, collected once per file (kept on the file's context, never across files)."""
    return ctx.memo(f"python.scope.{id(owner)}", lambda: _assignments(body))


def _assignments(body: list[ast.stmt]) -> Scope:
    found: Scope = {}
    for node in walk_local(body):
        pairs: list[tuple[ast.expr, ast.expr]] = []
        if isinstance(node, ast.Assign):
            pairs = [(t, node.value) for t in node.targets]
        elif isinstance(node, ast.AnnAssign | ast.NamedExpr) and node.value is not None:
            pairs = [(node.target, node.value)]
        elif isinstance(node, ast.withitem) and node.optional_vars is not None:
            pairs = [(node.optional_vars, node.context_expr)]
        for target, value in pairs:
            if isinstance(target, ast.Name):
                found.setdefault(target.id, []).append((value.lineno, value))
    return found


def local_scope(ctx: PyContext) -> Scope:
    """Assignments of the function being walked (the module body outside functions)."""
    if ctx.function is not None:
        return _scope(ctx, ctx.function, ctx.function.body)
    return _scope(ctx, ctx.tree, ctx.tree.body)


def assigned_value(ctx: PyContext, name: str, before: int) -> ast.expr | None:
    """The value last bound to ``name`` before line ``before``: in the function, else at module level."""
    values = [v for line, v in local_scope(ctx).get(name, []) if line < before]
    if values:
        return values[-1]
    if ctx.function is not None and name not in local_scope(ctx):
        module = _scope(ctx, ctx.tree, ctx.tree.body).get(name, [])
        if len(module) == 1:
            return module[0][1]
    return None


def resolve(ctx: PyContext, e: ast.expr, depth: int = 3) -> ast.expr:
    """Follow a name to the expression it was assigned from (a few steps at most)."""
    while isinstance(e, ast.Name) and depth > 0:
        value = assigned_value(ctx, e.id, e.lineno)
        if value is None:
            break
        e, depth = value, depth - 1
    return e


def is_call_to(ctx: PyContext, e: ast.expr, names: frozenset[str]) -> bool:
    """``e`` (or what the name ``e`` was assigned from) is a call to one of ``names``."""
    e = resolve(ctx, e)
    return isinstance(e, ast.Call) and ctx.call_name(e) in names


_BUILTINS = frozenset(dir(builtins))
_NOT_DATA = frozenset({"request", "req", "self", "cls"})


def _parameters(ctx: PyContext) -> set[str]:
    func = ctx.function
    if func is None:
        return set()
    a = func.args
    return {p.arg for p in [*a.posonlyargs, *a.args, *a.kwonlyargs, a.vararg, a.kwarg] if p is not None}


def names_in(ctx: PyContext, e: ast.AST) -> set[str]:
    """Names of local values used in ``e`` (not modules, builtins or the request object; a parameter or local
    that shadows a builtin, such as FastAPI's ``next: str``, is a value)."""
    found = {n.id for n in ast.walk(e) if isinstance(n, ast.Name)} - _NOT_DATA - ctx.imports.keys()
    builtin = found & _BUILTINS
    if builtin:
        found -= builtin - _parameters(ctx) - local_scope(ctx).keys()
    return found


def feeding_names(ctx: PyContext, e: ast.expr, depth: int = 4) -> set[str]:
    """Local names ``e`` is computed from, following assignments of this function transitively."""
    scope = local_scope(ctx)
    found = names_in(ctx, e)
    frontier = set(found)
    for _ in range(depth):
        nxt: set[str] = set()
        for name in frontier:
            for _line, value in scope.get(name, []):
                nxt |= names_in(ctx, value)
        frontier = nxt - found
        if not frontier:
            break
        found |= frontier
    return found


def checks_before(ctx: PyContext, line: int, assigned: bool = True) -> Iterator[ast.expr]:
    """Tests of ``if``/``while``/``assert`` (and assigned calls) that come before ``line`` in this function."""
    for lineno, check, is_assigned in _checks(ctx):
        if lineno < line and (assigned or not is_assigned):
            yield check


def _checks(ctx: PyContext) -> list[tuple[int, ast.expr, bool]]:
    """(line, expression, whether it is an assigned call) of every check of the function being walked (the module
    body outside functions), in walk order; collected once per function."""
    func = ctx.function
    owner, body = (func, func.body) if func is not None else (ctx.tree, ctx.tree.body)
    return ctx.memo(f"python.checks.{id(owner)}", lambda: _find_checks(body))


def _find_checks(body: list[ast.stmt]) -> list[tuple[int, ast.expr, bool]]:
    found: list[tuple[int, ast.expr, bool]] = []
    for node in walk_local(body):
        if isinstance(node, ast.If | ast.While | ast.Assert | ast.IfExp):
            found.append((node.lineno, node.test, False))
        elif isinstance(node, ast.Assign | ast.AnnAssign) and isinstance(node.value, ast.Call):
            found.append((node.lineno, node.value, True))
    return found


def _mentions(ctx: PyContext, e: ast.AST, names: set[str]) -> bool:
    return any(bool(feeding_names(ctx, n) & names) for n in ast.walk(e) if isinstance(n, ast.Name))


def path_guarded(ctx: PyContext, e: ast.expr, line: int) -> bool:
    """A containment check on a value ``e`` is built from: ``".." in name``, ``full.startswith(BASE)``,
    ``p.is_relative_to(base)``, ``os.path.commonpath([...])``."""
    names = feeding_names(ctx, e)
    for test in checks_before(ctx, line):
        for sub in ast.walk(test):
            if isinstance(sub, ast.Compare) and isinstance(sub.left, ast.Constant):
                text = sub.left.value
                if isinstance(text, str) and ".." in text and _mentions(ctx, sub, names):
                    return True
            elif isinstance(sub, ast.Call):
                func = sub.func
                if isinstance(func, ast.Attribute) and func.attr in ("startswith", "is_relative_to"):
                    if _mentions(ctx, func.value, names):
                        return True
                elif ctx.call_name(sub).rsplit(".", 1)[-1] in ("commonpath", "commonprefix") and _mentions(
                    ctx, sub, names
                ):
                    return True
    return False


_URL_VALIDATOR = re.compile(r"safe|allow|valid|trust|whitelist|permit")
_URL_WORD = re.compile(r"url|host|redirect|domain|next|link")


def _tests_for(ctx: PyContext, e: ast.expr, line: int) -> Iterator[ast.expr]:
    """The checks before ``line``, then those of conditional expressions inside ``e`` itself
    (``redirect(nxt if is_safe(nxt) else "/")``)."""
    yield from checks_before(ctx, line)
    yield from (n.test for n in ast.walk(e) if isinstance(n, ast.IfExp))


def _truth_operands(test: ast.expr) -> Iterator[ast.expr]:
    """The values whose truth a test reads: ``a``, the operands of ``a and not b``."""
    if isinstance(test, ast.BoolOp):
        for value in test.values:
            yield from _truth_operands(value)
    elif isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        yield from _truth_operands(test.operand)
    else:
        yield test


def _host_of(ctx: PyContext, e: ast.AST, names: set[str]) -> bool:
    """``e`` is the host part of a parsed URL built from ``names`` (``urlparse(u).netloc``)."""
    return isinstance(e, ast.Attribute) and e.attr in ("hostname", "netloc") and _mentions(ctx, e, names)


def url_checked(ctx: PyContext, e: ast.expr, line: int) -> bool:
    """The host of a value ``e`` is built from is checked: ``urlparse(u).hostname in ALLOWED``,
    ``url_has_allowed_host_and_scheme(url=u, ...)``, ``is_safe_url(u)``, ``if urlsplit(u).netloc: abort()``."""
    names = feeding_names(ctx, e)
    for test in _tests_for(ctx, e, line):
        if any(_host_of(ctx, part, names) for part in _truth_operands(test)):
            return True
        for sub in ast.walk(test):
            if isinstance(sub, ast.Compare):
                if any(_host_of(ctx, a, names) for a in ast.walk(sub)):
                    return True
            elif isinstance(sub, ast.Call):
                last = ctx.call_name(sub).rsplit(".", 1)[-1].lower()
                if _URL_VALIDATOR.search(last) and _URL_WORD.search(last):
                    args = [*sub.args, *(k.value for k in sub.keywords)]
                    if any(_mentions(ctx, a, names) for a in args):
                        return True
    return False


# ----- URL shapes ------------------------------------------------------------------------------
_FIXED_ABSOLUTE = re.compile(r"^(?:[a-zA-Z][\w+.-]*:)?//[^/?#\\]+[/?#]")
_FIXED_RELATIVE = re.compile(r"^(?:/[^/\\]|[?#])")
_HOST_POSITION = re.compile(r"(?://|[@:])$")


def _literal(e: ast.expr) -> str | None:
    return e.value if isinstance(e, ast.Constant) and isinstance(e.value, str) else None


def _pieces(e: ast.expr) -> list[ast.expr | str]:
    """A string expression as its ordered pieces: literal text, or sub-expressions."""
    if isinstance(e, ast.Constant) and isinstance(e.value, str):
        return [e.value]
    if isinstance(e, ast.JoinedStr):
        out: list[ast.expr | str] = []
        for v in e.values:
            piece = v.value if isinstance(v, ast.FormattedValue) else _literal(v)
            if piece is not None:
                out.append(piece)
        return out
    if isinstance(e, ast.BinOp) and isinstance(e.op, ast.Add):
        return [*_pieces(e.left), *_pieces(e.right)]
    mod = isinstance(e, ast.BinOp) and isinstance(e.op, ast.Mod)
    if mod and isinstance(e, ast.BinOp) and isinstance(e.left, ast.Constant) and isinstance(e.left.value, str):
        return [e.left.value.split("%", 1)[0], e.right]
    if isinstance(e, ast.Call) and isinstance(e.func, ast.Attribute) and e.func.attr == "format":
        recv = e.func.value
        if isinstance(recv, ast.Constant) and isinstance(recv.value, str):
            return [recv.value.split("{", 1)[0], e]
    return [e]


def _constant_text(ctx: PyContext, e: ast.expr) -> str | None:
    value = resolve(ctx, e)
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        return value.value
    return None


def fixed_destination(ctx: PyContext, url: ast.expr) -> bool:
    """The attacker only picks the path or query of ``url``: everything before the first attacker-controlled
    piece is trusted and already names the host (``f"https://api.example.com/users/{uid}"``,
    ``f"/profile/{name}"``, ``settings.API_URL + uid``)."""
    url = resolve(ctx, url, depth=2)
    prefix = ""
    leading_dynamic = False
    for piece in _pieces(url):
        if isinstance(piece, str):
            prefix += piece
            continue
        if ctx.flow(piece).tainted:
            break
        text = _constant_text(ctx, piece)
        if text is not None:
            prefix += text
        elif not prefix:
            leading_dynamic = True
        else:
            prefix += "trusted"  # a configured host or path segment
    else:
        return False
    if leading_dynamic:
        return not _HOST_POSITION.search(prefix)
    return bool(_FIXED_ABSOLUTE.match(prefix) or _FIXED_RELATIVE.match(prefix))


_LOOKUP_METHODS = frozenset(
    {"get", "get_or_404", "first_or_404", "first", "one", "one_or_none", "scalar", "scalar_one", "get_object"}
)
_LOOKUP_FUNCS = frozenset({"get_object_or_404", "get_list_or_404"})


def lookup_result(ctx: PyContext, e: ast.expr) -> bool:
    """``e`` is a value looked up by a key (``PATHS.get(name)``, ``Doc.objects.get(pk=pk).file.path``,
    ``get_object_or_404(Doc, pk=pk).url``): the key picks among stored values, it does not write them. The taint
    tracker carries the key's taint into the result; path, URL and redirect rules do not want it."""
    for _ in range(4):
        e = resolve(ctx, e, depth=1)
        if isinstance(e, ast.Attribute | ast.Subscript):
            e = e.value
            continue
        if not isinstance(e, ast.Call):
            return False
        func = e.func
        if isinstance(func, ast.Name):
            return ctx.call_name(e).rsplit(".", 1)[-1] in _LOOKUP_FUNCS
        if not isinstance(func, ast.Attribute):
            return False
        if func.attr in _LOOKUP_METHODS:
            return ctx.tainted(func.value) is None
        e = func.value  # Doc.query.filter_by(id=x).first(): look through the query chain
    return False
