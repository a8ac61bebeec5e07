"""PY-XSS-001/002/003: HTML built from request data, template engines with autoescaping switched off, and request
text sent back as an HTML page."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.flow import describe, grade
from slopguard.engine.hit import Hit, hit_at
from slopguard.engine.python.context import PyContext
from slopguard.engine.registry import python_rule
from slopguard.rules.python.common import first_arg
from slopguard.rules.python.web_common import const_key, imports_any, last_part, looks_like_html, root

_TEMPLATE_STRING = frozenset(
    {"flask.render_template_string", "flask.templating.render_template_string", "quart.render_template_string"}
)
_TEMPLATE_STRING_NAME = "render_template_string"
_MARKUP = frozenset(
    {
        "markupsafe.Markup", "flask.Markup", "jinja2.Markup", "jinja2.utils.Markup",
        "django.utils.safestring.mark_safe", "django.utils.html.mark_safe", "django.utils.safestring.SafeString",
        "django.utils.safestring.SafeText", "django.utils.safestring.SafeData",
    }
)  # fmt: skip
_FORMAT_HTML = frozenset({"django.utils.html.format_html"})
_WEB_ROOTS = frozenset({"flask", "werkzeug", "django", "starlette", "fastapi", "quart"})
_ASGI_ROOTS = frozenset({"fastapi", "starlette"})
_NOT_HTML_RESPONSES = ("Redirect", "NotAllowed", "NotModified")
_AIOHTTP_RESPONSES = frozenset({"aiohttp.web.Response", "aiohttp.web_response.Response"})
_RESPONSES = frozenset({"make_response", "Response", "HTMLResponse"})
_DJANGO_RESPONSE = "HttpResponse"  # and its subclasses: HttpResponseNotFound, HttpResponseBadRequest, ...
# The calls _response_content() can take for a response constructor.
_RESPONSE_CALLS = _RESPONSES | _AIOHTTP_RESPONSES | {f"{_DJANGO_RESPONSE}*"}
_CONTENT_KWARGS = ("response", "content")
_TYPE_KWARGS = ("mimetype", "content_type", "media_type")
_JINJA_ENVS = frozenset({"jinja2.Environment", "jinja2.environment.Environment", "jinja2.sandbox.SandboxedEnvironment"})
_JINJA_TEMPLATE = frozenset({"jinja2.Template", "jinja2.environment.Template"})
_DJANGO_ENGINE = frozenset({"django.template.Engine", "django.template.engine.Engine"})


def _response_content(node: ast.Call, qual: str) -> ast.expr | None:
    """The body argument of a web framework's response constructor, or None when ``node`` is not one."""
    if qual in _AIOHTTP_RESPONSES:
        return _aiohttp_content(node)
    name = qual.rsplit(".", 1)[-1]
    if root(qual) not in _WEB_ROOTS or qual.startswith("rest_framework"):
        return None
    is_response = name in _RESPONSES or (
        name.startswith(_DJANGO_RESPONSE) and not any(bad in name for bad in _NOT_HTML_RESPONSES)
    )
    if not is_response:
        return None
    for kw in _TYPE_KWARGS:
        kind = const_key(PyContext.kwarg(node, kw))
        if kind is not None and "html" not in kind.lower() and name != "HTMLResponse":
            return None
    if node.args and not isinstance(node.args[0], ast.Starred):
        return node.args[0]
    return next((kw.value for kw in node.keywords if kw.arg in _CONTENT_KWARGS), None)


def _aiohttp_content(node: ast.Call) -> ast.expr | None:
    """``web.Response(text=..., content_type="text/html")``: aiohttp sends text/plain unless told otherwise."""
    kind = const_key(PyContext.kwarg(node, "content_type"))
    headers = PyContext.kwarg(node, "headers")
    if kind is None and isinstance(headers, ast.Dict):
        kind = next((const_key(v) for k, v in zip(headers.keys, headers.values, strict=True)
                     if (const_key(k) or "").lower() == "content-type"), None)  # fmt: skip
    if kind is None or "html" not in kind.lower():
        return None
    return PyContext.kwarg(node, "text") or PyContext.kwarg(node, "body")


def _object_param_field(e: ast.expr | None, ctx: PyContext) -> bool:
    """``f.title`` where ``f`` is a view parameter: a model object passed in, not text from the URL."""
    route = ctx.route
    if not isinstance(e, ast.Attribute) or route is None or route.path is not None:
        return False
    base = e.value
    while isinstance(base, ast.Attribute):
        base = base.value
    return isinstance(base, ast.Name) and base.id in route.tainted_params


def _is_safe_markup_call(e: ast.expr, ctx: PyContext) -> bool:
    """``Markup("<b>{}</b>").format(x)`` / ``format_html("{}", x)`` escape their arguments."""
    if not isinstance(e, ast.Call):
        return False
    func = e.func
    if isinstance(func, ast.Attribute) and func.attr in ("format", "join") and isinstance(func.value, ast.Call):
        return ctx.call_name(func.value) in _MARKUP
    return False


