"""Endpoints read from source code without importing or running it: Flask, FastAPI and Django handlers through
the scan engine's route recogniser (``ast``), Express route declarations by pattern."""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Iterator
from pathlib import Path

from slopguard.core.discovery import Discovery
from slopguard.engine.python.routes import route_of
from slopguard.probe.model import Endpoint, Param
from slopguard.probe.route_vocabulary import (
    ADMIN_GUARD,
    ANGLE_PARAM,
    AUTH_GUARD,
    BRACE_PARAM,
    ROUTE_DECORATOR_NAMES,
    angle_to_brace,
    brace_template,
    converter_kind,
    request_fields,
)

MAX_FILES, MAX_BYTES = 5000, 1_000_000
_ROUTE_SOURCES = {".py": "python", ".js": "javascript", ".mjs": "javascript", ".cjs": "javascript", ".ts": "typescript"}
_JS_ROUTE = re.compile(
    r"\b[A-Za-z_$][\w$]*\.(get|post|put|patch|delete|all)\(\s*(['\"`])(/[^'\"`]*)\2\s*,(?P<args>[^\n]*)"
)
_JS_FIELD = re.compile(r"\breq\.(query|body)(?:\.(\w+)|\[\s*['\"](\w+)['\"]\s*\])")
_JS_DESTRUCTURE = re.compile(r"\{([\w\s,:=]+)\}\s*=\s*req\.(query|body)\b")


def _route_source(name: str) -> str | None:
    """The language of a file that may declare routes (Python handlers, Express apps), or None."""
    return _ROUTE_SOURCES.get(os.path.splitext(name)[1].lower())


def _files(paths: list[Path]) -> Iterator[Path]:
    """Route sources under ``paths`` through the project's walker (ignore files, vendored folders and symlinks
    leaving the root handled as a scan handles them), at most MAX_FILES, none over MAX_BYTES."""
    count = 0
    for given in paths:
        root = given if given.is_dir() else given.parent
        for found in Discovery(root, classify=_route_source).files([given]):
            if count >= MAX_FILES:
                return
            try:
                if os.path.getsize(found.path) > MAX_BYTES:
                    continue
            except OSError:
                continue
            count += 1
            yield Path(found.path)


def _text(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _prefixes(tree: ast.Module) -> dict[str, str]:
    """Blueprint / APIRouter variables and their URL prefixes (constructor or register/include call)."""
    out: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and len(node.targets) == 1:
            target = node.targets[0]
            for kw in node.value.keywords:
                if kw.arg in ("url_prefix", "prefix") and isinstance(target, ast.Name) and _text(kw.value):
                    out[target.id] = str(_text(kw.value)).rstrip("/")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("register_blueprint", "include_router")
            and node.args
            and isinstance(node.args[0], ast.Name)
        ):
            for kw in node.keywords:
                if kw.arg in ("url_prefix", "prefix") and _text(kw.value):
                    out[node.args[0].id] = str(_text(kw.value)).rstrip("/")
    return out


def _django_urls(tree: ast.Module) -> dict[str, str]:
    """View name -> route for ``path('x/<int:pk>/', views.detail)`` declarations."""
    out: dict[str, str] = {}
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "path"):
            continue
        if len(node.args) < 2 or _text(node.args[0]) is None:
            continue
        view = node.args[1]
        if isinstance(view, ast.Call) and isinstance(view.func, ast.Attribute) and view.func.attr == "as_view":
            view = view.func.value
        name = view.attr if isinstance(view, ast.Attribute) else view.id if isinstance(view, ast.Name) else None
        if name:
            out[name] = "/" + str(_text(node.args[0])).lstrip("/")
    return out


def _fields(func: ast.AST, path_names: set[str]) -> list[Param]:
    """The inputs a handler reads from the request (path parameters aside), with ordinary values."""
    out = []
    for name, field in request_fields(func).items():
        if name in path_names:
            continue
        value: str | int | float = "test"
        if field.kind in ("integer", "number"):
            value = field.default if isinstance(field.default, int | float) else 1
        elif isinstance(field.default, str) and field.default:
            value = field.default
        out.append(Param(name, field.where, value, field.kind))
    return out


def _models(tree: ast.Module) -> dict[str, list[str]]:
    """Pydantic-style classes defined in the module and their annotated fields (FastAPI request bodies)."""
    return {
        node.name: [s.target.id for s in node.body if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name)]
        for node in tree.body
        if isinstance(node, ast.ClassDef) and node.bases
    }


