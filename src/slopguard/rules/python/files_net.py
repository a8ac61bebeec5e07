"""PY-PATH-001 and PY-SSRF-001: request data that picks the file a handler opens or the URL it fetches."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.flow import Flow, describe
from slopguard.engine.hit import Hit, hit_at
from slopguard.engine.python.context import PyContext
from slopguard.engine.registry import python_rule
from slopguard.rules.python.common import first_arg, method_name
from slopguard.rules.python.http_clients import checks_name, hidden_by_scheme_check, is_client
from slopguard.rules.python.injection_helpers import (
    assigned_value,
    checks_before,
    feeding_names,
    fixed_destination,
    is_call_to,
    local_scope,
    lookup_result,
    path_guarded,
    resolve,
    url_checked,
)

_OPENERS = frozenset(
    {"open", "builtins.open", "io.open", "io.FileIO", "codecs.open", "os.open", "gzip.open", "bz2.open",
     "lzma.open", "aiofiles.open"}
)  # fmt: skip
_OS_FUNCS = frozenset(
    {"os.remove", "os.unlink", "os.rmdir", "os.removedirs", "os.makedirs", "os.mkdir", "os.listdir",
     "os.scandir", "os.rename", "os.renames", "os.replace", "os.chmod", "os.truncate"}
)  # fmt: skip
_SHUTIL = frozenset({"copy", "copy2", "copyfile", "copytree", "move", "rmtree", "copymode", "copystat", "chown"})
_SENDERS = frozenset(
    {"flask.send_file", "flask.helpers.send_file", "werkzeug.utils.send_file", "quart.send_file",
     "starlette.responses.FileResponse", "fastapi.responses.FileResponse", "aiohttp.web.FileResponse",
     "aiohttp.web_fileresponse.FileResponse"}
)  # fmt: skip
_PATH_TYPES = frozenset(
    {
        "pathlib.Path",
        "pathlib.PurePath",
        "pathlib.PosixPath",
        "pathlib.WindowsPath",
        "anyio.Path",
        "trio.Path",
    }
)
_PATH_CHAIN = frozenset({"resolve", "absolute", "joinpath", "with_name", "with_suffix", "with_stem", "expanduser"})
_PATH_METHODS = frozenset(
    {"open", "read_text", "read_bytes", "write_text", "write_bytes", "unlink", "rmdir", "rename", "replace",
     "touch", "mkdir", "iterdir"}
)  # fmt: skip
_SAVE = "save"  # an uploaded file's save(path)
_SAFE_JOINS = frozenset(
    {"werkzeug.utils.safe_join", "werkzeug.security.safe_join", "flask.safe_join", "flask.helpers.safe_join",
     "django.utils._os.safe_join"}
)  # fmt: skip


@python_rule(
    id="PY-PATH-001",
    title="File path built from request data (path traversal)",
    cwe=22,
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    nodes=(ast.Call,),
    calls=_OPENERS | _OS_FUNCS | _SHUTIL | _SENDERS | _PATH_METHODS | {_SAVE},
    why="""Download, upload and 'view file' handlers written by assistants join a base directory with the
    filename from the URL or the upload: open(os.path.join(UPLOAD_DIR, name)), send_file(f"files/{name}"),
    f.save(os.path.join(UPLOAD_DIR, f.filename)). A name such as '../../etc/passwd' or an absolute path
    ('/app/.env' replaces the base in os.path.join) reads, overwrites or deletes any file the process can.""",
    fix="""Serve files with send_from_directory()/safe_join(), or clean the name with secure_filename(), then
    resolve the full path and reject it unless it stays under the base directory
    (Path(BASE, name).resolve().is_relative_to(BASE)).""",
)
def path_traversal(node: ast.Call, ctx: PyContext) -> Iterator[Hit]:
    if not ctx.has_sources:
        return
    name = ctx.call_name(node)
    module, _, func = name.rpartition(".")
    paths: list[ast.expr | None] = []
    if name in _OPENERS:
        if name == "open" and (not isinstance(node.func, ast.Name) or "open" in ctx.module_functions):
            return
        paths = [first_arg(node, "file")]
    elif name in _OS_FUNCS or (module == "shutil" and func in _SHUTIL):
        paths = [*node.args[:2], *(kw.value for kw in node.keywords if kw.arg in ("src", "dst", "path"))]
    elif name in _SENDERS:
        paths = [first_arg(node, "path_or_file") or ctx.kwarg(node, "path")]
    elif isinstance(node.func, ast.Attribute):
        recv, attr = node.func.value, node.func.attr
        if attr in _PATH_METHODS:
            paths = [recv, *node.args[:1]] if attr in ("rename", "replace") else [recv]
            if not any(p is not None and ctx.tainted(p, unescaped=True) for p in paths) or not _is_path_object(
                ctx, recv
            ):
                return
        elif (
            attr == _SAVE and node.args and ctx.tainted(recv, unescaped=True)
        ):  # an uploaded file saved under its own name
            paths = [node.args[0]]
        name = attr
    for path in paths:
        if path is None or isinstance(path, ast.Starred):
            continue
        value = resolve(ctx, path)
        if isinstance(value, ast.Call) and method_name(value) in ("BytesIO", "StringIO"):
            continue
        flow = ctx.tainted(path, unescaped=True) or _hidden_by_existence_check(ctx, path, node.lineno)
        if flow is None or _via_safe_join(ctx, path) or path_guarded(ctx, path, node.lineno):
            continue
        if lookup_result(ctx, path) or _final_component_only(ctx, path, node.lineno):
            continue
        yield hit_at(
            node,
            f"file path for {name}() comes from {describe(flow)}; use secure_filename() or "
            "send_from_directory(), or check the resolved path stays under the base directory",
        )
        return


_EXISTENCE = frozenset({"exists", "lexists", "isfile", "isdir", "is_file", "is_dir", "islink", "is_symlink"})


def _hidden_by_existence_check(ctx: PyContext, path: ast.expr, line: int) -> Flow | None:
    """``if os.path.exists(p):`` / ``if not p.exists(): raise`` checks that a file exists, not where it is; the
    taint tracker takes any call in a condition for a validator, so look at the value ``p`` was assigned."""
    if not isinstance(path, ast.Name):
        return None
    tests = checks_before(ctx, line, assigned=False)
    calls = [c for t in tests for c in ast.walk(t) if isinstance(c, ast.Call) and checks_name(c, path.id)]
    last = {ctx.call_name(c).rsplit(".", 1)[-1] for c in calls}
    if not last or not last <= _EXISTENCE:
        return None
    value = assigned_value(ctx, path.id, line)
    return ctx.tainted(value, unescaped=True) if value is not None else None


def _final_component(ctx: PyContext, e: ast.expr) -> bool:
    """``Path(x).name`` / ``.stem``, ``os.path.basename(x)``: the last component of a path, with no directory."""
    if isinstance(e, ast.Attribute) and e.attr in ("name", "stem"):
        return isinstance(e.value, ast.Call) and ctx.call_name(e.value) in _PATH_TYPES
    return isinstance(e, ast.Call) and ctx.call_name(e) in ("os.path.basename", "posixpath.basename")


def _final_component_only(ctx: PyContext, e: ast.expr, line: int, depth: int = 3) -> bool:
    """Every attacker-controlled local ``e`` is built from was cut down to a final path component first
    (``name = Path(msg["file"]).name``): the name cannot climb out of the directory it is joined to."""
    tainted = [n for n in _value_names(ctx, e) if ctx.tainted(n, unescaped=True)]
    if not tainted or depth == 0:
        return False
    for name in tainted:
        value = assigned_value(ctx, name.id, line)
        if value is None or not (_final_component(ctx, value) or _final_component_only(ctx, value, line, depth - 1)):
            return False
    return True


def _value_names(ctx: PyContext, e: ast.expr) -> Iterator[ast.Name]:
    """The names ``e`` reads as values (not the functions it calls, nor what a final component is taken of)."""
    stack: list[ast.AST] = [e]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.expr) and _final_component(ctx, node):
            continue
        if isinstance(node, ast.Name):
            yield node
        elif isinstance(node, ast.Call):
            stack += [*node.args, *(k.value for k in node.keywords)]
            if isinstance(node.func, ast.Attribute):
                stack.append(node.func.value)
        else:
            stack += ast.iter_child_nodes(node)


def _via_safe_join(ctx: PyContext, e: ast.expr) -> bool:
    """The path was built by ``safe_join()`` (directly or through the local names it comes from)."""
    scope = local_scope(ctx)
    exprs = [e, *(v for name in feeding_names(ctx, e) for _, v in scope.get(name, []))]
    return any(isinstance(c, ast.Call) and ctx.call_name(c) in _SAFE_JOINS for x in exprs for c in ast.walk(x))


def _is_path_object(ctx: PyContext, e: ast.expr, depth: int = 4) -> bool:
    """``e`` is a pathlib path: ``Path(...)``, ``BASE / name``, ``p.resolve()``, or a name bound to one."""
    for _ in range(depth):
        if isinstance(e, ast.BinOp):
            return isinstance(e.op, ast.Div)
        if isinstance(e, ast.Call):
            if ctx.call_name(e) in _PATH_TYPES:
                return True
            if not (isinstance(e.func, ast.Attribute) and e.func.attr in _PATH_CHAIN):
                return False
            e = e.func.value
        elif isinstance(e, ast.Attribute) and e.attr == "parent":
            e = e.value
        elif isinstance(e, ast.Name):
            value = resolve(ctx, e, depth=1)
            if value is e:
                return False
            e = value
        else:
            return False
    return False


_VERBS = frozenset({"get", "post", "put", "delete", "head", "patch", "options"})
_HTTP_MODULES = frozenset({"requests", "requests.api", "httpx"})
_URL_FUNCS = {
    "urllib.request.urlopen": 0, "urllib.request.Request": 0, "urllib2.urlopen": 0, "urllib2.Request": 0,
    "urllib3.request": 1, "aiohttp.request": 1,
    "http.client.HTTPConnection": 0, "http.client.HTTPSConnection": 0,
}  # fmt: skip
_REQUEST_TYPES = frozenset({"urllib.request.Request", "urllib2.Request"})
# Where the URL goes in a client method: session.get(url), session.request(method, url).
_METHOD_URL_POSITION = {
    **dict.fromkeys(_VERBS, 0), "ws_connect": 0, "request": 1, "stream": 1, "urlopen": 1,
}  # fmt: skip


@python_rule(
    id="PY-SSRF-001",
    title="Server-side request to a request-supplied URL (SSRF)",
    cwe=918,
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    nodes=(ast.Call,),
    calls={*_METHOD_URL_POSITION, *_URL_FUNCS},
    why="""'Fetch this URL', webhook, link-preview and image-proxy endpoints written by assistants pass the
    user's URL straight to requests.get() or urlopen(). The server then fetches whatever the attacker names:
    cloud metadata (http://169.254.169.254/ hands out credentials), admin panels and databases on the internal
    network, or local files through file:// with urllib.""",
    fix="""Parse the URL, allow only http(s) and an allow-list of hosts (urlparse(url).hostname in
    ALLOWED_HOSTS), resolve the name and refuse private, loopback and link-local addresses; keep the host
    constant and put user values only in the path or query (quoted).""",
)
def ssrf(node: ast.Call, ctx: PyContext) -> Iterator[Hit]:
    if not ctx.has_sources:
        return
    name = ctx.call_name(node)
    module, _, func = name.rpartition(".")
    client = False
    if module in _HTTP_MODULES or name in _URL_FUNCS:
        pos = _URL_FUNCS.get(name, _METHOD_URL_POSITION.get(func))
    else:
        pos, client = _METHOD_URL_POSITION.get(method_name(node)), True
    if pos is None:
        return
    url = node.args[pos] if len(node.args) > pos else ctx.kwarg(node, "url") or ctx.kwarg(node, "host")
    if url is None or isinstance(url, ast.Starred | ast.Constant):
        return
    flow = ctx.tainted(url, unescaped=True) or hidden_by_scheme_check(ctx, url, node.lineno)
    if flow is None:
        return
    if client and not (isinstance(node.func, ast.Attribute) and is_client(ctx, node.func.value)):
        return
    if (func == "urlopen" and is_call_to(ctx, url, _REQUEST_TYPES)) or url_checked(ctx, url, node.lineno):
        return
    if lookup_result(ctx, url):
        return
    if fixed_destination(ctx, url):  # f"https://api.example.com/users/{uid}": the host is ours, not SSRF
        return
    short = name.split("()")[-1].lstrip(".") if "()" in name else name
    yield hit_at(node, f"{short}() requests a URL taken from {describe(flow)}; allow-list the host")
