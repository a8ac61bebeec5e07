"""The routes of a loaded app: Flask's URL map, Django's URL resolver, FastAPI's OpenAPI schema (or an OpenAPI
document), each route with the request fields its view reads and whether it looks protected."""

from __future__ import annotations

import ast
import importlib
import inspect
import re
import textwrap
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from slopguard.probe.model import Endpoint, Param
from slopguard.probe.route_vocabulary import (
    ANGLE_PARAM,
    AUTH_CALL,
    AUTH_GUARD,
    angle_to_brace,
    converter_kind,
    request_fields,
)
from slopguard.probe.targets import endpoints_from_openapi, parse_openapi

_SKIP_METHODS = frozenset({"HEAD", "OPTIONS"})
_DJANGO_REGEX_ARG = re.compile(r"\(\?P<(\w+)>[^()]*(?:\([^()]*\)[^()]*)*\)")
_PROTECTED_PATH = re.compile(
    r"(?i)/(admin|account|accounts|profile|me|settings|dashboard|internal|manage|private)(/|$)"
)
_NOT_PROTECTED = re.compile(r"(?i)(log-?in|log-?out|sign-?(in|up|out)|register|reset|forgot|recover|token|health)")
PASSWORD_FIELD = re.compile(r"(?i)pass(word|wd)?|^pwd$")
# Values the app accepts as ordinary input, by parameter name (the first pattern that matches wins).
_BENIGN = (
    (re.compile(r"(?i)^(host(name)?|ip|addr(ess)?|server|domain|target)$"), "127.0.0.1"),
    (re.compile(r"(?i)(next|redirect|return|url|goto|continue|dest)"), "/"),
    (re.compile(r"(?i)mail"), "user@example.test"),
    (PASSWORD_FIELD, "not-the-password"),
    (re.compile(r"(?i)(file|path|doc)"), "readme.txt"),
    (re.compile(r"(?i)(^id$|_id$|^page$|^limit$|count)"), "1"),
)


def _benign(name: str, kind: str) -> str | int:
    if kind in ("integer", "number"):
        return 1
    if kind == "uuid":
        return "00000000-0000-0000-0000-000000000001"
    return next((value for pattern, value in _BENIGN if pattern.search(name)), "test")


def _view_tree(func: Any) -> ast.AST | None:
    try:
        return ast.parse(textwrap.dedent(inspect.getsource(inspect.unwrap(func))))
    except (OSError, TypeError, SyntaxError):
        return None


def looks_protected(path: str, tree: ast.AST | None) -> bool:
    """Whether a route should refuse anonymous callers: by its path, its decorators or the checks in its view."""
    if _NOT_PROTECTED.search(path):
        return False
    if _PROTECTED_PATH.search(path):
        return True
    if tree is None:
        return False
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            if any(AUTH_GUARD.search(ast.unparse(d)) for d in node.decorator_list):
                return True
            if isinstance(node, ast.ClassDef) and any("LoginRequired" in ast.unparse(b) for b in node.bases):
                return True
        if isinstance(node, ast.Call):
            name = ast.unparse(node.func).rsplit(".", 1)[-1]
            if AUTH_CALL.match(name):
                return True
        if isinstance(node, ast.Constant) and node.value in (401, 403):
            return True
    return False


def _endpoint(method: str, path: str, path_kinds: dict[str, str], view: Any, origin: str) -> Endpoint:
    tree = _view_tree(view) if view is not None else None
    params = [Param(name, "path", _benign(name, kind), kind) for name, kind in path_kinds.items()]
    for name, field in (request_fields(tree) if tree else {}).items():
        if name in path_kinds or (method == "GET" and field.where in ("form", "json")):
            continue  # a GET carries no body
        default = field.default
        value = default if isinstance(default, str | int) and default != "" else _benign(name, field.kind)
        params.append(Param(name, field.where, value, field.kind))
    return Endpoint(method, path, tuple(params), secured=looks_protected(path, tree), origin=origin)


def _kinds(args: list[tuple[str, str]]) -> dict[str, str]:
    """Path parameter name -> kind from (converter, name) pairs: <int:id> is an integer, <name> a string."""
    return {name: converter_kind(conv) for conv, name in args}


def flask_endpoints(app: Any) -> list[Endpoint]:
    out: list[Endpoint] = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        kinds = _kinds(ANGLE_PARAM.findall(rule.rule))
        view = app.view_functions.get(rule.endpoint)
        for method in sorted(set(rule.methods or ()) - _SKIP_METHODS):
            out.append(_endpoint(method, angle_to_brace(rule.rule), kinds, view, "flask"))
    return out


def _django_patterns(patterns: Iterable[Any], prefix: str) -> Iterable[tuple[str, dict[str, str], Any]]:
    for entry in patterns:
        raw = str(entry.pattern)
        if raw.startswith("^") or raw.endswith("$") or "(?P<" in raw:
            kinds = {name: "string" for name in re.findall(r"\(\?P<(\w+)>", raw)}
            part = _DJANGO_REGEX_ARG.sub(lambda m: "{" + m.group(1) + "}", raw).strip("^$").replace("\\", "")
        else:
            kinds = _kinds(ANGLE_PARAM.findall(raw))
            part = angle_to_brace(raw)
        if hasattr(entry, "url_patterns"):
            for path, inner, view in _django_patterns(entry.url_patterns, prefix + part):
                yield path, {**kinds, **inner}, view
        else:
            yield prefix + part, kinds, entry.callback


def django_endpoints() -> list[Endpoint]:
    resolver = importlib.import_module("django.urls").get_resolver()
    out: list[Endpoint] = []
    for path, kinds, view in _django_patterns(resolver.url_patterns, "/"):
        view_class = getattr(view, "view_class", None)
        if view_class is not None:
            methods = [m.upper() for m in ("get", "post", "put", "patch", "delete") if hasattr(view_class, m)]
            view = view_class
        else:
            source = ast.unparse(_view_tree(view) or ast.Module(body=[], type_ignores=[]))
            methods = ["POST"] if re.search(r"require_POST|request\.POST|== ['\"]POST", source) else ["GET"]
        out += [_endpoint(method, path, kinds, view, "django") for method in methods]
    return out


def discover(app: Any, framework: str, openapi_text: str | None = None, origin: str = "") -> list[Endpoint]:
    """The app's endpoints: from the OpenAPI document when given, else from the app (FastAPI: its schema)."""
    if openapi_text is not None:
        return protect_by_path(endpoints_from_openapi(parse_openapi(openapi_text, origin)))
    if framework == "flask":
        return flask_endpoints(app)
    if framework == "fastapi":
        return endpoints_from_openapi(app.openapi())
    return django_endpoints()


def protect_by_path(endpoints: list[Endpoint]) -> list[Endpoint]:
    """An OpenAPI document that declares no security at all: fall back to what the paths suggest."""
    if any(ep.secured for ep in endpoints):
        return endpoints
    return [replace(ep, secured=looks_protected(ep.path, None)) for ep in endpoints]
