"""PY-DEBUG-001, PY-TEMP-001, PY-COOKIE-001: debug mode, predictable temp files, cookies without flags."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.python.context import PyContext
from slopguard.engine.registry import Hit, hit_at, python_rule
from slopguard.rules.python.common import method_name
from slopguard.rules.python.web_common import (
    at_module_level,
    const_key,
    imports_any,
    is_defaults_module,
    is_settings_module,
    last_part,
    last_value,
    root,
)

_WEB_APPS = frozenset({"flask", "quart", "sanic", "dash", "flask_socketio", "bottle", "werkzeug", "connexion"})
_NOT_WEB_RUNNERS = frozenset({"asyncio", "trio", "anyio", "uvicorn", "hypercorn", "subprocess", "unittest", "pytest"})
_DEBUG_APPS = frozenset({"fastapi.FastAPI", "starlette.applications.Starlette", "starlette.Starlette"})
_APP_NAME = re.compile(r"(?i)(?:^|_)app(?:lication)?$")


def _is_app(e: ast.expr) -> bool:
    return bool(_APP_NAME.search(last_part(e)))


def _config_of_app(e: ast.expr) -> bool:
    """``app.config`` / ``current_app.config`` / ``self.app.config``."""
    return isinstance(e, ast.Attribute) and e.attr == "config" and _is_app(e.value)


def _mapping_flags(call: ast.Call, keys: frozenset[str]) -> Iterator[tuple[str, ast.expr]]:
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


@python_rule(
    id="PY-DEBUG-001",
    title="Debug mode enabled",
    cwe=489,
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    nodes=(ast.Call, ast.Assign),
    why="""Assistants end Flask apps with app.run(debug=True) and Django settings with DEBUG = True, and the
    code ships that way. Werkzeug's debugger gives anyone who can trigger an error an interactive Python
    console (remote code execution, the PIN is guessable from host facts); Django's and FastAPI's debug pages
    show settings, source and tracebacks to every visitor.""",
    fix="""Read the flag from the environment and default to off: app.run(debug=os.environ.get("FLASK_DEBUG") ==
    "1"), DEBUG = os.environ.get("DJANGO_DEBUG") == "1"; use the framework's dev server only locally.""",
)
def debug_enabled(node: ast.Call | ast.Assign, ctx: PyContext) -> Iterator[Hit]:
    if isinstance(node, ast.Assign):
        yield from _debug_assign(node, ctx)
        return
    name = method_name(node)
    qual = ctx.call_name(node)
    if name in ("run", "run_server") and ctx.is_true(ctx.kwarg(node, "debug")):
        if root(qual) in _NOT_WEB_RUNNERS:
            return
        receiver = node.func.value if isinstance(node.func, ast.Attribute) else node.func
        known = imports_any(ctx, _WEB_APPS)
        if known or _is_app(receiver) or last_part(receiver) == "socketio":
            yield hit_at(
                node,
                f"{name}(debug=True) starts the Werkzeug debugger: an error page becomes a remote Python console",
                confidence=Confidence.HIGH if known else Confidence.MEDIUM,
            )
    elif qual.endswith("run_simple"):
        flag = ctx.kwarg(node, "use_debugger") or (node.args[4] if len(node.args) > 4 else None)
        if ctx.is_true(flag):
            yield hit_at(node, "run_simple(use_debugger=True) serves the interactive Werkzeug debugger")
    elif qual in _DEBUG_APPS and ctx.is_true(ctx.kwarg(node, "debug")):
        yield hit_at(node, f"{qual.rsplit('.', 1)[-1]}(debug=True) returns tracebacks to clients")
    elif name in ("update", "from_mapping") and isinstance(node.func, ast.Attribute):
        if _config_of_app(node.func.value):
            for _, value in _mapping_flags(node, frozenset({"DEBUG"})):
                if ctx.is_true(value):
                    yield hit_at(node, "app config sets DEBUG=True")


def _debug_assign(node: ast.Assign, ctx: PyContext) -> Iterator[Hit]:
    if not ctx.is_true(node.value):
        return
    for target in node.targets:
        if isinstance(target, ast.Attribute) and target.attr == "debug" and _is_app(target.value):
            yield hit_at(node, f"{ast.unparse(target)} = True turns on the debugger for every request")
        elif isinstance(target, ast.Subscript) and const_key(target.slice) == "DEBUG":
            if _config_of_app(target.value):
                yield hit_at(node, "app config sets DEBUG = True")
        elif isinstance(target, ast.Name) and target.id == "DEBUG" and at_module_level(ctx):
            if is_settings_module(ctx):
                yield hit_at(node, "Django settings DEBUG = True: error pages show settings, source and SQL")


@python_rule(
    id="PY-TEMP-001",
    title="Insecure temporary file",
    cwe=377,
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    nodes=(ast.Call,),
    why="""tempfile.mktemp() only returns a name; between choosing it and opening it another local user can
    create that file or a symlink there, and the program then writes into (or reads) a file the attacker
    controls. Assistants reach for mktemp() or a fixed /tmp/output.txt because the name is easy to pass around.""",
    fix="""Use tempfile.NamedTemporaryFile(delete=False), tempfile.mkstemp() or tempfile.TemporaryDirectory(),
    which create the file atomically with private permissions.""",
)
def insecure_temp(node: ast.Call, ctx: PyContext) -> Iterator[Hit]:
    qual = ctx.call_name(node)
    if qual in ("tempfile.mktemp", "os.tempnam", "os.tmpnam"):
        yield hit_at(node, f"{qual}() returns a name another process can claim first; use tempfile.mkstemp()")
        return
    path, mode = _opened_for_writing(node, qual, ctx)
    if path is not None and mode:
        yield hit_at(
            node,
            f"writes to the fixed, shared path {path!r}: another local user can plant a symlink there first",
            confidence=Confidence.LOW,
        )


