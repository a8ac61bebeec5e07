"""PY-CORS-001: any origin may read credentialed responses (wildcard or reflected origin plus credentials)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit, hit_at
from slopguard.engine.python.context import PyContext
from slopguard.engine.registry import python_rule
from slopguard.rules.python.web_common import const_key, is_defaults_module, last_value, module_assignments, walk_body

_FLASK_CORS = frozenset({"flask_cors.CORS", "flask_cors.cross_origin", "flask_cors.extension.CORS"})
_ACAO = "access-control-allow-origin"
_ACAC = "access-control-allow-credentials"
_HEADER_SETTERS = frozenset({"add", "set", "setdefault", "add_header", "__setitem__"})
_ALLOW_ALL_SETTINGS = ("CORS_ALLOW_ALL_ORIGINS", "CORS_ORIGIN_ALLOW_ALL")
_REGEX_SETTINGS = ("CORS_ALLOWED_ORIGIN_REGEXES", "CORS_ORIGIN_REGEX_WHITELIST")
_FLASK_MESSAGE = "flask_cors allows every origin ('*', its default) with supports_credentials=True: echoes any Origin"
# Flask-CORS and CORSMiddleware fire only with credentials switched on by these keywords.
_FLASK_CREDENTIALS = "supports_credentials"
_MIDDLEWARE_CREDENTIALS = "allow_credentials"
_MATCH_ALL = re.compile(r"^\^?(?:https?\??://|\(https?\|http\)://)?\(?\.[*+]\)?\$?$")


@python_rule(
    id="PY-CORS-001",
    title="CORS allows any origin with credentials",
    cwe=942,
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    nodes=(ast.Call, ast.Assign, ast.Dict, ast.Module),
    calls=_HEADER_SETTERS | {_FLASK_CREDENTIALS, _MIDDLEWARE_CREDENTIALS},
    why="""To make a front end on another port work, assistants add CORS(app, supports_credentials=True),
    CORSMiddleware(allow_origins=["*"], allow_credentials=True) or copy the request's Origin header into
    Access-Control-Allow-Origin. The libraries then echo any origin, so a page on an attacker's site can send
    requests with the victim's cookies and read the answers: profile data, CSRF tokens, API keys.""",
    fix="""List the exact front-end origins (origins=["https://app.example.com"]) when credentials are allowed,
    or keep the wildcard only for public, cookie-less endpoints; check a reflected Origin against an allow-list.""",
)
def cors_credentials(node: ast.Call | ast.Assign | ast.Dict | ast.Module, ctx: PyContext) -> Iterator[Hit]:
    if isinstance(node, ast.Module):
        yield from _django_settings(ctx)
    elif isinstance(node, ast.Call):
        yield from _cors_call(node, ctx)
        yield from _header_site(node, _setter_header(node), ctx)
    elif isinstance(node, ast.Assign):
        for target in node.targets:
            if isinstance(target, ast.Subscript):
                yield from _header_site(node, (const_key(target.slice), node.value), ctx)
    else:
        for key, value in zip(node.keys, node.values, strict=True):
            yield from _header_site(key or node, (const_key(key), value), ctx)
            if const_key(key) == "*" and _credentialed_options(value, ctx):
                message = "aiohttp_cors options for origin '*' allow credentials: any site can read responses"
                yield hit_at(key or node, message)


def _wildcard(e: ast.expr | None, ctx: PyContext, regex: bool = False) -> bool:
    """``"*"``, ``["*"]``, a match-everything regex, or a name bound to one of them."""
    if isinstance(e, ast.Name):
        e = last_value(ctx, e.id)
    if isinstance(e, ast.List | ast.Tuple | ast.Set):
        return any(_wildcard(x, ctx, regex) for x in e.elts)
    text = const_key(e)
    if text is None:
        return False
    return text == "*" or (regex and bool(_MATCH_ALL.match(text)))


def _cors_call(node: ast.Call, ctx: PyContext) -> Iterator[Hit]:
    qual = ctx.call_name(node)
    if qual in _FLASK_CORS:
        if not ctx.is_true(ctx.kwarg(node, _FLASK_CREDENTIALS)):
            return
        origins = ctx.kwarg(node, "origins")
        if origins is not None:
            if _wildcard(origins, ctx, regex=True):
                yield hit_at(node, _FLASK_MESSAGE)
            return
        if "CORS_ORIGINS" in ctx.text:
            return  # configured through app.config
        resources = ctx.kwarg(node, "resources")
        if isinstance(resources, ast.Name):
            resources = last_value(ctx, resources.id)
        if isinstance(resources, ast.Dict):
            options = [v for v in resources.values if isinstance(v, ast.Dict)]
            bounded = [v for v in options if any(const_key(k) == "origins" for k in v.keys)]
            wild = any(_wildcard(v, ctx, regex=True) for o in bounded for k, v in zip(o.keys, o.values, strict=True)
                       if const_key(k) == "origins")  # fmt: skip
            if not wild and len(bounded) == len(resources.values):
                return
        yield hit_at(node, _FLASK_MESSAGE)
        return
    args = node.args
    first = args[0] if args and not isinstance(args[0], ast.Starred) else ctx.kwarg(node, "middleware_class")
    if first is None or not (ctx.qualname(first) or "").endswith("CORSMiddleware"):
        return
    if not ctx.is_true(ctx.kwarg(node, _MIDDLEWARE_CREDENTIALS)):
        return
    if _wildcard(ctx.kwarg(node, "allow_origins"), ctx) or _wildcard(
        ctx.kwarg(node, "allow_origin_regex"), ctx, regex=True
    ):
        yield hit_at(node, "CORSMiddleware allows every origin together with allow_credentials=True")


