"""PY-PATH-001, PY-SSRF-001 and PY-XXE-001: request data that picks a file, a URL, or an XML entity."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.python.context import PyContext
from slopguard.engine.registry import Hit, hit_at, python_rule
from slopguard.rules.python.common import describe, first_arg, method_name
from slopguard.rules.python.injection_helpers import (
    fixed_destination,
    is_call_to,
    path_guarded,
    resolve,
    url_checked,
)

_OPENERS = frozenset(
    {"open", "builtins.open", "io.open", "io.FileIO", "codecs.open", "os.open", "gzip.open", "bz2.open",
     "lzma.open", "aiofiles.open"}
)  # fmt: skip
_OS_FUNCS = frozenset(
    {"os.remove", "os.unlink", "os.rmdir", "os.removedirs", "os.makedirs", "os.mkdir", "os.listdir", "os.scandir",
     "os.rename", "os.renames", "os.replace", "os.chmod", "os.truncate"}
)  # fmt: skip
_SHUTIL = frozenset(
    {"copy", "copy2", "copyfile", "copytree", "move", "rmtree", "copymode", "copystat", "chown"}
)
_SENDERS = frozenset(
    {"flask.send_file", "flask.helpers.send_file", "werkzeug.utils.send_file", "quart.send_file",
     "starlette.responses.FileResponse", "fastapi.responses.FileResponse"}
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
_PATH_CHAIN = frozenset(
    {"resolve", "absolute", "joinpath", "with_name", "with_suffix", "with_stem", "expanduser"}
)
_PATH_METHODS = frozenset(
    {"open", "read_text", "read_bytes", "write_text", "write_bytes", "unlink", "rmdir", "rename", "replace",
     "touch", "mkdir", "iterdir"}
)  # fmt: skip
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
        if attr in _PATH_METHODS and _is_path_object(ctx, recv):
            paths = [recv, *node.args[:1]] if attr in ("rename", "replace") else [recv]
        elif attr == "save" and node.args and ctx.tainted(recv):  # an uploaded file saved under its own name
            paths = [node.args[0]]
        name = attr
    for path in paths:
        if path is None or isinstance(path, ast.Starred):
            continue
        value = resolve(ctx, path)
        if isinstance(value, ast.Call) and method_name(value) in ("BytesIO", "StringIO"):
            continue
        flow = ctx.tainted(path)
        if flow is None or is_call_to(ctx, path, _SAFE_JOINS) or path_guarded(ctx, path, node.lineno):
            continue
        yield hit_at(
            node,
            f"file path for {name}() comes from {describe(flow)}; use secure_filename()/send_from_directory() "
            "or check the resolved path stays under the base directory",
        )
        return


def _is_path_object(ctx: PyContext, e: ast.expr, depth: int = 4) -> bool:
    """``e`` is a pathlib-style path: ``Path(...)``, ``BASE / name``, ``p.resolve()``, or a name bound to one."""
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
    "urllib3.request": 1, "aiohttp.request": 1, "http.client.HTTPConnection": 0, "http.client.HTTPSConnection": 0,
}  # fmt: skip
_CLIENTS = frozenset(
    {"requests.Session", "requests.session", "requests.sessions.Session", "httpx.Client", "httpx.AsyncClient",
     "aiohttp.ClientSession", "urllib3.PoolManager", "urllib3.ProxyManager"}
)  # fmt: skip
_REQUEST_TYPES = frozenset({"urllib.request.Request", "urllib2.Request"})


@python_rule(
    id="PY-SSRF-001",
    title="Server-side request to a request-supplied URL (SSRF)",
    cwe=918,
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    nodes=(ast.Call,),
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
    pos: int | None = None
    if module in _HTTP_MODULES:
        pos = 0 if func in _VERBS else 1 if func in ("request", "stream") else None
    elif name in _URL_FUNCS:
        pos = _URL_FUNCS[name]
    elif isinstance(node.func, ast.Attribute) and is_call_to(ctx, node.func.value, _CLIENTS):
        attr = node.func.attr
        pos = (
            0
            if attr in _VERBS or attr == "ws_connect"
            else 1
            if attr in ("request", "stream", "urlopen")
            else None
        )
    if pos is None:
        return
    url = node.args[pos] if len(node.args) > pos else ctx.kwarg(node, "url") or ctx.kwarg(node, "host")
    if (
        url is None
        or isinstance(url, ast.Starred)
        or (func == "urlopen" and is_call_to(ctx, url, _REQUEST_TYPES))
    ):
        return
    flow = ctx.tainted(url)
    if flow is None or url_checked(ctx, url, node.lineno):
        return
    short = name.split("()")[-1].lstrip(".") if "()" in name else name
    if fixed_destination(ctx, url):
        message = f"{short}() URL has a fixed host but its path/query comes from {describe(flow)}; quote it"
        yield hit_at(node, message, severity=Severity.MEDIUM, confidence=Confidence.LOW)
        return
    yield hit_at(node, f"{short}() fetches a URL taken from {describe(flow)}; allow-list the host")


_LXML_MODULES = frozenset({"lxml.etree", "lxml.objectify"})
_LXML_PARSE = frozenset({"parse", "fromstring", "XML", "fromstringlist", "XMLID", "iterparse"})
_LXML_PARSERS = frozenset({"lxml.etree.XMLParser", "lxml.etree.XMLPullParser", "lxml.objectify.makeparser"})
_STDLIB_XML = frozenset(
    {"xml.etree.ElementTree", "xml.etree.cElementTree", "xml.dom.minidom", "xml.dom.pulldom", "xml.sax",
     "xml.dom.expatbuilder"}
)  # fmt: skip
_STDLIB_PARSE = frozenset(
    {"parse", "fromstring", "XML", "iterparse", "fromstringlist", "parseString", "XMLID"}
)
_EXTERNAL_FEATURES = ("feature_external_ges", "feature_external_pes", "external-general-entities",
                      "external-parameter-entities")  # fmt: skip


@python_rule(
    id="PY-XXE-001",
    title="XML parser that expands external entities (XXE)",
    cwe=(611, 776),
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    nodes=(ast.Call,),
    why="""Assistants parse uploaded or posted XML (SAML, SOAP, RSS, office files) with lxml or the standard
    library and sometimes switch on entity resolution to 'support DTDs'. A document declaring
    <!ENTITY x SYSTEM "file:///etc/passwd"> makes the parser read local files or fetch internal URLs into the
    result, and nested entities ('billion laughs') exhaust memory.""",
    fix="""Parse untrusted XML with defusedxml (defusedxml.ElementTree.fromstring); with lxml pass
    etree.XMLParser(resolve_entities=False, no_network=True); never enable external-entity SAX features.""",
)
def xxe(node: ast.Call, ctx: PyContext) -> Iterator[Hit]:
    name = ctx.call_name(node)
    module, _, func = name.rpartition(".")
    if name in _LXML_PARSERS or name == "lxml.etree.iterparse":
        unsafe = _unsafe_options(ctx, node)
        if unsafe:
            message = f"{func}({unsafe}) lets documents pull in local files and URLs"
            yield hit_at(node, message, confidence=Confidence.MEDIUM)
            return
    if method_name(node) == "setFeature" and len(node.args) > 1 and node.args[1] is not None:
        flag = node.args[1]
        feature = ctx.qualname(node.args[0]) or ctx.string(node.args[0]) or ""
        on = ctx.is_true(flag) or (isinstance(flag, ast.Constant) and flag.value == 1)
        if on and any(feature.endswith(f) for f in _EXTERNAL_FEATURES):
            yield hit_at(node, "SAX parser switched to resolve external entities; leave the feature off")
        return
    if module in _LXML_MODULES and func in _LXML_PARSE:
        yield from _lxml_parse(node, ctx, func)
    elif module in _STDLIB_XML and func in _STDLIB_PARSE:
        data = first_arg(node, "source")
        flow = ctx.tainted(data) if data is not None else None
        if flow is not None:
            message = f"{module}.{func}() parses {describe(flow)}; use defusedxml against entity expansion"
            yield hit_at(node, message, severity=Severity.MEDIUM, confidence=Confidence.MEDIUM)


def _unsafe_options(ctx: PyContext, call: ast.Call) -> str:
    if ctx.is_true(ctx.kwarg(call, "resolve_entities")):
        return "resolve_entities=True"
    if ctx.is_false(ctx.kwarg(call, "no_network")):
        return "no_network=False"
    return ""


def _lxml_parse(node: ast.Call, ctx: PyContext, func: str) -> Iterator[Hit]:
    data = first_arg(node, "source") or first_arg(node, "text")
    flow = ctx.tainted(data) if data is not None else None
    if flow is None or ctx.is_false(ctx.kwarg(node, "resolve_entities")):
        return
    parser = ctx.kwarg(node, "parser") or (
        node.args[1] if len(node.args) > 1 and func != "iterparse" else None
    )
    built = resolve(ctx, parser) if parser is not None else None
    if isinstance(built, ast.Call) and ctx.is_false(ctx.kwarg(built, "resolve_entities")):
        return
    if parser is not None and not isinstance(built, ast.Call):  # a parser made elsewhere: cannot tell
        return
    unsafe = _unsafe_options(ctx, built) if isinstance(built, ast.Call) else ""
    if unsafe:
        yield hit_at(node, f"lxml {func}() parses {describe(flow)} with a parser built with {unsafe}")
        return
    yield hit_at(
        node,
        f"lxml {func}() parses {describe(flow)} with entity resolution on (the default before lxml 5); "
        "pass etree.XMLParser(resolve_entities=False, no_network=True)",
        confidence=Confidence.MEDIUM,
    )
