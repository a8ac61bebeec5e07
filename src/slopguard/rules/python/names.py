"""What Python code calls a value, as the crypto and secrets rules read it: speaking names, the names a value is
bound to, assignments in scope (the words of a name are ``slopguard.rules.shared.names``')."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from slopguard.engine.python.context import FunctionNode, PyContext
from slopguard.rules.python.common import first_arg, method_name

_PASSTHROUGH = frozenset(
    {"encode", "decode", "strip", "lstrip", "rstrip", "lower", "upper", "casefold", "str", "bytes", "bytearray",
     "fromhex", "unhexlify", "hexlify", "b64decode", "b64encode", "urlsafe_b64decode", "urlsafe_b64encode", "await"}
)  # fmt: skip
_KEYED_GETTERS = frozenset({"get", "getlist", "pop", "getenv", "get_header", "getheader"})


def speaking_name(e: ast.expr) -> str | None:
    """The name a reader would call a value by: ``user.password`` -> password, ``d["token"]`` -> token,
    ``request.headers.get("X-Signature")`` -> X-Signature, ``sig.encode()`` -> sig, ``make_token()`` -> make_token.
    """
    for _ in range(8):
        if isinstance(e, ast.Name):
            return e.id
        if isinstance(e, ast.Attribute):
            return e.attr
        if isinstance(e, ast.Await):
            e = e.value
        elif isinstance(e, ast.Subscript):
            key = e.slice
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                return key.value
            e = e.value
        elif isinstance(e, ast.Call):
            name = method_name(e)
            if name in _PASSTHROUGH:
                inner = e.func.value if isinstance(e.func, ast.Attribute) else first_arg(e)
                if inner is None:
                    return None
                e = inner
                continue
            arg = e.args[1] if name == "getattr" and len(e.args) > 1 else first_arg(e)
            if name in _KEYED_GETTERS or name == "getattr":
                key_text = PyContext.string(arg)
                if key_text:
                    return key_text
            return name or None
        else:
            return None
    return None


def binding_names(node: ast.AST, stmt: ast.stmt | None) -> list[str]:
    """Names the value of ``node`` is bound to: keyword argument, dict key, or the statement's targets."""
    path = ancestors(stmt, node)
    child: ast.AST = node
    for parent in reversed(path):
        if isinstance(parent, ast.keyword) and parent.arg:
            return [parent.arg]
        if isinstance(parent, ast.Dict):
            for key, value in zip(parent.keys, parent.values, strict=True):
                if value is child and isinstance(key, ast.Constant) and isinstance(key.value, str):
                    return [key.value]
        if isinstance(parent, ast.Assign):
            return [n for t in parent.targets if (n := target_name(t))]
        if isinstance(parent, ast.AnnAssign | ast.AugAssign | ast.NamedExpr):
            n = target_name(parent.target)
            return [n] if n else []
        child = parent
    return []


def target_name(t: ast.expr) -> str | None:
    if isinstance(t, ast.Name | ast.Attribute):
        return speaking_name(t)
    if isinstance(t, ast.Subscript):
        key = PyContext.string(t.slice)
        return key if key is not None else speaking_name(t.value)
    return None


def ancestors(root: ast.AST | None, node: ast.AST) -> list[ast.AST]:
    """The nodes from ``root`` down to ``node``'s parent (empty when ``node`` is not inside ``root``)."""
    if root is None:
        return []
    stack: list[tuple[ast.AST, tuple[ast.AST, ...]]] = [(root, ())]
    while stack:
        current, path = stack.pop()
        if current is node:
            return list(path)
        for child in ast.iter_child_nodes(current):
            if not isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
                stack.append((child, (*path, current)))
    return []


def assigned_value(name: str, ctx: PyContext, before: int | None = None) -> ast.expr | None:
    """The last value assigned to ``name`` in the enclosing function (or at module level) before a line."""
    scope: ast.AST = ctx.function if ctx.function is not None else ctx.tree
    limit = before if before is not None else (ctx.statement.lineno if ctx.statement else 10**9)
    found: ast.expr | None = None
    found_line = -1
    for node in _scope_assignments(scope, ctx):
        if not found_line < node.lineno < limit:
            continue
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        if node.value is not None and any(isinstance(t, ast.Name) and t.id == name for t in targets):
            found, found_line = node.value, node.lineno
    return found


Assignment = ast.Assign | ast.AnnAssign | ast.NamedExpr


def _scope_assignments(scope: ast.AST, ctx: PyContext) -> list[Assignment]:
    """The assignments of one scope in walk order, collected once per scope (not once per question)."""
    return ctx.memo(
        f"python.assignments.{id(scope)}",
        lambda: [n for n in _walk_scope(scope) if isinstance(n, ast.Assign | ast.AnnAssign | ast.NamedExpr)],
    )


def _walk_scope(scope: ast.AST) -> Iterator[ast.AST]:
    """Every node of one scope, without descending into nested functions, classes and lambdas."""
    stack = list(ast.iter_child_nodes(scope))
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            stack.extend(ast.iter_child_nodes(node))


def param_names(func: FunctionNode | None) -> set[str]:
    if func is None:
        return set()
    a = func.args
    return {x.arg for x in [*a.posonlyargs, *a.args, *a.kwonlyargs]} - {"self", "cls"}
