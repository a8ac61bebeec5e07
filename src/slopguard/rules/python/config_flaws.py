"""PY-DEBUG-001, PY-TEMP-001: debug mode left on, and temporary files at predictable names."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import replace

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit, hit_at
from slopguard.engine.python.context import PyContext
from slopguard.engine.registry import python_rule
from slopguard.rules.python.common import method_name
from slopguard.rules.python.web_common import (
    CONFIG_UPDATERS,
    at_module_level,
    config_of_app,
    const_key,
    imports_any,
    is_app,
    is_config_update,
    is_dev_file,
    is_settings_module,
    last_part,
    last_value,
    mapping_flags,
    root,
)

_WEB_APPS = frozenset({"flask", "quart", "sanic", "dash", "flask_socketio", "bottle", "werkzeug", "connexion"})
_NOT_WEB_RUNNERS = frozenset({"asyncio", "trio", "anyio", "uvicorn", "hypercorn", "subprocess", "unittest", "pytest"})
_DEBUG_APPS = frozenset({"fastapi.FastAPI", "starlette.applications.Starlette", "starlette.Starlette"})
_RUNNERS = ("run", "run_server")
_DEBUG_FLAG = "debug"
_RUN_SIMPLE = "run_simple"


@python_rule(
    id="PY-DEBUG-001",
    title="Debug mode enabled",
    cwe=489,
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    nodes=(ast.Call, ast.Assign),
    # A call fires with debug=True (app.run, FastAPI), as any ...run_simple(), or as a config update.
    calls={_DEBUG_FLAG, f"*{_RUN_SIMPLE}", *CONFIG_UPDATERS},
    why="""Assistants end Flask apps with app.run(debug=True) and Django settings with DEBUG = True, and the
    code ships that way. Werkzeug's debugger gives anyone who can trigger an error an interactive Python
    console (remote code execution, the PIN is guessable from host facts); Django's and FastAPI's debug pages
    show settings, source and tracebacks to every visitor.""",
    fix="""Read the flag from the environment and default to off: app.run(debug=os.environ.get("FLASK_DEBUG") ==
    "1"), DEBUG = os.environ.get("DJANGO_DEBUG") == "1"; use the framework's dev server only locally.""",
)
def debug_enabled(node: ast.Call | ast.Assign, ctx: PyContext) -> Iterator[Hit]:
    hits = _debug_assign(node, ctx) if isinstance(node, ast.Assign) else _debug_call(node, ctx)
    dev = None
    for hit in hits:
        dev = is_dev_file(ctx) if dev is None else dev
        yield replace(hit, confidence=Confidence.LOW) if dev else hit  # tests and dev settings: expected there


def _debug_call(node: ast.Call, ctx: PyContext) -> Iterator[Hit]:
    name = method_name(node)
    qual = ctx.call_name(node)
    if name in _RUNNERS and ctx.is_true(ctx.kwarg(node, _DEBUG_FLAG)):
        if root(qual) in _NOT_WEB_RUNNERS:
            return
        receiver = node.func.value if isinstance(node.func, ast.Attribute) else node.func
        known = imports_any(ctx, _WEB_APPS)
        if known or is_app(receiver) or last_part(receiver) == "socketio":
            yield hit_at(
                node,
                f"{name}(debug=True) starts the Werkzeug debugger: an error page becomes a remote Python console",
                confidence=Confidence.HIGH if known else Confidence.MEDIUM,
            )
    elif qual.endswith(_RUN_SIMPLE):
        flag = ctx.kwarg(node, "use_debugger") or (node.args[4] if len(node.args) > 4 else None)
        if ctx.is_true(flag):
            yield hit_at(node, "run_simple(use_debugger=True) serves the interactive Werkzeug debugger")
    elif qual in _DEBUG_APPS and ctx.is_true(ctx.kwarg(node, _DEBUG_FLAG)):
        yield hit_at(node, f"{qual.rsplit('.', 1)[-1]}(debug=True) returns tracebacks to clients")
    elif is_config_update(node):
        for _, value in mapping_flags(node, frozenset({"DEBUG"})):
            if ctx.is_true(value):
                yield hit_at(node, "app config sets DEBUG=True")


def _debug_assign(node: ast.Assign, ctx: PyContext) -> Iterator[Hit]:
    if not ctx.is_true(node.value):
        return
    for target in node.targets:
        if isinstance(target, ast.Attribute) and target.attr == "debug" and is_app(target.value):
            yield hit_at(node, f"{ast.unparse(target)} = True turns on the debugger for every request")
        elif isinstance(target, ast.Subscript) and const_key(target.slice) == "DEBUG":
            if config_of_app(target.value):
                yield hit_at(node, "app config sets DEBUG = True")
        elif isinstance(target, ast.Name) and target.id == "DEBUG" and _in_settings(ctx):
            yield hit_at(node, "Django settings DEBUG = True: error pages show settings, source and SQL")


def _in_settings(ctx: PyContext) -> bool:
    return at_module_level(ctx) and is_settings_module(ctx)


_NAME_ONLY = frozenset({"tempfile.mktemp", "os.tempnam", "os.tmpnam"})
_OPENERS = frozenset({"open", "io.open", "builtins.open", "codecs.open"})
_PATH_MAKERS = frozenset({"pathlib.Path", "pathlib.PosixPath"})
_PATH_WRITERS = frozenset({"write_text", "write_bytes", "touch", "symlink_to"})
_PATH_OPEN = "open"


@python_rule(
    id="PY-TEMP-001",
    title="Insecure temporary file",
    cwe=377,
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    nodes=(ast.Call,),
    calls=_NAME_ONLY | _OPENERS | _PATH_WRITERS | {_PATH_OPEN},
    why="""tempfile.mktemp() only returns a name; between choosing it and opening it another local user can
    create that file or a symlink there, and the program then writes into (or reads) a file the attacker
    controls. Assistants reach for mktemp() or a fixed /tmp/output.txt because the name is easy to pass around.""",
    fix="""Use tempfile.NamedTemporaryFile(delete=False), tempfile.mkstemp() or tempfile.TemporaryDirectory(),
    which create the file atomically with private permissions.""",
)
def insecure_temp(node: ast.Call, ctx: PyContext) -> Iterator[Hit]:
    qual = ctx.call_name(node)
    if qual in _NAME_ONLY:
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
    if qual in _OPENERS:
        mode = const_key(node.args[1] if len(node.args) > 1 else ctx.kwarg(node, "mode")) or "r"
        path = _fixed_tmp_path(node.args[0] if node.args else ctx.kwarg(node, "file"), ctx)
        return path, bool(_WRITE_MODE.search(mode))
    func = node.func
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Call):
        maker = ctx.call_name(func.value)
        if maker in _PATH_MAKERS and func.value.args:
            writes = func.attr in _PATH_WRITERS
            if func.attr == _PATH_OPEN:
                mode = const_key(node.args[0] if node.args else ctx.kwarg(node, "mode")) or ""
                writes = bool(_WRITE_MODE.search(mode))
            return _fixed_tmp_path(func.value.args[0], ctx), writes
    return None, False


def _fixed_tmp_path(e: ast.expr | None, ctx: PyContext) -> str | None:
    if isinstance(e, ast.Name):
        e = last_value(ctx, e.id)
    path = const_key(e)
    return path if path is not None and _SHARED_TMP.match(path) else None
