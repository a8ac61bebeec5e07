"""PY-ERRLEAK-001: exception messages and tracebacks sent back to the client."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit, hit_at
from slopguard.engine.python.context import PyContext
from slopguard.engine.registry import python_rule
from slopguard.rules.python.web_common import assigned_values, last_part, walk_body

_TRACEBACK = frozenset({"traceback.format_exc", "traceback.format_exception", "traceback.format_tb"})
_ABORT = frozenset({"flask.abort", "werkzeug.exceptions.abort", "quart.abort", "abort"})
# Exceptions whose message is written for the client (validation, 404s) or carries nothing internal.
_USER_FACING = ("Validation", "Invalid", "HTTPException", "BadRequest", "NotFound", "Http404", "PermissionDenied",
                "DoesNotExist", "JSONDecodeError", "Unauthorized", "Forbidden", "SchemaError")  # fmt: skip
_ERROR_HANDLERS = frozenset({"errorhandler", "app_errorhandler", "exception_handler"})
_NARROW = frozenset({"ValueError", "KeyError", "TypeError", "IndexError", "AttributeError", "LookupError"})


@python_rule(
    id="PY-ERRLEAK-001",
    title="Exception details returned to the client",
    cwe=209,
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    nodes=(ast.ExceptHandler, ast.FunctionDef, ast.AsyncFunctionDef),
    why="""Assistants write except Exception as e: return jsonify(error=str(e)), 500 (or FastAPI's
    HTTPException(detail=str(e))) so errors are "helpful". The message then hands attackers SQL fragments,
    table and column names, file paths, hostnames, library versions and sometimes credentials from
    connection strings, which they use to aim injection and reconnaissance.""",
    fix="""Log the exception server-side (logger.exception(...)) and return a generic message with an error id;
    only return messages of exceptions written for users (validation errors).""",
)
def error_leak(node: ast.ExceptHandler | ast.FunctionDef | ast.AsyncFunctionDef, ctx: PyContext) -> Iterator[Hit]:
    if isinstance(node, ast.ExceptHandler):
        types = node.type.elts if isinstance(node.type, ast.Tuple) else [node.type] if node.type else []
        names = {node.name} if node.name else set()
        yield from _leaks_in(node.body, names, _confidence(types), ctx.route is not None, ctx)
        return
    for dec in node.decorator_list:
        # @app.errorhandler(Exception) def handle(e) / @app.exception_handler(Exception) async def h(request, exc)
        if isinstance(dec, ast.Call) and last_part(dec.func) in _ERROR_HANDLERS:
            params = [a.arg for a in [*node.args.posonlyargs, *node.args.args] if a.arg not in ("self", "cls")]
            param = params[-1] if params else None
            if param is not None:
                yield from _leaks_in(node.body, {param}, _confidence(dec.args[:1]), True, ctx)
            return


def _leaks_in(
    body: list[ast.stmt], names: set[str], confidence: Confidence | None, in_route: bool, ctx: PyContext
) -> Iterator[Hit]:
    if confidence is None:
        return
    for sub in walk_body(body, skip=(ast.ExceptHandler,)):  # nested handlers are visited on their own
        what: str | None = None
        where = "returned to the client"
        if isinstance(sub, ast.Return) and in_route and sub.value is not None:
            what = _leak(sub.value, names, body, ctx)
        elif isinstance(sub, ast.Call):
            parts = _client_parts(sub, ctx)
            what = next((w for w in (_leak(p, names, body, ctx) for p in parts) if w), None)
            where = f"sent to the client by {last_part(sub.func)}()"
        if what:
            yield hit_at(
                sub,
                f"{what} is {where}: it reveals internals (queries, paths, hosts); log it, return a generic error",
                confidence=confidence,
            )


def _confidence(types: list[ast.expr]) -> Confidence | None:
    """MEDIUM for broad handlers, LOW for narrow built-ins, None when the exception is meant for users."""
    if not types:
        return Confidence.MEDIUM
    codes = [t.value for t in types if isinstance(t, ast.Constant) and isinstance(t.value, int)]
    if codes and all(code < 500 for code in codes):
        return None  # 4xx handlers show werkzeug's own client-facing messages
    names = [n for n in map(last_part, types) if n]
    if names and all(any(mark in n for mark in _USER_FACING) for n in names):
        return None
    if names and all(n in _NARROW for n in names):
        return Confidence.LOW
    return Confidence.MEDIUM


def _client_parts(call: ast.Call, ctx: PyContext) -> list[ast.expr]:
    """Arguments of ``HTTPException(...)`` / ``abort(...)`` that end up in the response body."""
    name = ctx.call_name(call)
    if name.rsplit(".", 1)[-1] == "HTTPException":
        parts = [kw.value for kw in call.keywords if kw.arg in ("detail", "description")]
        return parts + call.args[1:2]
    if name in _ABORT and (name != "abort" or "flask" in ctx.text or "werkzeug" in ctx.text):
        return [*call.args[1:], *(kw.value for kw in call.keywords if kw.arg in ("description", "response"))]
    return []


def _leak(e: ast.expr, names: set[str], body: list[ast.stmt], ctx: PyContext, depth: int = 0) -> str | None:
    """How ``e`` carries the exception's text (``str(e)``, ``f"{e}"``, ``e.args``, a traceback), if it does."""
    for sub in ast.walk(e):
        if isinstance(sub, ast.Call):
            qual = ctx.call_name(sub)
            if qual in _TRACEBACK:
                return f"{qual}()"
            if qual in ("str", "repr") and sub.args and _about(sub.args[0], names):
                return f"{qual}({ast.unparse(sub.args[0])})"
            func = sub.func
            if isinstance(func, ast.Attribute) and func.attr == "format" and any(_about(a, names) for a in sub.args):
                return "the exception formatted into a message"
        elif isinstance(sub, ast.FormattedValue) and _about(sub.value, names):
            return "the exception formatted into a message"
        elif isinstance(sub, ast.BinOp) and isinstance(sub.op, ast.Mod) and isinstance(sub.left, ast.Constant):
            values = sub.right.elts if isinstance(sub.right, ast.Tuple) else [sub.right]
            if any(_about(v, names) for v in values):
                return "the exception formatted into a message"
        elif isinstance(sub, ast.Attribute) and sub.attr == "args" and _about(sub.value, names, whole=True):
            return f"{ast.unparse(sub)}"
        elif isinstance(sub, ast.Name) and depth < 2 and sub.id not in names:
            for value in assigned_values(body, sub.id):
                found = _leak(value, names, body, ctx, depth + 1)
                if found:
                    return found
    return None


def _about(e: ast.expr, names: set[str], whole: bool = False) -> bool:
    """``e`` is the caught exception, or (unless ``whole``) an attribute chain on it such as ``e.orig``."""
    if isinstance(e, ast.Name):
        return e.id in names
    if isinstance(e, ast.Attribute) and not whole:
        return e.attr not in ("code", "status_code", "status", "name") and _about(e.value, names)
    return False
