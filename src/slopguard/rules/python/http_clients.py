"""HTTP client sessions and URL checks, for PY-SSRF-001 (no rules live here).

Which receivers are client sessions (``requests.Session()``, ``httpx.AsyncClient()``, ``aiohttp.ClientSession()``,
also when stored on the app or on ``self`` and read back elsewhere), and which checks on a URL only pin its scheme.
"""

from __future__ import annotations

import ast
import re

from slopguard.engine.flow import Flow
from slopguard.engine.python.context import PyContext
from slopguard.rules.python.injection_helpers import assigned_value, checks_before, is_call_to, resolve, walk_local

CLIENTS = frozenset(
    {"requests.Session", "requests.session", "requests.sessions.Session", "httpx.Client", "httpx.AsyncClient",
     "aiohttp.ClientSession", "urllib3.PoolManager", "urllib3.ProxyManager"}
)  # fmt: skip


def checks_name(call: ast.Call, name: str) -> bool:
    """``f(name)`` or ``name.method()``: the shapes the taint tracker takes for a validator of ``name``."""
    func = call.func
    receiver = isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == name
    return receiver or any(isinstance(a, ast.Name) and a.id == name for a in call.args)


def is_client(ctx: PyContext, recv: ast.expr) -> bool:
    """``recv`` is an HTTP client session: made here (``requests.Session()``, ``async with
    aiohttp.ClientSession() as s``), annotated as one (``s: aiohttp.ClientSession = request.app["http"]``), or
    read from where this module stores one (``app["http"] = aiohttp.ClientSession()`` then ``request.app["http"]``;
    ``self.client = httpx.AsyncClient()`` then ``self.client``; a module-level ``SESSION``)."""
    if is_call_to(ctx, recv, CLIENTS):
        return True
    if isinstance(recv, ast.Name) and recv.id in _client_annotations(ctx):
        return True
    value = resolve(ctx, recv)
    if _made_by_factory(ctx, value):
        return True
    key = _storage_key(value)
    return key is not None and key in _stored_clients(ctx)


def _made_by_factory(ctx: PyContext, e: ast.expr) -> bool:
    """``await _http_client()``: a call of a module function whose every ``return`` makes a client session."""
    call = e.value if isinstance(e, ast.Await) else e
    if not isinstance(call, ast.Call) or not isinstance(call.func, ast.Name):
        return False
    func = ctx.module_functions.get(call.func.id)
    if func is None:
        return False
    returns = [n.value for n in walk_local(func.body) if isinstance(n, ast.Return)]
    return bool(returns) and all(r is not None and is_call_to(ctx, r, CLIENTS) for r in returns)


def _storage_key(e: ast.expr) -> tuple[str, str] | None:
    """Where a value lives, independent of the object holding it: ``x["http"]``, ``x.client``, ``SESSION``."""
    if isinstance(e, ast.Subscript) and isinstance(e.slice, ast.Constant) and isinstance(e.slice.value, str):
        return "[]", e.slice.value
    if isinstance(e, ast.Attribute):
        return ".", e.attr
    if isinstance(e, ast.Name):
        return "name", e.id
    return None


def _stored_clients(ctx: PyContext) -> frozenset[tuple[str, str]]:
    """Storage keys this module assigns client sessions to (subscripts, attributes, module-level names)."""
    return ctx.memo("python.stored_clients", lambda: _find_stored_clients(ctx))


def _find_stored_clients(ctx: PyContext) -> frozenset[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for node in ast.walk(ctx.tree):
        if isinstance(node, ast.Assign | ast.AnnAssign) and isinstance(node.value, ast.Call):
            if ctx.call_name(node.value) in CLIENTS:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                keys = (_storage_key(t) for t in targets)
                found.update(k for k in keys if k is not None and (k[0] != "name" or node in ctx.tree.body))
        elif isinstance(node, ast.Global):
            found.update(("name", n) for n in node.names if _assigned_client(ctx, n))
    return frozenset(found)


def _assigned_client(ctx: PyContext, name: str) -> bool:
    """``global SESSION`` followed by ``SESSION = aiohttp.ClientSession()`` somewhere in the module."""
    return any(
        isinstance(n, ast.Assign)
        and isinstance(n.value, ast.Call)
        and ctx.call_name(n.value) in CLIENTS
        and any(isinstance(t, ast.Name) and t.id == name for t in n.targets)
        for n in ast.walk(ctx.tree)
    )


def _client_annotations(ctx: PyContext) -> set[str]:
    """Local names and parameters of the current function annotated with a client session type."""
    func = ctx.function
    if func is None:
        return set()
    a = func.args
    pairs = [(x.arg, x.annotation) for x in [*a.posonlyargs, *a.args, *a.kwonlyargs]]
    pairs += [(n.target.id, n.annotation) for n in walk_local(func.body)
              if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)]  # fmt: skip
    return {name for name, ann in pairs if ann is not None and ctx.qualname(ann) in CLIENTS}


_SCHEME_PREFIX = re.compile(r"^[a-z][a-z0-9+.-]*:(?://)?$", re.I)


def hidden_by_scheme_check(ctx: PyContext, url: ast.expr, line: int) -> Flow | None:
    """``if not url.startswith(("http://", "https://")): abort(400)`` or ``urlparse(url).scheme in (...)`` only
    pins the scheme, not the host; the taint tracker takes any check for a validator, so look at the value
    ``url`` was assigned (the same idea as PY-PATH-001's existence checks)."""
    if not isinstance(url, ast.Name):
        return None
    tests = list(checks_before(ctx, line, assigned=False))
    checks = [c for t in tests for c in ast.walk(t) if isinstance(c, ast.Call) and checks_name(c, url.id)]
    if not checks:
        return None
    scheme_parts = {
        id(a.value) for t in tests for a in ast.walk(t) if isinstance(a, ast.Attribute) and a.attr == "scheme"
    }
    if not all(id(c) in scheme_parts or _scheme_startswith(c) for c in checks):
        return None
    value = assigned_value(ctx, url.id, line)
    return ctx.tainted(value) if value is not None else None


def _scheme_startswith(call: ast.Call) -> bool:
    if not (isinstance(call.func, ast.Attribute) and call.func.attr == "startswith" and call.args):
        return False
    arg = call.args[0]
    prefixes = arg.elts if isinstance(arg, ast.Tuple) else [arg]
    return all(isinstance(p, ast.Constant) and isinstance(p.value, str) and _SCHEME_PREFIX.match(p.value)
               for p in prefixes)  # fmt: skip
