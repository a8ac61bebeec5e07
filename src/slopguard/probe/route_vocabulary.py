"""How handler code names its routes and inputs: the one vocabulary of ``--from-source`` discovery and of
``slopguard tests generate``.

It knows which request attributes carry which kind of input, which names a handler gives its request object,
how Flask, Django and FastAPI write path parameters and their converters, and which decorators and calls guard a
route. ``request_fields`` reads the inputs a handler takes from its syntax tree (never by running it).
"""

from __future__ import annotations

import ast
import re
from typing import Any, NamedTuple

from slopguard.probe.model import Where

# The request object as handlers name it (Flask/FastAPI ``request``, Falcon-style ``req``, Django class views).
REQUEST_OBJECTS = frozenset({"request", "req", "self.request"})
# Request attribute -> where its fields travel. Flask's ``values`` merges query and form fields; the query
# reaches it whatever the method, so that is where the fields are sent.
REQUEST_HOLDERS: dict[str, Where] = {
    "args": "query",
    "GET": "query",
    "query_params": "query",
    "values": "query",
    "form": "form",
    "POST": "form",
    "json": "json",
    "data": "json",
    "body": "json",
}
# A variable assigned from one of these reads the request (``data = request.get_json() or request.form``); the
# first one named in the expression decides where its fields travel.
_CARRIER = re.compile(
    r"request\.(?P<form>form|POST)\b|request\.(?P<query>values|args|GET)\b"
    r"|request\.(?P<json>get_json|json|data|body)\b|(?P<loads>json\.loads)"
)
_FIELD_GETTERS = frozenset({"get", "getlist", "get_one"})
_TYPE_KINDS = {"int": "integer", "float": "number"}

# Path parameters: Flask and Django '<int:id>' (Flask converters may take arguments), FastAPI '{id}' or '{p:path}'.
ANGLE_PARAM = re.compile(r"<(?:(\w+)(?:\([^>]*\))?:)?(\w+)>")
BRACE_PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")
CONVERTER_KINDS = {"int": "integer", "float": "number", "uuid": "uuid", "slug": "string", "path": "string"}

# Decorators and dependencies that guard a route, and those that restrict it to administrators.
AUTH_GUARD = re.compile(
    r"(?i)(login|auth|jwt|token|permission|roles?|admin|staff|superuser|current_user|protect|user_passes_test)"
)
ADMIN_GUARD = re.compile(r"(?i)(admin|staff|superuser|roles?_required|permission_required)")
# Calls inside a handler that check the caller.
AUTH_CALL = re.compile(
    r"(?i)^(require_\w+|\w*login_required|\w*auth_required|\w*admin_required|check_auth\w*|verify_\w*token|"
    r"get_current_user|current_user|authenticate\w*|is_authenticated)$"
)
ROUTE_DECORATOR_NAMES = frozenset({"route", "get", "post", "put", "patch", "delete"})


class RequestField(NamedTuple):
    """An input a handler reads: where it travels, the default the handler gives it, its declared kind."""

    where: Where
    default: Any
    kind: str


def converter_kind(converter: str | None) -> str:
    """The kind of a path parameter from its converter: '<int:id>' is an integer, '<name>' a string."""
    return CONVERTER_KINDS.get(converter or "", "string")


def angle_to_brace(path: str) -> str:
    """'/users/<int:id>' -> '/users/{id}' (Flask and Django syntax to the probe's path templates)."""
    return ANGLE_PARAM.sub(lambda m: "{" + m.group(2) + "}", path)


def brace_template(path: str) -> str:
    """'/files/{p:path}' -> '/files/{p}' (FastAPI/Starlette converters dropped)."""
    return BRACE_PARAM.sub(lambda m: "{" + m.group(1) + "}", path)


def is_request_object(node: ast.expr) -> bool:
    name = ast.unparse(node)
    return name in REQUEST_OBJECTS or name.endswith(".request")


def carrier(value: ast.expr) -> Where | None:
    """Where the fields of a variable assigned from ``value`` travel, or None when it does not read the request."""
    found = _CARRIER.search(ast.unparse(value))
    if found is None:
        return None
    group = found.lastgroup
    return "json" if group == "loads" else group  # type: ignore[return-value]


def _literal(node: ast.expr | None) -> Any:
    try:
        return ast.literal_eval(node) if node is not None else None
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None


def _holder_where(holder: ast.expr, carriers: dict[str, Where]) -> Where | None:
    if isinstance(holder, ast.Attribute) and is_request_object(holder.value):
        return REQUEST_HOLDERS.get(holder.attr)
    if isinstance(holder, ast.Call) and ast.unparse(holder.func).endswith("get_json"):
        return "json"
    if isinstance(holder, ast.Name):
        return carriers.get(holder.id)
    return None


def request_fields(tree: ast.AST) -> dict[str, RequestField]:
    """name -> RequestField for each input a handler reads: ``.get('q')``, ``['q']``, through carriers too."""
    carriers = {
        node.targets[0].id: where
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign)
        and len(node.targets) == 1
        and isinstance(node.targets[0], ast.Name)
        and (where := carrier(node.value))
    }
    found: dict[str, RequestField] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args:
            if node.func.attr not in _FIELD_GETTERS:
                continue
            holder, key = node.func.value, _literal(node.args[0])
            default = _literal(node.args[1]) if len(node.args) > 1 else None
            typed = next((ast.unparse(k.value) for k in node.keywords if k.arg == "type"), "")
            kind = _TYPE_KINDS.get(typed, "string")
        elif isinstance(node, ast.Subscript):
            holder, key, default, kind = node.value, _literal(node.slice), None, "string"
        else:
            continue
        where = _holder_where(holder, carriers)
        if where and isinstance(key, str) and key not in found:
            found[key] = RequestField(where, default, kind)
    return found