@python_rule(
    id="PY-XSS-001",
    title="HTML built from request data",
    cwe=79,
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    nodes=(ast.Call, ast.Return),
    calls=_TEMPLATE_STRING | _MARKUP | _FORMAT_HTML | _RESPONSE_CALLS | {_TEMPLATE_STRING_NAME},
    why="""Assistants answer "show the user's name on the page" with return f"<h1>Hello {name}</h1>",
    render_template_string(f"...{name}...") or Markup(...) around request data, bypassing the template
    engine's escaping. An attacker puts <script> in the parameter and runs JavaScript in other users'
    sessions; a template string built from input is worse: {{ }} in it executes on the server (SSTI).""",
    fix="""Render a template file with render_template("page.html", name=name) and let autoescaping work;
    if you must build HTML in code, escape every value (markupsafe.escape / format_html("{}", value)).""",
)
def html_from_input(node: ast.Call | ast.Return, ctx: PyContext) -> Iterator[Hit]:
    if isinstance(node, ast.Return):
        yield from _returned_html(node, ctx)
        return
    qual = ctx.call_name(node)
    if qual in _TEMPLATE_STRING or (qual == _TEMPLATE_STRING_NAME and "flask" in ctx.text):
        source = first_arg(node, "source")
        if source is None:
            return
        flow = ctx.flow(source)
        if flow.dynamic:
            severity, confidence = grade(flow, Severity.HIGH)
            yield hit_at(
                node,
                f"render_template_string() compiles a template built from {describe(flow)}: "
                "template injection (SSTI) and XSS; render a fixed template and pass values as context",
                severity=severity,
                confidence=confidence,
            )
    elif qual in _MARKUP or qual in _FORMAT_HTML:
        arg = first_arg(node, "format_string" if qual in _FORMAT_HTML else None)
        marked = ctx.tainted(arg) if arg is not None else None
        if marked is None or _object_param_field(arg, ctx):
            return
        name = qual.rsplit(".", 1)[-1]
        what = "its format string" if qual in _FORMAT_HTML else "it"
        yield hit_at(node, f"{name}() marks {describe(marked)} as safe HTML; escape it instead of trusting {what}")
    else:
        content = _response_content(node, qual)
        if content is None or _is_safe_markup_call(content, ctx):
            return
        sent = ctx.tainted(content)
        declared = qual in _AIOHTTP_RESPONSES  # only returned when its content type says HTML
        if sent is not None and (declared or looks_like_html(content, ctx)):
            name = qual.rsplit(".", 1)[-1]
            yield hit_at(node, f"{name}() sends HTML assembled from {describe(sent)} without escaping")


def _returned_html(node: ast.Return, ctx: PyContext) -> Iterator[Hit]:
    route = ctx.route
    if route is None or route.framework == "django" or node.value is None:
        return
    if route.framework == "fastapi" and imports_any(ctx, _ASGI_ROOTS) and not _html_response_class(ctx):
        return  # FastAPI serialises a returned str as JSON
    value = node.value
    if isinstance(value, ast.Tuple) and value.elts:
        value = value.elts[0]
    if isinstance(value, ast.Call):
        qual = ctx.call_name(value)
        if qual in _MARKUP or qual in _FORMAT_HTML or _is_safe_markup_call(value, ctx):
            return
        if _response_content(value, qual) is not None or qual in _TEMPLATE_STRING:
            return  # reported at the call
    flow = ctx.tainted(value)
    if flow is not None and looks_like_html(value, ctx):
        yield hit_at(node, f"route returns HTML assembled from {describe(flow)} without escaping")


@python_rule(
    id="PY-XSS-003",
    title="Request text sent back as an HTML page",
    cwe=79,
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    nodes=(ast.Call, ast.Return),
    calls=_RESPONSE_CALLS,
    why="""Assistants echo input in plain words: return f"No results for {q}" from a Flask view, or
    HttpResponse(f"Saved {name}") in Django. Both frameworks send a str as text/html, so the browser parses
    it as a page: a q of <script>...</script> runs in the victim's session even though the code never wrote
    a tag (reflected XSS).""",
    fix="""Escape what you echo (markupsafe.escape / django.utils.html.escape), render a template (autoescaped),
    or send text/plain (mimetype="text/plain" / content_type="text/plain") or JSON instead.""",
)
def text_as_html(node: ast.Call | ast.Return, ctx: PyContext) -> Iterator[Hit]:
    if isinstance(node, ast.Return):
        route = ctx.route
        value = node.value
        flask = route is not None and (
            route.framework == "flask" or (route.framework == "fastapi" and not imports_any(ctx, _ASGI_ROOTS))
        )
        if not flask or value is None:
            return
        if isinstance(value, ast.Tuple) and value.elts:
            if any(_declares_non_html(extra) for extra in value.elts[1:]):
                return  # (body, 400, {"Content-Type": "text/plain"}): the browser gets no page
            value = value.elts[0]
        where = "route returns"
    else:
        qual = ctx.call_name(node)
        content = _response_content(node, qual) if qual not in _AIOHTTP_RESPONSES else None
        if content is None:
            return
        value, where = content, f"{qual.rsplit('.', 1)[-1]}() sends"
    if isinstance(value, ast.Call) and (_response_content(value, ctx.call_name(value)) is not None):
        return  # judged at the response constructor
    flow = ctx.tainted(value)
    if flow is None or not flow.text or looks_like_html(value, ctx):
        return  # not text, or PY-XSS-001's finding
    yield hit_at(node, f"{where} text built from {describe(flow)} as text/html without escaping")


