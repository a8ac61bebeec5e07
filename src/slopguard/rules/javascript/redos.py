"""JS-REDOS-001: request data compiled into a regular expression (ReDoS, regex injection)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.flow import describe
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.javascript.common import resolve
from slopguard.rules.javascript.request_data import server_input
from slopguard.rules.shared.trees import walk

_CONSTRUCTORS = frozenset({"RegExp", "window.RegExp", "globalThis.RegExp"})
# escape-string-regexp, lodash's escapeRegExp, a hand-written .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
_ESCAPED = re.compile(r"(?i)escape\w*reg|reg\w*escape|escaperegex|quotemeta|\$&")


def _escaped(ctx: TSContext, node: Node) -> bool:
    """Whether the pattern, or a value it is built from, went through a regex escaper."""
    if _ESCAPED.search(ctx.text(node)):
        return True
    for part in walk(node):
        if part.type == "identifier":
            value = resolve(ctx, part)
            if value is not None and value.id != part.id and _ESCAPED.search(ctx.text(value)):
                return True
    return False


@ts_rule(
    id="JS-REDOS-001",
    title="Request data compiled into a regular expression (ReDoS)",
    cwe=(1333, 625),
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    languages=("javascript", "typescript"),
    query="[(call_expression) (new_expression)] @call",
    why="""Assistants implement search, highlighting and filters with new RegExp(req.query.q, 'i'). The client
    then writes the pattern: (a+)+$ against a long string keeps Node's single thread backtracking for minutes
    (one request stops the whole server), and .* or alternations match records the search was meant to
    exclude.""",
    fix="""Escape the input first (escape-string-regexp, lodash's escapeRegExp, or
    s.replace(/[.*+?^${}()|[\\]\\\\]/g, '\\\\$&')), cap its length, or use plain string methods (includes,
    startsWith) or a database text index instead of a regex.""",
)
def regex_from_input(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    call: Node = captures["call"][0]
    if ctx.call_name(call) not in _CONSTRUCTORS:
        return
    args = ctx.arguments(call)
    if not args:
        return
    flow = server_input(ctx, args[0])
    if flow is None or _escaped(ctx, args[0]):
        return
    yield ctx.hit(call, f"regular expression compiled from {describe(flow)}: escape it or use string matching")
