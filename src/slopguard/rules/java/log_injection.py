"""JAVA-LOG-001: request data written raw to SLF4J/Log4j/JUL loggers or System.out."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.java.common import calls, declared_type, from_command_line, method, receiver, value_of

_LOG_METHODS = frozenset(
    {"info", "debug", "warn", "warning", "error", "trace", "fatal", "severe", "fine", "finer", "finest", "config",
     "log", "printf", "format", "print", "println", "atInfo", "atDebug", "atWarn", "atError"}
)  # fmt: skip
_PRINT = frozenset({"print", "println", "printf", "format"})
_LOGGER = re.compile(r"(?i)(?:^|\.)(?:_?log|logger|\w*logger|\w+log)$|getLogger\(.*\)$")
_LOGGER_TYPES = frozenset({"Logger", "Log", "XLogger", "ExtendedLogger", "FluentLogger"})
_STRIPPED = re.compile(r"replace(?:All)?\([^)]*(?:\\\\[rnR]|\\[rn]|Cntrl|\\\\s|\\\\v)|forJava\(|escapeJava\(")


def _is_logger(obj: Node, name: str, ctx: TSContext) -> bool:
    text = ctx.compact(obj)
    if text in ("System.out", "System.err"):
        return name in _PRINT
    if name in _PRINT:
        return False
    return bool(_LOGGER.search(text)) or declared_type(obj, ctx) in _LOGGER_TYPES


def _neutralised(arg: Node, ctx: TSContext) -> bool:
    """CR/LF removed or escaped before logging: ``name.replaceAll("[\\r\\n]", "_")``."""
    return bool(_STRIPPED.search(ctx.text(arg)) or _STRIPPED.search(ctx.text(value_of(arg, ctx))))


@ts_rule(
    id="JAVA-LOG-001",
    title="Request data logged without neutralising line breaks",
    cwe=117,
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    languages=("java",),
    query=calls("^(" + "|".join(sorted(_LOG_METHODS)) + ")$"),
    why="""Assistants log request parameters, headers and bodies as they arrive (log.info("Login attempt for " +
    username), System.out.println(request.getParameter("q"))). A value carrying \\r\\n forges whole log lines —
    fake "login succeeded" entries, hidden attacks — and control characters or ${jndi:...} lookups reach log
    viewers and vulnerable logging back ends.""",
    fix="""Log request values through a placeholder after stripping line breaks (value.replaceAll("[\\r\\n]", "_"))
    or with an encoder such as OWASP Encode.forJava, and prefer logging ids over raw input; configure the layout to
    escape CRLF (Logback %replace, Log4j2 %enc{}{CRLF}).""",
)
def java_log_injection(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    call: Node = captures["call"][0]
    name = method(call, ctx)
    obj = receiver(call)
    if name not in _LOG_METHODS or obj is None or not _is_logger(obj, name, ctx):
        return
    for arg in ctx.arguments(call):
        flow = ctx.tainted(arg)
        if flow is None or from_command_line(flow, arg, ctx) or _neutralised(arg, ctx):
            continue
        where = ctx.compact(obj)
        yield ctx.hit(
            call,
            f"request data ({flow.origin}) written raw to {where}.{name}(); strip CR/LF before logging",
        )
        return
