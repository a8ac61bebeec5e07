"""Helpers shared by the web output and configuration rules (no rules live here)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Sequence

from slopguard.engine.python.context import PyContext

_HTML_TAG = re.compile(r"<[A-Za-z!/]")
_SETTINGS_FILE = re.compile(r"(?:^|[\\/])settings[\w.-]*\.py$|(?:^|[\\/])settings[\\/][\w.-]+\.py$")
_SETTINGS_MARKERS = frozenset({"ALLOWED_HOSTS", "INSTALLED_APPS", "ROOT_URLCONF", "MIDDLEWARE"})
_DEV_FILE = re.compile(r"(?i)dev|local|test|ci\.py$")
_APP_NAME = re.compile(r"(?i)(?:^|_)app(?:lication)?$")
_NESTED_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
# The methods of ``app.config`` that set several values at once (see ``is_config_update``).
CONFIG_UPDATERS = frozenset({"update", "from_mapping"})


def last_part(e: ast.expr) -> str:
    """``logger`` for ``app.logger``, ``app`` for ``app``; empty for anything else."""
    if isinstance(e, ast.Attribute):
        return e.attr
    if isinstance(e, ast.Name):
        return e.id
    return ""


def root(qual: str) -> str:
    return qual.split(".", 1)[0]


def imports_any(ctx: PyContext, roots: frozenset[str]) -> bool:
    """Whether the file imports one of these top-level packages."""
    return not roots.isdisjoint(ctx.imported_roots)


def walk_body(stmts: Sequence[ast.stmt], skip: tuple[type[ast.AST], ...] = ()) -> Iterator[ast.AST]:
    """Every node of a body, not entering nested functions, lambdas, classes or the ``skip`` node types."""
    stop = (*_NESTED_SCOPES, *skip)
    stack: list[ast.AST] = list(reversed(stmts))
    while stack:
        node = stack.pop()
        yield node
        stack.extend(c for c in reversed(list(ast.iter_child_nodes(node))) if not isinstance(c, stop))


def scope_body(ctx: PyContext) -> list[ast.stmt]:
    return ctx.function.body if ctx.function is not None else ctx.tree.body


def assigned_values(stmts: Sequence[ast.stmt], name: str, before: int | None = None) -> list[ast.expr]:
    """Values bound to ``name`` in a body (``=``, ``+=``, ``.append()``), in source order, optionally before a line."""
    found: list[tuple[int, ast.expr]] = []
    for node in walk_body(stmts):
        line = getattr(node, "lineno", 0)
        if before is not None and line >= before:
            continue
        if isinstance(node, ast.Assign):
            if any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
                found.append((line, node.value))
        elif isinstance(node, ast.AnnAssign | ast.AugAssign):
            if isinstance(node.target, ast.Name) and node.target.id == name and node.value is not None:
                found.append((line, node.value))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            recv = node.func.value
            if node.func.attr in ("append", "extend", "insert") and isinstance(recv, ast.Name) and recv.id == name:
                found.extend((line, a) for a in node.args)
    return [value for _, value in sorted(found, key=lambda lv: lv[0])]


def last_value(ctx: PyContext, name: str) -> ast.expr | None:
    """The value last assigned to ``name`` before the statement being walked (function, then module)."""
    line = ctx.statement.lineno if ctx.statement is not None else None
    if ctx.function is not None:
        values = assigned_values(ctx.function.body, name, line)
        if values:
            return values[-1]
    top = [s for s in ctx.tree.body if isinstance(s, ast.Assign | ast.AnnAssign)]
    values = assigned_values(top, name, line if ctx.function is None else None)
    return values[-1] if values else None


def literal_text(e: ast.expr, stmts: Sequence[ast.stmt], seen: set[str] | None = None) -> str:
    """The constant text pieces a string expression is assembled from (through local variables)."""
    seen = set() if seen is None else seen
    if isinstance(e, ast.Constant):
        return e.value if isinstance(e.value, str) else ""
    if isinstance(e, ast.JoinedStr):
        return "".join(v.value for v in e.values if isinstance(v, ast.Constant) and isinstance(v.value, str))
    if isinstance(e, ast.BinOp) and isinstance(e.op, ast.Add | ast.Mod):
        return literal_text(e.left, stmts, seen) + literal_text(e.right, stmts, seen)
    if isinstance(e, ast.IfExp):
        return literal_text(e.body, stmts, seen) + literal_text(e.orelse, stmts, seen)
    if isinstance(e, ast.List | ast.Tuple):
        return "".join(literal_text(x, stmts, seen) for x in e.elts)
    if isinstance(e, ast.ListComp | ast.GeneratorExp):
        return literal_text(e.elt, stmts, seen)
    if isinstance(e, ast.Call) and isinstance(e.func, ast.Attribute) and e.func.attr in ("format", "join"):
        pieces = [e.func.value, *e.args] if e.func.attr == "join" else [e.func.value]
        return "".join(literal_text(p, stmts, seen) for p in pieces)
    if isinstance(e, ast.Name) and e.id not in seen and len(seen) < 8:
        seen.add(e.id)
        return "".join(literal_text(v, stmts, seen) for v in assigned_values(stmts, e.id))
    return ""


def looks_like_html(e: ast.expr, ctx: PyContext) -> bool:
    return bool(_HTML_TAG.search(literal_text(e, scope_body(ctx))))


def module_assignments(ctx: PyContext) -> dict[str, ast.Assign | ast.AnnAssign]:
    """Module-level ``NAME = value`` statements, the last one per name."""
    found: dict[str, ast.Assign | ast.AnnAssign] = {}
    for stmt in ctx.tree.body:
        if isinstance(stmt, ast.Assign):
            for t in stmt.targets:
                if isinstance(t, ast.Name):
                    found[t.id] = stmt
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value is not None:
            found[stmt.target.id] = stmt
    return found


def is_defaults_module(ctx: PyContext) -> bool:
    """Django's own table of defaults (``django/conf/global_settings.py``) states insecure defaults on purpose."""
    return ctx.path.replace("\\", "/").endswith("global_settings.py")