def _credentialed_options(e: ast.expr, ctx: PyContext) -> bool:
    """``aiohttp_cors.ResourceOptions(allow_credentials=True, ...)`` (or a name bound to it)."""
    if isinstance(e, ast.Name):
        e = last_value(ctx, e.id) or e
    if not isinstance(e, ast.Call) or not ctx.call_name(e).endswith("ResourceOptions"):
        return False
    return ctx.call_name(e).startswith("aiohttp_cors") and ctx.is_true(ctx.kwarg(e, "allow_credentials"))


def _setter_header(node: ast.Call) -> tuple[str | None, ast.expr | None]:
    func = node.func
    if isinstance(func, ast.Attribute) and func.attr in _HEADER_SETTERS and len(node.args) >= 2:
        return const_key(node.args[0]), node.args[1]
    return None, None


def _header_site(node: ast.AST, header: tuple[str | None, ast.expr | None], ctx: PyContext) -> Iterator[Hit]:
    """``resp.headers["Access-Control-Allow-Origin"] = ...`` and friends, flagged when credentials are on."""
    name, value = header
    if name is None or value is None or name.lower() != _ACAO:
        return
    reflected = ctx.tainted(value) is not None
    if reflected and _credentials_allowed(_scope(ctx)):
        yield hit_at(node, "Access-Control-Allow-Origin echoes the request's Origin while credentials are allowed")
    elif const_key(value) == "*" and _credentials_allowed(_block(node, ctx)):
        yield hit_at(
            node,
            "Access-Control-Allow-Origin: * with Access-Control-Allow-Credentials: true (browsers refuse it; "
            "the usual 'fix' is echoing the origin, which lets any site read responses)",
            severity=Severity.MEDIUM,
            confidence=Confidence.MEDIUM,
        )


def _scope(ctx: PyContext) -> list[ast.AST]:
    return list(walk_body(ctx.function.body if ctx.function is not None else ctx.tree.body))


def _block(node: ast.AST, ctx: PyContext) -> list[ast.AST]:
    """The header site's own dict literal, or the simple statements beside it in its block."""
    if isinstance(node, ast.expr) and not isinstance(node, ast.Call):
        return list(ast.walk(ctx.statement)) if ctx.statement is not None else [node]
    body = ctx.function.body if ctx.function is not None else ctx.tree.body
    for sub in walk_body(body):
        for field in ("body", "orelse", "finalbody"):
            stmts = getattr(sub, field, None)
            if isinstance(stmts, list) and any(s is ctx.statement for s in stmts):
                body = stmts
    simple = [s for s in body if isinstance(s, ast.Assign | ast.Expr | ast.Return)]
    return [n for s in simple for n in ast.walk(s)]


def _credentials_allowed(nodes: list[ast.AST]) -> bool:
    """Some of these nodes send ``Access-Control-Allow-Credentials: true``."""
    for node in nodes:
        pairs: list[tuple[ast.expr | None, ast.expr]] = []
        if isinstance(node, ast.Assign):
            pairs = [(t.slice, node.value) for t in node.targets if isinstance(t, ast.Subscript)]
        elif isinstance(node, ast.Dict):
            pairs = list(zip(node.keys, node.values, strict=True))
        elif isinstance(node, ast.Call):
            key, value = _setter_header(node)
            if key is not None and value is not None:
                pairs = [(node.args[0], value)]
        for key_expr, value in pairs:
            key = const_key(key_expr)
            if key is not None and key.lower() == _ACAC and _truthy(value):
                return True
    return False


def _truthy(e: ast.expr) -> bool:
    text = const_key(e)
    return (text is not None and text.strip().lower() == "true") or PyContext.is_true(e)


def _django_settings(ctx: PyContext) -> Iterator[Hit]:
    """django-cors-headers: allow-all origins plus CORS_ALLOW_CREDENTIALS echoes every origin."""
    settings = module_assignments(ctx)
    credentials = settings.get("CORS_ALLOW_CREDENTIALS")
    if credentials is None or credentials.value is None or not ctx.is_true(credentials.value):
        return
    if is_defaults_module(ctx):
        return
    for name in (*_ALLOW_ALL_SETTINGS, *_REGEX_SETTINGS):
        stmt = settings.get(name)
        if stmt is None or stmt.value is None:
            continue
        if name in _ALLOW_ALL_SETTINGS and not ctx.is_true(stmt.value):
            continue
        if name in _REGEX_SETTINGS and not _wildcard(stmt.value, ctx, regex=True):
            continue
        yield hit_at(stmt, f"{name} together with CORS_ALLOW_CREDENTIALS = True lets any site read responses")