_SHARED_TMP = re.compile(r"^/(?:var/)?tmp/[^/{}]+$|^/dev/shm/[^/{}]+$")
_WRITE_MODE = re.compile(r"[wax+]")


def _opened_for_writing(node: ast.Call, qual: str, ctx: PyContext) -> tuple[str | None, bool]:
    """A fixed path under /tmp and whether the call writes to it."""
    if qual in ("open", "io.open", "builtins.open", "codecs.open"):
        mode = const_key(node.args[1] if len(node.args) > 1 else ctx.kwarg(node, "mode")) or "r"
        return _fixed_tmp_path(node.args[0] if node.args else ctx.kwarg(node, "file"), ctx), bool(_WRITE_MODE.search(mode))
    func = node.func
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Call):
        maker = ctx.call_name(func.value)
        if maker in ("pathlib.Path", "pathlib.PosixPath") and func.value.args:
            writes = func.attr in ("write_text", "write_bytes", "touch", "symlink_to")
            if func.attr == "open":
                writes = bool(_WRITE_MODE.search(const_key(node.args[0] if node.args else ctx.kwarg(node, "mode")) or ""))
            return _fixed_tmp_path(func.value.args[0], ctx), writes
    return None, False


def _fixed_tmp_path(e: ast.expr | None, ctx: PyContext) -> str | None:
    if isinstance(e, ast.Name):
        e = last_value(ctx, e.id)
    path = const_key(e)
    return path if path is not None and _SHARED_TMP.match(path) else None


_COOKIE_SETTINGS = frozenset(
    {"SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "CSRF_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE",
     "REMEMBER_COOKIE_HTTPONLY"}
)  # fmt: skip
_SENSITIVE = re.compile(
    r"(?i)sess|token|auth|jwt|sid|remember|csrf|xsrf|login|user|access|refresh|api.?key|secret|cred|ident|account"
)
_DEV_CLASS = re.compile(r"(?i)dev|test|local|debug")
_FLAG_POSITIONS = {"secure": 6, "httponly": 7, "samesite": 8}


@python_rule(
    id="PY-COOKIE-001",
    title="Cookie without Secure/HttpOnly",
    cwe=(614, 1004),
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    nodes=(ast.Call, ast.Assign),
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
    name = method_name(node)
    if name in ("update", "from_mapping") and isinstance(node.func, ast.Attribute):
        if _config_of_app(node.func.value):
            for key, value in _mapping_flags(node, _COOKIE_SETTINGS):
                if ctx.is_false(value):
                    effect = "lets scripts read" if key.endswith("HTTPONLY") else "sends over plain HTTP"
                    yield hit_at(node, f"app config sets {key}=False, which {effect} the cookie")
        return
    if name not in ("set_cookie", "set_signed_cookie") or not isinstance(node.func, ast.Attribute):
        return
    if any(kw.arg is None for kw in node.keywords) or "client" in last_part(node.func.value).lower():
        return
    cookie = const_key(node.args[0] if node.args else ctx.kwarg(node, "key"))
    if cookie is None and (not node.args or isinstance(node.args[0], ast.Starred)) and ctx.kwarg(node, "key") is None:
        return  # CookieJar.set_cookie(cookie_object) and the like
    missing = [flag for flag in ("secure", "httponly", "samesite") if not _flag_set(node, flag, ctx)]
    if cookie is not None and "csrf" in cookie.lower() and "httponly" in missing:
        missing.remove("httponly")  # double-submit CSRF cookies are read by JavaScript on purpose
    if imports_any(ctx, frozenset({"starlette", "fastapi"})) and "samesite" in missing:
        missing.remove("samesite")  # Starlette defaults to samesite="lax"
    if not missing:
        return
    label = repr(cookie) if cookie is not None else "cookie"
    if missing == ["samesite"]:
        yield hit_at(
            node,
            f"{name}({label}) has no samesite: set samesite='Lax' to limit cross-site requests",
            severity=Severity.LOW,
            confidence=Confidence.LOW,
        )
        return
    flags = ", ".join(f"{f}=True" for f in missing if f != "samesite")
    note = " (and no samesite)" if "samesite" in missing else ""
    sensitive = cookie is None or bool(_SENSITIVE.search(cookie))
    yield hit_at(
        node,
        f"{name}({label}) without {flags}{note}",
        severity=Severity.MEDIUM if sensitive else Severity.LOW,
        confidence=Confidence.HIGH if cookie is not None and sensitive else Confidence.MEDIUM if sensitive else Confidence.LOW,
    )


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
        elif isinstance(target, ast.Subscript) and _config_of_app(target.value):
            key = const_key(target.slice)
        if key not in _COOKIE_SETTINGS:
            continue
        klass = _enclosing_class(node, ctx)
        dev = klass is not None and bool(_DEV_CLASS.search(klass))
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
