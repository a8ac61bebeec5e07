"""JAVA-ACTUATOR-001: Spring Boot actuator endpoints that leak secrets or control the app, exposed over HTTP
(``management.endpoints.web.exposure.include=*`` in application.properties / application.yml)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.registry import text_rule
from slopguard.engine.text import TextContext

_EXPOSURE = "management.endpoints.web.exposure.include"
_UNSECURED = ("management.security.enabled", "endpoints.sensitive")  # Spring Boot 1.x switches
# Endpoints that hand out secrets (env, configprops, heapdump, request headers) or change the running app.
_SENSITIVE = frozenset(
    {"env", "heapdump", "threaddump", "shutdown", "configprops", "jolokia", "logfile", "httptrace", "httpexchanges",
     "sessions", "gateway", "loggers", "restart", "refresh", "trace", "dump"}
)  # fmt: skip
_PROPERTY = re.compile(r"^\s*([\w.\-\[\]]+)\s*[=:]\s*(.*?)\s*$")
_YAML_KEY = re.compile(r"^(\s*)(?:-\s+)?([\w.\-\[\]\"']+)\s*:(?:\s+(.*?))?\s*$")
_YAML_ITEM = re.compile(r"^(\s*)-\s+(.*?)\s*$")
_INTERNAL_PORT = " (a separate management port is set: keep it unreachable from outside)"
_MANAGEMENT_PORT = "management.server.port"


def _normal(key: str) -> str:
    """Relaxed binding: ``management.endpoints.web.exposure.include[0]`` / ``Management.Endpoints...``."""
    return re.sub(r"\[\d+\]", "", key.strip("\"'")).replace("-", "").lower()


def _uncommented(line: str) -> str:
    return re.split(r"(?:^|\s)#", line, maxsplit=1)[0].rstrip()


def _yaml_entries(lines: list[str]) -> Iterator[tuple[int, str, str]]:
    """(line number, dotted key, value) for every scalar or list item of a YAML file."""
    stack: list[tuple[int, str]] = []
    for number, raw in enumerate(lines, 1):
        line = _uncommented(raw)
        if not line.strip() or line.lstrip().startswith(("---", "...")):
            continue
        item = _YAML_ITEM.match(line)
        key = _YAML_KEY.match(line)
        if key is None and item is not None:
            if stack:
                yield number, ".".join(k for _, k in stack), item.group(2)
            continue
        if key is None:
            continue
        indent = len(key.group(1))
        while stack and stack[-1][0] >= indent:
            stack.pop()
        stack.append((indent, _normal(key.group(2))))
        if key.group(3):
            yield number, ".".join(k for _, k in stack), key.group(3)


def _property_entries(lines: list[str]) -> Iterator[tuple[int, str, str]]:
    for number, raw in enumerate(lines, 1):
        line = _uncommented(raw).strip()  # a trailing " # note" would not parse as a list or boolean anyway
        if not line or line.startswith("!"):
            continue
        found = _PROPERTY.match(line)
        if found is not None:
            yield number, _normal(found.group(1)), found.group(2)


def _exposed(value: str) -> list[str]:
    names = [v.strip().strip("\"'[]").lower() for v in re.split(r"[,\s]+", value.strip("[]"))]
    return [n for n in names if n == "*" or n in _SENSITIVE]


@text_rule(
    id="JAVA-ACTUATOR-001",
    title="Spring Boot actuator exposes sensitive endpoints",
    cwe=200,
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    languages=("config",),
    why="""Assistants make /actuator "work" with management.endpoints.web.exposure.include=* (or a list with env,
    heapdump, loggers, shutdown). Unless Spring Security guards those paths, anyone can download a heap dump full
    of passwords, tokens and session ids, read resolved configuration from /env and /configprops, change log levels,
    or shut the application down.""",
    fix="""Expose only what monitoring needs (include=health,info,prometheus), serve the actuator on a separate
    management port that is not reachable from outside (management.server.port), and require an admin role for
    /actuator/** in the SecurityFilterChain.""",
)
def spring_actuator_exposure(ctx: TextContext) -> Iterator[Hit]:
    if "management" not in ctx.text and "endpoints" not in ctx.text:
        return
    yaml = ctx.path.lower().endswith((".yml", ".yaml"))
    entries = list(_yaml_entries(ctx.lines) if yaml else _property_entries(ctx.lines))
    internal_port = any(key == _MANAGEMENT_PORT for _, key, _ in entries)
    for number, key, value in entries:
        if key == _EXPOSURE:
            exposed = _exposed(value)
            if not exposed:
                continue
            what = "every actuator endpoint" if "*" in exposed else "actuator endpoint(s) " + ", ".join(exposed)
            message = f"{what} exposed over HTTP: heap dumps and /env leak secrets; expose health and info only"
        elif key in _UNSECURED and value.strip("\"'").lower() == "false":
            message = f"{key}=false serves the actuator endpoints without authentication"
        else:
            continue
        yield Hit(
            number,
            1,
            number,
            len(ctx.lines[number - 1]) + 1,
            message + (_INTERNAL_PORT if internal_port else ""),
            severity=Severity.LOW if internal_port else None,
            confidence=Confidence.MEDIUM if internal_port else None,
        )
