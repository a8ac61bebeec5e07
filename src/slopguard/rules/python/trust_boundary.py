"""PY-TRUST-001: request data stored in the server-side session or request globals without validation."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.flow import Flow, describe
from slopguard.engine.hit import Hit, hit_at
from slopguard.engine.python.context import PyContext
from slopguard.engine.registry import python_rule
from slopguard.rules.python.common import method_name

_SESSIONS = frozenset({"flask.session", "quart.session", "flask.g", "quart.g"})
_SESSION_WRITERS = frozenset({"update", "setdefault", "__setitem__"})
_SETATTR = "setattr"


def _is_session(e: ast.expr, ctx: PyContext) -> bool:
    """Flask's ``session``/``g``, Django's ``request.session`` (or ``self.request.session``)."""
    if ctx.qualname(e) in _SESSIONS:
        return True
    if not (isinstance(e, ast.Attribute) and e.attr == "session"):
        return False
    owner = e.value
    if isinstance(owner, ast.Attribute) and owner.attr == "request":
        owner = owner.value
        return isinstance(owner, ast.Name) and owner.id == "self"
    return isinstance(owner, ast.Name) and owner.id in ("request", "req")


def _stored(node: ast.Assign | ast.Call, ctx: PyContext) -> Iterator[tuple[ast.expr, str]]:
    """(value, what) pairs a statement writes into a session: keys and values."""
    if isinstance(node, ast.Assign):
        for target in node.targets:
            if isinstance(target, ast.Subscript) and _is_session(target.value, ctx):
                yield target.slice, "key"
                yield node.value, "value"
            elif isinstance(target, ast.Attribute) and ctx.qualname(target.value) in ("flask.g", "quart.g"):
                yield node.value, "value"
        return
    func = node.func
    if isinstance(func, ast.Attribute) and method_name(node) in _SESSION_WRITERS and _is_session(func.value, ctx):
        for arg in [*node.args, *(k.value for k in node.keywords)]:
            yield arg, "value"
    elif ctx.call_name(node) == _SETATTR and len(node.args) == 3 and ctx.qualname(node.args[0]) in ("flask.g",):
        yield node.args[1], "key"
        yield node.args[2], "value"


@python_rule(
    id="PY-TRUST-001",
    title="Request data stored in the session without validation",
    cwe=501,
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    nodes=(ast.Assign, ast.Call),
    calls=_SESSION_WRITERS | {_SETATTR},
    why="""Assistants carry form values across requests with session["user_id"] = request.form["user_id"] or
    g.role = request.args["role"]. Later code trusts what the session holds because only the server writes
    it, so the client now chooses the user id, role or cart it is treated as having: a mix of trusted and
    untrusted data in one store (CWE-501).""",
    fix="""Store only values the server derived or verified: look the record up and check the user may use it
    (or validate against an allow-list, or convert with int()) before writing it to the session; keep
    identity values set only by the login code.""",
)
def session_trust(node: ast.Assign | ast.Call, ctx: PyContext) -> Iterator[Hit]:
    if not ctx.has_sources:
        return
    for value, what in _stored(node, ctx):
        flow: Flow | None = ctx.tainted(value, unescaped=True)
        if flow is not None:
            yield hit_at(
                node,
                f"session {what} comes from {describe(flow)} without validation; store values the server "
                "checked (or derived) itself",
            )
            return