def _declares_non_html(headers: ast.expr) -> bool:
    """A Flask headers element ({...} or [(name, value)]) whose Content-Type is a constant other than HTML."""
    pairs: list[tuple[ast.expr | None, ast.expr]] = []
    if isinstance(headers, ast.Dict):
        pairs = list(zip(headers.keys, headers.values, strict=True))
    elif isinstance(headers, ast.List | ast.Tuple):
        pairs = [(p.elts[0], p.elts[1]) for p in headers.elts if isinstance(p, ast.Tuple) and len(p.elts) == 2]
    for name, value in pairs:
        if (const_key(name) or "").lower() == "content-type":
            kind = const_key(value)
            return kind is not None and not any(markup in kind.lower() for markup in ("html", "xml"))
    return False


def _html_response_class(ctx: PyContext) -> bool:
    func = ctx.function
    if func is None:
        return False
    for dec in func.decorator_list:
        if isinstance(dec, ast.Call):
            cls = PyContext.kwarg(dec, "response_class")
            if cls is not None and "HTML" in last_part(cls):
                return True
    return False


@python_rule(
    id="PY-XSS-002",
    title="Template autoescaping disabled",
    cwe=79,
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    nodes=(ast.Call, ast.Assign, ast.Dict),
    calls=_JINJA_ENVS | _DJANGO_ENGINE | _JINJA_TEMPLATE,
    why="""Jinja2's Environment() and Template() do not escape by default, and assistants create them bare
    (or copy autoescape=False to "fix" double-escaped output). Every {{ value }} is then pasted into the page
    raw, so any user-supplied text containing <script> runs in the browser of whoever views it.""",
    fix="""Create Jinja2 environments with autoescape=select_autoescape() (or True), load templates from
    files instead of Template(string), and leave Django's and Flask's autoescaping on; use |safe only on
    vetted HTML.""",
)
def autoescape_off(node: ast.Call | ast.Assign | ast.Dict, ctx: PyContext) -> Iterator[Hit]:
    if isinstance(node, ast.Assign):
        target = node.targets[0]
        if isinstance(target, ast.Attribute) and target.attr == "autoescape" and ctx.is_false(node.value):
            yield hit_at(node, "autoescape is switched off: template values are inserted as raw HTML")
        elif isinstance(target, ast.Subscript) and const_key(target.slice) == "autoescape" and ctx.is_false(node.value):
            yield hit_at(node, "template option autoescape=False: values are inserted as raw HTML")
        return
    if isinstance(node, ast.Dict):
        for key, value in zip(node.keys, node.values, strict=True):
            if const_key(key) == "autoescape" and ctx.is_false(value):
                yield hit_at(key or node, "template option 'autoescape': False inserts values as raw HTML")
        return
    qual = ctx.call_name(node)
    if qual in _JINJA_ENVS or qual in _DJANGO_ENGINE:
        if any(kw.arg is None for kw in node.keywords):
            return  # **options: cannot tell
        setting = ctx.kwarg(node, "autoescape")
        if ctx.is_false(setting):
            yield hit_at(node, f"{qual.rsplit('.', 1)[-1]}(autoescape=False) inserts template values as raw HTML")
        elif setting is None and qual in _JINJA_ENVS:
            html = "html" in ctx.text.lower()
            yield hit_at(
                node,
                "Jinja2 Environment() without autoescape: values are not HTML-escaped "
                "(pass autoescape=select_autoescape())",
                confidence=Confidence.MEDIUM if html else Confidence.LOW,
            )
    elif qual in _JINJA_TEMPLATE:
        source = first_arg(node, "source")
        setting = ctx.kwarg(node, "autoescape")
        if source is None or (setting is not None and not ctx.is_false(setting)):
            return
        flow = ctx.flow(source)
        if flow.dynamic:
            ssti = "; user-controlled template source is also template injection" if flow.tainted else ""
            yield hit_at(
                node,
                f"jinja2.Template() compiled from {describe(flow)} without autoescaping{ssti}",
                severity=Severity.HIGH if flow.tainted else Severity.MEDIUM,
                confidence=Confidence.HIGH if flow.tainted else Confidence.MEDIUM,
            )
