"""Endpoint discovery from an OpenAPI document, an explicit list ('GET /search?q=lamp') or the target URL."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from slopguard.probe.model import Endpoint, Param, Where

METHODS = ("get", "post", "put", "patch", "delete")
_DEFAULTS: dict[str, str | int | float | bool] = {"integer": 1, "number": 1.5, "boolean": True}


class DiscoveryError(Exception):
    """An endpoint source cannot be used (malformed OpenAPI, bad --endpoint spec)."""


def parse_openapi(text: str, origin: str) -> dict[str, Any]:
    """The document as a dict; JSON, or YAML when PyYAML is installed."""
    try:
        doc = json.loads(text)
    except ValueError as json_error:
        try:
            import yaml  # type: ignore[import-untyped]
        except ImportError:
            raise DiscoveryError(f"{origin}: not valid JSON ({json_error})") from None
        try:
            doc = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise DiscoveryError(f"{origin}: neither JSON nor YAML ({first})") from None
    if not isinstance(doc, dict) or not ("openapi" in doc or "swagger" in doc):
        raise DiscoveryError(f"{origin}: not an OpenAPI document (no 'openapi' or 'swagger' field)")
    if not isinstance(doc.get("paths"), dict):
        raise DiscoveryError(f"{origin}: OpenAPI document has no 'paths' object")
    return doc


def _resolve(doc: dict[str, Any], node: Any, depth: int = 0) -> Any:
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and depth < 20:
        ref = node["$ref"]
        if not ref.startswith("#/"):
            return {}
        target: Any = doc
        for part in ref[2:].split("/"):
            target = target.get(part.replace("~1", "/").replace("~0", "~"), {}) if isinstance(target, dict) else {}
        node, depth = target, depth + 1
    return node


Scalar = str | int | float | bool


def _example(holder: dict[str, Any], schema: dict[str, Any]) -> tuple[Scalar, str]:
    kind = schema.get("type", "string") if isinstance(schema.get("type"), str) else "string"
    for source in (holder, schema):
        for key in ("example", "default"):
            value = source.get(key)
            if isinstance(value, str | int | float | bool):
                return value, kind
    enum = schema.get("enum")
    if isinstance(enum, list) and enum and isinstance(enum[0], str | int | float | bool):
        return enum[0], kind
    return _DEFAULTS.get(kind, "test"), kind


def _body_params(doc: dict[str, Any], body: Any) -> list[Param]:
    body = _resolve(doc, body)
    content = body.get("content") if isinstance(body, dict) else None
    if not isinstance(content, dict):
        return []
    for media, where in (
        ("application/json", "json"),
        ("application/x-www-form-urlencoded", "form"),
        ("multipart/form-data", "form"),
    ):
        spec = content.get(media)
        if not isinstance(spec, dict):
            continue
        schema = _resolve(doc, spec.get("schema", {}))
        props = schema.get("properties") if isinstance(schema, dict) else None
        if not isinstance(props, dict):
            return []
        out = []
        for name, prop in props.items():
            prop = _resolve(doc, prop)
            value, kind = _example({}, prop if isinstance(prop, dict) else {})
            out.append(Param(str(name), where, value, kind))  # type: ignore[arg-type]
        return out
    return []


def _base_path(doc: dict[str, Any]) -> str:
    """The path prefix of the API: Swagger 2's basePath or the path of OpenAPI 3's first server URL."""
    if isinstance(doc.get("basePath"), str):
        return str(doc["basePath"]).rstrip("/")
    servers = doc.get("servers")
    if isinstance(servers, list) and servers and isinstance(servers[0], dict):
        url = servers[0].get("url")
        if isinstance(url, str) and "{" not in url:
            return urlsplit(url).path.rstrip("/")
    return ""


def endpoints_from_openapi(doc: dict[str, Any]) -> list[Endpoint]:
    """Every operation with its query, path and body parameters, security and admin tags."""
    out: list[Endpoint] = []
    top_security = bool(doc.get("security"))
    prefix = _base_path(doc)
    for path, item in doc["paths"].items():
        if not isinstance(item, dict) or not isinstance(path, str):
            continue
        path = prefix + path
        shared: list[Any] = item["parameters"] if isinstance(item.get("parameters"), list) else []
        for method in METHODS:
            op = item.get(method)
            if not isinstance(op, dict):
                continue
            params: list[Param] = []
            own: list[Any] = op["parameters"] if isinstance(op.get("parameters"), list) else []
            for raw in [*shared, *own]:
                p = _resolve(doc, raw)
                if not isinstance(p, dict) or p.get("in") not in ("query", "path") or not p.get("name"):
                    continue
                schema = _resolve(doc, p.get("schema", {}))
                value, kind = _example(p, schema if isinstance(schema, dict) else {})
                params = [q for q in params if q.name != p["name"]] + [Param(str(p["name"]), p["in"], value, kind)]
            params += _body_params(doc, op.get("requestBody"))
            security = op.get("security")
            secured = bool(security) if isinstance(security, list) else top_security
            tags = {str(t).lower() for t in op.get("tags", []) if isinstance(t, str)}
            out.append(Endpoint(method.upper(), path, tuple(params), secured, "admin" in tags, "openapi"))
    return out


_SPEC = re.compile(r"^\s*([A-Za-z]+)\s+(/\S*)(?:\s+(json|form):(\S+))?\s*$")


def parse_endpoint_spec(spec: str) -> Endpoint:
    """'GET /search?q=lamp', 'POST /login json:username=alice&password=x', 'GET /users/{id}?id=2'
    (a query item named like a path parameter gives that parameter's example)."""
    m = _SPEC.match(spec)
    if not m:
        raise DiscoveryError(f"--endpoint {spec!r}: expected 'METHOD /path?a=1' or 'METHOD /path json:a=1&b=2'")
    method, target, where, body = m.groups()
    parts = urlsplit(target)
    path = parts.path or "/"
    holes = set(re.findall(r"\{(\w+)\}", path))
    params: list[Param] = []
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        params.append(Param(name, "path" if name in holes else "query", value or "1"))
    params += [Param(h, "path", "1") for h in sorted(holes) if not any(p.name == h for p in params)]
    if where and body:
        kind: Where = "json" if where == "json" else "form"
        params += [Param(n, kind, v or "test") for n, v in parse_qsl(body, keep_blank_values=True)]
    return Endpoint(method.upper(), path, tuple(params), origin="explicit")


def endpoint_from_url(path: str, query: str) -> Endpoint:
    params = tuple(Param(n, "query", v or "1") for n, v in parse_qsl(query, keep_blank_values=True))
    return Endpoint("GET", path or "/", params, origin="url")


def merge(endpoints: Iterable[Endpoint]) -> list[Endpoint]:
    """One endpoint per (method, path); later sources add parameters and flags to earlier ones."""
    found: dict[tuple[str, str], Endpoint] = {}
    for ep in endpoints:
        found[ep.key] = found[ep.key].merged(ep) if ep.key in found else ep
    return list(found.values())
