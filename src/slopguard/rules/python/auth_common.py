"""Helpers shared by the authentication-flow rules (PY-RATE-001, PY-ENUM-001); no rules live here."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from slopguard.engine.python.context import FunctionNode, PyContext
from slopguard.engine.python.routes import Route
from slopguard.rules.python.common import method_name

_B, _E = r"(?<![a-z])(?:", r")(?![a-z])"
_REGISTER = re.compile(_B + r"register|registration|signup|sign_up" + _E)
_RESET = re.compile(_B + r"reset|forgot|forgotten|recover|recovery" + _E)
_ONE_TIME = r"otp|totp|mfa|2fa"
ONE_TIME_CODE = re.compile(_B + _ONE_TIME + _E)
_LOGIN = re.compile(_B + r"login|log_in|signin|sign_in|auth|authenticate|authentication|token|" + _ONE_TIME + _E)
_NOT_AUTH = re.compile(_B + r"logout|log_out|signout|sign_out|refresh|revoke|me" + _E)

_NAMED_STATUS = {"NOT_FOUND": 404, "UNAUTHORIZED": 401, "FORBIDDEN": 403, "BAD_REQUEST": 400, "CONFLICT": 409}
_CLASS_STATUS = {
    "NotFound": 404, "Http404": 404, "HttpResponseNotFound": 404, "AuthenticationFailed": 401,
    "NotAuthenticated": 401, "Unauthorized": 401, "PermissionDenied": 403, "HttpResponseForbidden": 403,
}  # fmt: skip

# Methods of a handler that acts on a submitted form or body (``ANY``: a Django view, methods unknown).
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "ANY"})


def _snake(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", text).lower())


def handler_label(func: FunctionNode, route: Route, ctx: PyContext) -> str:
    """The handler's name, route path and class name, snake_cased and joined: what it says it does."""
    cls = ctx.class_of.get(id(func))
    return "_".join(_snake(p) for p in (func.name, route.path or "", cls.name if cls else ""))


def auth_kind(func: FunctionNode, route: Route, ctx: PyContext) -> str | None:
    """'register', 'reset' or 'login' when the handler's name, path or class says it authenticates."""
    label = handler_label(func, route, ctx)
    if _REGISTER.search(label):
        return "register"
    if _NOT_AUTH.search(label):
        return None
    if _RESET.search(label):
        return "reset"
    return "login" if _LOGIN.search(label) else None


def words(func: FunctionNode) -> str:
    """Identifiers and identifier-like strings of a function's signature and body (no docstring or prose)."""
    body = func.body[1:] if ast.get_docstring(func) is not None else func.body
    found: list[str] = []
    for root in [func.args, *body]:
        for n in ast.walk(root):
            if isinstance(n, ast.Name):
                found.append(n.id)
            elif isinstance(n, ast.Attribute):
                found.append(n.attr)
            elif isinstance(n, ast.arg | ast.keyword) and n.arg:
                found.append(n.arg)
            elif isinstance(n, ast.Constant) and isinstance(n.value, str) and " " not in n.value:
                found.append(n.value)
    return " ".join(found).lower()


def names(nodes: list[ast.expr]) -> str:
    """The names and attribute names used in ``nodes``, lower-cased and joined by spaces."""
    return " ".join(
        n.id if isinstance(n, ast.Name) else n.attr
        for root in nodes
        for n in ast.walk(root)
        if isinstance(n, ast.Name | ast.Attribute)
    ).lower()


def targets_of(n: ast.Assign | ast.AnnAssign | ast.NamedExpr) -> list[ast.expr]:
    return list(n.targets) if isinstance(n, ast.Assign) else [n.target]


def answer_texts(e: ast.expr) -> Iterator[str]:
    """The string literals of an answer (not dict keys), normalised for comparison."""
    stack: list[ast.AST] = [e]
    while stack:
        n = stack.pop()
        if isinstance(n, ast.Constant) and isinstance(n.value, str):
            text = " ".join(n.value.replace("\u2019", "'").lower().split()).strip(" .!")
            if text:
                yield text
        elif isinstance(n, ast.JoinedStr):
            parts = (str(v.value) if isinstance(v, ast.Constant) else "{}" for v in n.values)
            yield " ".join("".join(parts).lower().split()).strip(" .!")
        elif isinstance(n, ast.Dict):
            stack.extend(v for v in n.values)
        else:
            stack.extend(ast.iter_child_nodes(n))


def _status_code(e: ast.expr) -> int | None:
    if isinstance(e, ast.Constant) and isinstance(e.value, int) and 100 <= e.value <= 599:
        return e.value
    if isinstance(e, ast.Attribute):
        found = re.search(r"_(\d{3})(?:_|$)", e.attr)
        return int(found.group(1)) if found else _NAMED_STATUS.get(e.attr)
    return None


def answer_status(e: ast.expr) -> int | None:
    """The HTTP status of an answer: ``(body, 404)``, ``Response(..., status=401)``, ``raise NotFound()``."""
    if isinstance(e, ast.Tuple) and len(e.elts) >= 2:
        return _status_code(e.elts[1])
    if not isinstance(e, ast.Call):
        return None
    for kw in e.keywords:
        if kw.arg in ("status", "status_code", "code"):
            return _status_code(kw.value)
    for arg in e.args:
        code = _status_code(arg)
        if code:
            return code
    return _CLASS_STATUS.get(method_name(e))