class _Collector:
    """Routes of one discovery run; Django views wait for their urls.py, which may come later."""

    def __init__(self) -> None:
        self.django_urls: dict[str, str] = {}
        self.pending: list[tuple[str, frozenset[str], tuple[Param, ...], bool, bool]] = []

    def python(self, path: Path, text: str) -> Iterator[Endpoint]:
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError):
            return
        prefixes, models = _prefixes(tree), _models(tree)
        if path.name == "urls.py":
            self.django_urls.update(_django_urls(tree))
        for func, cls in _functions(tree.body, None):
            yield from self.handler(func, cls, prefixes, models)

    def handler(
        self,
        func: ast.FunctionDef | ast.AsyncFunctionDef,
        cls: ast.ClassDef | None,
        prefixes: dict[str, str],
        models: dict[str, list[str]],
    ) -> Iterator[Endpoint]:
        route = route_of(func, cls is not None)
        if route is None:
            return
        guards = [ast.unparse(d) for d in func.decorator_list if not _is_route_decorator(d)]
        guards += [ast.unparse(d) for d in (*func.args.defaults, *(d for d in func.args.kw_defaults if d))]
        secured = any(AUTH_GUARD.search(g) for g in guards)
        admin = any(ADMIN_GUARD.search(g) for g in guards)
        params = _path_params(func, route.path or "")
        holes = {p.name for p in params}
        fields = _fields(func, holes)
        if route.framework == "fastapi":
            for arg in [*func.args.args, *func.args.kwonlyargs]:
                ann = ast.unparse(arg.annotation) if arg.annotation else ""
                if arg.arg in holes or arg.arg not in route.tainted_params:
                    continue
                if ann in models:
                    fields += [Param(name, "json", "test") for name in models[ann]]
                else:
                    params.append(_query_param(arg.arg, converter_kind(ann)))
        params += fields
        if route.path is None:
            self.pending.append((cls.name if cls else func.name, route.methods, tuple(params), secured, admin))
            return
        prefix = ""
        for dec in func.decorator_list:
            target = dec.func if isinstance(dec, ast.Call) else dec
            if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
                prefix = prefixes.get(target.value.id, prefix)
        path = prefix + brace_template(angle_to_brace(route.path))
        yield from _expand(path, route.methods, tuple(params), secured, admin)

    def django(self) -> Iterator[Endpoint]:
        for name, methods, params, secured, admin in self.pending:
            if name in self.django_urls:
                route_path = self.django_urls[name]
                holes = tuple(_path_params(None, route_path))
                yield from _expand(angle_to_brace(route_path), methods, holes + params, secured, admin)


def _functions(
    body: list[ast.stmt], cls: ast.ClassDef | None
) -> Iterator[tuple[ast.FunctionDef | ast.AsyncFunctionDef, ast.ClassDef | None]]:
    """Every function, nested ones too (app factories declare routes inside create_app), with its class."""
    for node in body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node, cls
            yield from _functions(node.body, None)
        elif isinstance(node, ast.ClassDef):
            yield from _functions(node.body, node)
        elif isinstance(node, ast.If | ast.Try | ast.With):
            yield from _functions([n for n in ast.iter_child_nodes(node) if isinstance(n, ast.stmt)], cls)


def _is_route_decorator(dec: ast.expr) -> bool:
    target = dec.func if isinstance(dec, ast.Call) else dec
    return isinstance(target, ast.Attribute) and target.attr in ROUTE_DECORATOR_NAMES


def _path_params(func: ast.FunctionDef | ast.AsyncFunctionDef | None, path: str) -> list[Param]:
    """Flask/Django '<int:id>' and FastAPI '{id}' (typed by the handler's annotation) path parameters."""
    holes: list[tuple[str, str]] = ANGLE_PARAM.findall(path)
    if func is not None:
        notes = {a.arg: ast.unparse(a.annotation) if a.annotation else "" for a in func.args.args}
        holes += [(notes.get(n, ""), n) for n in BRACE_PARAM.findall(path)]
    return [_path_param(name, converter_kind(conv)) for conv, name in holes]


def _path_param(name: str, kind: str) -> Param:
    if kind in ("integer", "number"):
        return Param(name, "path", 1, kind)
    return Param(name, "path", "00000000-0000-0000-0000-000000000001" if kind == "uuid" else "1", kind)


def _query_param(name: str, kind: str) -> Param:
    return Param(name, "query", 1, kind) if kind in ("integer", "number") else Param(name, "query", "test", "string")


def _expand(
    path: str, methods: frozenset[str], params: tuple[Param, ...], secured: bool, admin: bool
) -> Iterator[Endpoint]:
    has_body = any(p.where in ("form", "json") for p in params)
    verbs = sorted(m for m in methods if m not in ("ANY", "HEAD", "OPTIONS", "WEBSOCKET"))
    if "ANY" in methods:
        verbs = sorted({*verbs, "GET", *(("POST",) if has_body else ())})
    for verb in verbs:
        own = params if verb != "GET" else tuple(p for p in params if p.where in ("query", "path"))
        yield Endpoint(verb, path or "/", own, secured, admin, "source")


def _express(text: str) -> Iterator[Endpoint]:
    matches = list(_JS_ROUTE.finditer(text))
    for i, m in enumerate(matches):
        span = text[m.start() : matches[i + 1].start() if i + 1 < len(matches) else len(text)]
        path = re.sub(r":(\w+)\??", r"{\1}", m.group(3))
        params = [Param(name, "path", "1") for name in re.findall(r"\{(\w+)\}", path)]
        for kind, dotted, quoted in _JS_FIELD.findall(span):
            name = dotted or quoted
            if not any(p.name == name for p in params):
                params.append(Param(name, "query" if kind == "query" else "json", "test"))
        for names, kind in _JS_DESTRUCTURE.findall(span):
            for name in re.findall(r"(\w+)\s*(?:[,:=]|$)", names):
                if not any(p.name == name for p in params):
                    params.append(Param(name, "query" if kind == "query" else "json", "test"))
        middleware = m.group("args").split("=>")[0]
        secured = bool(AUTH_GUARD.search(middleware.split("(")[0] if "function" in middleware else middleware))
        method = "GET" if m.group(1) == "all" else m.group(1).upper()
        yield from _expand(path, frozenset({method}), tuple(params), secured, bool(ADMIN_GUARD.search(middleware)))


def endpoints_from_source(paths: list[Path]) -> list[Endpoint]:
    """Every route declared in the files under ``paths`` (never imported or executed)."""
    collector = _Collector()
    out: list[Endpoint] = []
    for path in _files(paths):
        text = path.read_text(encoding="utf-8", errors="replace")
        out.extend(collector.python(path, text) if path.suffix == ".py" else _express(text))
    out.extend(collector.django())
    return out