def is_settings_module(ctx: PyContext) -> bool:
    """A Django-style settings module: named settings*.py, or one that defines the core settings."""
    if is_defaults_module(ctx):
        return False
    if _SETTINGS_FILE.search(ctx.path):
        return True
    return not _SETTINGS_MARKERS.isdisjoint(module_assignments(ctx))


def is_dev_file(ctx: PyContext) -> bool:
    """settings/dev.py, local_settings.py, settings_test.py: files meant for a developer's machine or CI."""
    name = re.split(r"[\\/]", ctx.path)[-1]
    return bool(_DEV_FILE.search(name))


def at_module_level(ctx: PyContext) -> bool:
    return ctx.function is None and ctx.statement is not None and any(s is ctx.statement for s in ctx.tree.body)


def const_key(e: ast.expr | None) -> str | None:
    """A constant string key/argument, case preserved."""
    return e.value if isinstance(e, ast.Constant) and isinstance(e.value, str) else None


def is_app(e: ast.expr) -> bool:
    return bool(_APP_NAME.search(last_part(e)))


def config_of_app(e: ast.expr) -> bool:
    """``app.config`` / ``current_app.config`` / ``self.app.config``."""
    return isinstance(e, ast.Attribute) and e.attr == "config" and is_app(e.value)


def is_config_update(call: ast.Call) -> bool:
    """``app.config.update(...)`` / ``app.config.from_mapping(...)``."""
    func = call.func
    return isinstance(func, ast.Attribute) and func.attr in CONFIG_UPDATERS and config_of_app(func.value)


def mapping_flags(call: ast.Call, keys: frozenset[str]) -> Iterator[tuple[str, ast.expr]]:
    """``KEY=value`` keywords and ``{"KEY": value}`` entries of an ``update()``-style call."""
    for kw in call.keywords:
        if kw.arg in keys:
            yield kw.arg, kw.value
    for arg in call.args:
        if isinstance(arg, ast.Dict):
            for k, v in zip(arg.keys, arg.values, strict=True):
                key = const_key(k)
                if key in keys:
                    yield key, v
