"""PY-COOKIE-001/002/003: cookies set without Secure and/or HttpOnly (each finding names only the missing flag's
CWE), and session-cookie settings switched off."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit, hit_at
from slopguard.engine.python.context import PyContext
from slopguard.engine.registry import python_rule
from slopguard.rules.python.common import method_name
from slopguard.rules.python.web_common import (
    CONFIG_UPDATERS,
    config_of_app,
    const_key,
    imports_any,
    is_config_update,
    is_defaults_module,
    is_dev_file,
    last_part,
    mapping_flags,
)
from slopguard.rules.shared.cookies import PERSONAL_COOKIE, SESSION_COOKIE

_COOKIE_SETTINGS = frozenset(
    {"SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "CSRF_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE",
     "REMEMBER_COOKIE_HTTPONLY"}
)  # fmt: skip
_DEV_CLASS = re.compile(r"(?i)dev|test|local|debug")
_FLAG_POSITIONS = {"secure": 6, "httponly": 7, "samesite": 8}
_SETTERS = frozenset({"set_cookie", "set_signed_cookie"})


@python_rule(
    id="PY-COOKIE-001",
    title="Cookie without Secure and HttpOnly",
    cwe=(614, 1004),
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    nodes=(ast.Call, ast.Assign),
    calls=_SETTERS | CONFIG_UPDATERS,
    why="""Assistants call resp.set_cookie("session", token) with the defaults, which in Flask, Django and
    Starlette are Secure=False and HttpOnly=False, or turn SESSION_COOKIE_SECURE off to make local HTTP work.
    The token then travels over plain HTTP to anyone on the network, and any injected script can read it
    from document.cookie and send it away.""",
    fix="""Pass secure=True, httponly=True and samesite="Lax" (or "Strict") to set_cookie, and keep
    SESSION_COOKIE_SECURE / CSRF_COOKIE_SECURE / SESSION_COOKIE_HTTPONLY at True in production settings.""",
)
def cookie_flags(node: ast.Call | ast.Assign, ctx: PyContext) -> Iterator[Hit]:
    if isinstance(node, ast.Assign):
        yield from _cookie_setting(node, ctx)
        return
    if is_config_update(node):
        for key, value in mapping_flags(node, _COOKIE_SETTINGS):
            if ctx.is_false(value):
                effect = "lets scripts read" if key.endswith("HTTPONLY") else "sends over plain HTTP"
                yield hit_at(node, f"app config sets {key}=False, which {effect} the cookie")
        return
    yield from _missing_flags(node, ctx, {"secure", "httponly"})


@python_rule(
    id="PY-COOKIE-002",
    title="Cookie without Secure",
    cwe=614,
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    nodes=(ast.Call,),
    calls=_SETTERS,
    why="""Assistants set httponly=True and forget secure=True (or pass secure=False so the login works on
    http://localhost). Without the Secure attribute the browser also sends the cookie over plain HTTP, where
    anyone on the network path reads the session or token and replays it.""",
    fix="""Pass secure=True to set_cookie (Flask, Django, Starlette), and serve the site over HTTPS only.""",
)
def cookie_without_secure(node: ast.Call, ctx: PyContext) -> Iterator[Hit]:
    yield from _missing_flags(node, ctx, {"secure"})


@python_rule(
    id="PY-COOKIE-003",
    title="Cookie without HttpOnly",
    cwe=1004,
    severity=Severity.LOW,
    confidence=Confidence.MEDIUM,
    nodes=(ast.Call,),
    calls=_SETTERS,
    why="""Assistants set secure=True and leave httponly at its default, False. Any script running in the
    page, including one injected through an XSS flaw, then reads the cookie from document.cookie and sends
    the session or token to the attacker.""",
    fix="""Pass httponly=True to set_cookie for every cookie JavaScript does not need to read (CSRF
    double-submit cookies are the usual exception).""",
)
def cookie_without_httponly(node: ast.Call, ctx: PyContext) -> Iterator[Hit]:
    yield from _missing_flags(node, ctx, {"httponly"})


def _missing_flags(node: ast.Call, ctx: PyContext, wanted: set[str]) -> Iterator[Hit]:
    """A hit when the flags a ``set_cookie`` call lacks (of Secure and HttpOnly) are exactly ``wanted``."""
    name = method_name(node)
    if name not in _SETTERS or not isinstance(node.func, ast.Attribute):
        return
    if any(kw.arg is None for kw in node.keywords) or "client" in last_part(node.func.value).lower():
        return
    if any(_is_zero(ctx.kwarg(node, k)) for k in ("max_age", "expires")):
        return  # expiring (deleting) a cookie
    cookie = const_key(node.args[0] if node.args else ctx.kwarg(node, "key"))
    if cookie is None and len(node.args) < 2 and ctx.kwarg(node, "value") is None:
        return  # CookieJar.set_cookie(cookie_object) and the like
    missing = {flag for flag in ("secure", "httponly") if not _flag_set(node, flag, ctx)}
    if cookie is not None and "csrf" in cookie.lower():
        missing.discard("httponly")  # double-submit CSRF cookies are read by JavaScript on purpose
    if missing != wanted:
        return
    flags = ", ".join(f"{f}=True" for f in ("secure", "httponly") if f in missing)
    samesite = _flag_set(node, "samesite", ctx) or imports_any(ctx, frozenset({"starlette", "fastapi"}))
    note = "" if samesite else " (and no samesite)"
    label = repr(cookie) if cookie is not None else "cookie"
    value = node.args[1] if len(node.args) > 1 else ctx.kwarg(node, "value")
    if cookie is None:
        severity, confidence = Severity.MEDIUM, Confidence.MEDIUM
    elif _holds_secret(cookie):
        severity, confidence = Severity.MEDIUM, Confidence.HIGH
    elif value is not None and _holds_secret(_value_name(value)):
        severity, confidence = Severity.MEDIUM, Confidence.MEDIUM
    else:
        return  # a preference ("portal_theme", user.theme): no session, token or personal data to steal
    yield hit_at(node, f"{name}({label}) without {flags}{note}", severity=severity, confidence=confidence)


def _holds_secret(name: str) -> bool:
    """A cookie or value name that reads as a session, a token, an account or personal data."""
    return bool(SESSION_COOKIE.search(name) or PERSONAL_COOKIE.search(name))


def _value_name(e: ast.expr) -> str:
    """What a reader calls a cookie's value: ``token``, ``user.theme`` -> theme, ``str(user.id)`` -> id,
    ``f"Bearer {token}"`` -> token, ``form["email"]`` -> email, ``secrets.token_urlsafe(24)`` -> token_urlsafe, a
    constant -> its text."""
    if isinstance(e, ast.Call):
        if isinstance(e.func, ast.Name) and e.func.id in ("str", "repr") and e.args:
            return _value_name(e.args[0])
        key = const_key(e.args[0]) if e.args and method_name(e) == "get" else None
        return key if key is not None else last_part(e.func)
    if isinstance(e, ast.Subscript):
        key = const_key(e.slice)  # request.form["email"] -> email
        return key if key is not None else _value_name(e.value)
    if isinstance(e, ast.JoinedStr):
        return " ".join(_value_name(v.value) for v in e.values if isinstance(v, ast.FormattedValue))
    if isinstance(e, ast.Constant):
        return str(e.value)
    return last_part(e)


def _is_zero(e: ast.expr | None) -> bool:
    return isinstance(e, ast.Constant) and e.value in (0, "Thu, 01 Jan 1970 00:00:00 GMT") and e.value is not False


def _flag_set(node: ast.Call, flag: str, ctx: PyContext) -> bool:
    """True unless the flag is absent, False or None (a non-constant value counts as set)."""
    value = ctx.kwarg(node, flag)
    position = _FLAG_POSITIONS[flag]
    if value is None and len(node.args) > position:
        value = node.args[position]
    if value is None:
        return False
    return not (ctx.is_false(value) or (isinstance(value, ast.Constant) and value.value is None))


def _cookie_setting(node: ast.Assign, ctx: PyContext) -> Iterator[Hit]:
    if not ctx.is_false(node.value) or is_defaults_module(ctx):
        return
    for target in node.targets:
        key: str | None = None
        if isinstance(target, ast.Name):
            key = target.id
        elif isinstance(target, ast.Subscript) and config_of_app(target.value):
            key = const_key(target.slice)
        if key not in _COOKIE_SETTINGS:
            continue
        klass = _enclosing_class(node, ctx)
        dev = (klass is not None and bool(_DEV_CLASS.search(klass))) or is_dev_file(ctx)
        effect = "lets scripts read the cookie" if key.endswith("HTTPONLY") else "sends the cookie over plain HTTP"
        yield hit_at(
            node,
            f"{key} = False {effect}",
            confidence=Confidence.LOW if dev else None,
        )


def _enclosing_class(node: ast.Assign, ctx: PyContext) -> str | None:
    for stmt in ctx.tree.body:
        if isinstance(stmt, ast.ClassDef) and any(s is node for s in stmt.body):
            return stmt.name
    return None
