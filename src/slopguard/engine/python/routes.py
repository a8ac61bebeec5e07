"""Recognise web request handlers (Flask, FastAPI, Django, DRF) and what their parameters carry."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from slopguard.engine.python import knowledge as kb

_FLASK_PARAM = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")
_NON_DATA_TYPES = frozenset(
    {"Request", "Response", "Session", "AsyncSession", "BackgroundTasks", "WebSocket", "HTTPConnection"}
)
_NON_DATA_NAMES = frozenset({"self", "cls", "request", "req", "db", "session", "current_user", "response"})


@dataclass(frozen=True, slots=True)
class Route:
    """A function that answers HTTP requests."""

    path: str | None
    methods: frozenset[str]
    framework: str
    tainted_params: tuple[str, ...]


def _decorator_route(dec: ast.expr) -> tuple[str | None, frozenset[str], str] | None:
    call = dec if isinstance(dec, ast.Call) else None
    target = call.func if call else dec
    if isinstance(target, ast.Attribute) and target.attr in kb.ROUTE_METHODS:
        path = None
        if call and call.args and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str):
            path = call.args[0].value
        if target.attr != "route" and (path is None or not path.startswith("/")):
            return None
        if target.attr == "route":
            verbs = {"GET"}
            for kw in call.keywords if call else []:
                if kw.arg == "methods" and isinstance(kw.value, ast.List | ast.Tuple | ast.Set):
                    verbs = {str(m.value).upper() for m in kw.value.elts if isinstance(m, ast.Constant)}
            return path, frozenset(verbs), "flask"
        method = "ANY" if target.attr in ("api_route", "websocket") else target.attr.upper()
        return path, frozenset({method}), "fastapi"
    name = target.id if isinstance(target, ast.Name) else target.attr if isinstance(target, ast.Attribute) else ""
    if name in kb.ROUTE_DECORATORS:
        methods: set[str] = set()
        if call and call.args and isinstance(call.args[0], ast.List | ast.Tuple):
            methods = {str(m.value).upper() for m in call.args[0].elts if isinstance(m, ast.Constant)}
        if name == "require_POST":
            methods = {"POST"}
        return None, frozenset(methods or {"ANY"}), "django"
    return None


def _annotation_name(ann: ast.expr | None) -> str:
    if ann is None:
        return ""
    if isinstance(ann, ast.Subscript):  # Annotated[int, Query()], Optional[str]
        inner = ann.slice.elts[0] if isinstance(ann.slice, ast.Tuple) and ann.slice.elts else ann.slice
        return _annotation_name(inner)
    if isinstance(ann, ast.BinOp):  # str | None
        return _annotation_name(ann.left)
    if isinstance(ann, ast.Name):
        return ann.id
    if isinstance(ann, ast.Attribute):
        return ann.attr
    if isinstance(ann, ast.Constant) and isinstance(ann.value, str):
        return ann.value
    return ""


def _is_depends(default: ast.expr | None) -> bool:
    if not isinstance(default, ast.Call):
        return False
    f = default.func
    return (isinstance(f, ast.Name) and f.id in ("Depends", "Security")) or (
        isinstance(f, ast.Attribute) and f.attr in ("Depends", "Security")
    )


def _params_with_defaults(
    func: ast.FunctionDef | ast.AsyncFunctionDef,
) -> list[tuple[ast.arg, ast.expr | None]]:
    args = func.args
    positional = [*args.posonlyargs, *args.args]
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    return [*zip(positional, defaults, strict=True), *zip(args.kwonlyargs, args.kw_defaults, strict=True)]


# pytest passes its fixtures a ``request`` too: a FixtureRequest, not an HTTP request.
_FIXTURE_DECORATORS = frozenset({"fixture", "yield_fixture"})
_FIXTURE_REQUESTS = frozenset({"FixtureRequest", "SubRequest", "TopRequest"})


def _is_fixture(func: ast.FunctionDef | ast.AsyncFunctionDef, params: list[tuple[ast.arg, ast.expr | None]]) -> bool:
    """A pytest fixture or hook: decorated ``@fixture``/``@pytest.fixture(...)``, or its ``request`` typed as
    pytest's request object."""
    for dec in func.decorator_list:
        target = dec.func if isinstance(dec, ast.Call) else dec
        name = target.attr if isinstance(target, ast.Attribute) else target.id if isinstance(target, ast.Name) else ""
        if name in _FIXTURE_DECORATORS:
            return True
    return any(a.arg == "request" and _annotation_name(a.annotation) in _FIXTURE_REQUESTS for a, _ in params)


def declared_route(func: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Whether a route decorator registers ``func`` (not a guess from its first parameter being ``request``)."""
    return any(_decorator_route(dec) is not None for dec in func.decorator_list)


def route_of(func: ast.FunctionDef | ast.AsyncFunctionDef, in_class: bool) -> Route | None:
    """The route a function serves, or None when it is not a request handler."""
    found = next((r for r in map(_decorator_route, func.decorator_list) if r is not None), None)
    params = _params_with_defaults(func)
    names = [a.arg for a, _ in params]
    if found is None:
        first = names[1] if in_class and len(names) > 1 else (names[0] if names else "")
        is_cbv = in_class and func.name in ("get", "post", "put", "patch", "delete")
        if first != "request" or (in_class and not is_cbv) or _is_fixture(func, params):
            return None
        found = (None, frozenset({func.name.upper() if is_cbv else "ANY"}), "django")
    path, methods, framework = found
    tainted: list[str] = []
    if framework == "flask":
        for conv, name in _FLASK_PARAM.findall(path or ""):
            if conv not in kb.SAFE_CONVERTERS:
                tainted.append(name)
    else:
        for arg, default in params:
            ann = _annotation_name(arg.annotation)
            if arg.arg in _NON_DATA_NAMES or ann in _NON_DATA_TYPES or ann in kb.SAFE_ANNOTATIONS:
                continue
            if _is_depends(default):
                continue
            tainted.append(arg.arg)
    return Route(path, methods, framework, tuple(tainted))
