"""Regular expressions and request data: input compiled into a pattern (JS-REDOS-001), catastrophic patterns
applied to input (JS-REDOS-002)."""

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
from slopguard.rules.javascript.common import resolve, string_value
from slopguard.rules.javascript.request_data import server_input
from slopguard.rules.shared.regex_shape import nested_quantifier
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


_SUBJECT_FIRST = frozenset({"test", "exec"})  # regex.test(subject)
_PATTERN_FIRST = frozenset({"match", "matchAll", "replace", "replaceAll", "search", "split"})  # subject.match(regex)


def _regex_source(ctx: TSContext, node: Node | None) -> str | None:
    """The pattern text of a regex literal or ``new RegExp("...")``, directly or through a const."""
    value = resolve(ctx, node)
    if value is None:
        return None
    if value.type == "regex":
        pattern = value.child_by_field_name("pattern")
        return ctx.text(pattern) if pattern is not None else None
    if value.type == "new_expression" and ctx.call_name(value) in _CONSTRUCTORS:
        args = ctx.arguments(value)
        return string_value(ctx, args[0]) if args else None
    return None


@ts_rule(
    id="JS-REDOS-002",
    title="Catastrophic-backtracking regular expression applied to request data",
    cwe=1333,
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    languages=("javascript", "typescript"),
    query="""(call_expression
      function: (member_expression object: (_) @object property: (property_identifier) @name)) @call""",
    why="""Assistants validate input with patterns such as /([0-9]+)+#/ or /^(\\w+\\s?)+$/: a repeated group that
    repeats inside. On a near-miss input (a long run of digits without the #) the engine tries every way of
    splitting the run, which doubles with each character; one 30-character request keeps Node's single thread busy
    for seconds to minutes, and every other user waits.""",
    fix="""Remove the nested repetition (/([0-9]+)#/ or /^\\d+#$/), cap the input length before matching, or use a
    linear-time engine (re2).""",
)
def catastrophic_regex(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    call: Node = captures["call"][0]
    name = ctx.text(captures["name"][0])
    args = ctx.arguments(call)
    if not args:
        return
    if name in _SUBJECT_FIRST:
        regex, subject = captures["object"][0], args[0]
    elif name in _PATTERN_FIRST:
        regex, subject = args[0], captures["object"][0]
    else:
        return
    pattern = _regex_source(ctx, regex)
    if pattern is None or not nested_quantifier(pattern):
        return
    flow = server_input(ctx, subject)
    if flow is None:
        return
    yield ctx.hit(
        call,
        f"/{pattern}/ backtracks exponentially (a repeated group inside a repetition) and is applied to "
        f"{describe(flow)}: one crafted request blocks the event loop; remove the nested repetition",
    )
