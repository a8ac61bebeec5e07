"""Go XSS: text/template rendering HTML, html/template's trusted-content types built from data, and request data
printed into an HTML response (GO-XSS-001)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.flow import describe, grade
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.go.common import bound_values, constant, function_of, imports, is_test
from slopguard.rules.go.responses import reflected_markup, response_writer
from slopguard.rules.go.strings import assemble
from slopguard.rules.shared.trees import walk

_TRUSTED = frozenset({"HTML", "JS", "URL", "CSS", "HTMLAttr", "JSStr", "Srcset"})
_PARSERS = frozenset({"Parse", "ParseFiles", "ParseGlob", "ParseFS"})
_EXECUTE = frozenset({"Execute", "ExecuteTemplate"})
_TAGS = (
    r"html|head|body|div|span|p|a|h[1-6]|ul|ol|li|table|tr|td|th|form|input|button|script|style|img|br|hr|title|"
    r"section|article|nav|footer|header|main|label|select|option|textarea|iframe|b|i|em|strong|pre|code"
)
_ATTRS = r"""(?:\s+[\w-]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'<>]+))?)*\s*/?"""
_HTML_TEXT = re.compile(rf"(?i)<!doctype\s+html|<(?:{_TAGS}){_ATTRS}>|</(?:{_TAGS})>")
_HTML_FILE = re.compile(r"(?i)\.(?:html?|gohtml|xhtml)(?:\.tmpl)?$|\bhtml?\b.*\*")


def _packages(ctx: TSContext, path: str) -> set[str]:
    return {local for local, imported in imports(ctx).items() if imported == path}


def _root(node: Node) -> Node:
    """``template`` for ``template.Must(template.New("x").Parse(..))``: the head of a call/selector chain."""
    for _ in range(20):
        if node.type == "call_expression":
            node = node.child_by_field_name("function") or node
        elif node.type == "selector_expression":
            node = node.child_by_field_name("operand") or node
        else:
            break
    return node


def _from_text_template(ctx: TSContext, node: Node, depth: int = 0) -> bool | None:
    """Whether the template value ``node`` comes from text/template (True), html/template (False), or unknown."""
    root = _root(node)
    if root.type != "identifier":
        return None
    path = imports(ctx).get(ctx.text(root))
    if path in ("text/template", "html/template"):
        return path == "text/template"
    scope = function_of(node)
    for where in (scope, ctx.tree.root_node) if scope is not None else (ctx.tree.root_node,):
        values = bound_values(ctx, ctx.text(root), where)
        if values and depth < 3:
            return _from_text_template(ctx, values[0][0], depth + 1)
    return None


def _renders_html(ctx: TSContext, call: Node, method: str) -> bool:
    args = ctx.arguments(call)
    if method == "Parse":
        text = constant(ctx, args[0]) if args else None
        return text is not None and bool(_HTML_TEXT.search(text))
    names = [constant(ctx, a) or "" for a in args]
    return any(_HTML_FILE.search(n) for n in names)


def _flags_parse(ctx: TSContext, call: Node) -> bool:
    """Whether ``call`` is ``.Parse(..)`` and friends on a text/template with HTML in it (reported there)."""
    function = call.child_by_field_name("function")
    if function is None or function.type != "selector_expression":
        return False
    method = ctx.text(function.child_by_field_name("field"))
    return method in _PARSERS and bool(_from_text_template(ctx, call)) and _renders_html(ctx, call, method)


def _reported_at_parse(ctx: TSContext, recv: Node) -> bool:
    """Whether the template executed as ``recv`` was built in this file by a parse that is already reported:
    the HTML template and its rendering are one flaw, flagged once where the template is defined."""
    root = _root(recv)
    if root.type != "identifier":
        return False
    scope = function_of(recv)
    for where in (scope, ctx.tree.root_node) if scope is not None else (ctx.tree.root_node,):
        for value, _ in bound_values(ctx, ctx.text(root), where):
            if any(node.type == "call_expression" and _flags_parse(ctx, node) for node in walk(value)):
                return True
    return False


@ts_rule(
    id="GO-XSS-001",
    title="HTML rendered without html/template's escaping",
    cwe=79,
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    languages=("go",),
    query="""((call_expression function: (selector_expression operand: (_) @recv field: (field_identifier) @method))
      @call (#any-of? @method "HTML" "JS" "URL" "CSS" "HTMLAttr" "JSStr" "Srcset" "Parse" "ParseFiles" "ParseGlob"
      "ParseFS" "Execute" "ExecuteTemplate" "Fprintf" "Fprint" "Fprintln" "WriteString" "Write" "Data" "String"))""",
    why="""Assistants import "text/template" (the first template package they think of) to render pages, wrap
    values in template.HTML(...) so markup "renders properly", or skip templates and print the page with
    fmt.Fprintf(w, "<h1>%s</h1>", q). text/template and Fprintf do no HTML escaping and template.HTML switches
    html/template's escaping off, so a name, comment or query parameter containing <script> runs in every
    visitor's browser (session theft, actions as the user).""",
    fix="""Render HTML with "html/template" (same API, contextual escaping) and pass plain strings; only wrap
    constant markup, or the output of a sanitiser such as bluemonday, in template.HTML. Never print request
    data into markup with fmt.Fprintf(w, ...) or w.Write: escape it with html.EscapeString or use a template.""",
)
def go_xss(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    call: Node = captures["call"][0]
    method = ctx.text(captures["method"][0])
    recv: Node = captures["recv"][0]
    args = ctx.arguments(call)
    reflected = reflected_markup(ctx, call, method, recv)
    if reflected is not None:
        yield ctx.hit(call, f"{describe(reflected)} is written into an HTML response without escaping")
        return
    if method in _TRUSTED:
        if recv.type != "identifier" or ctx.text(recv) not in _packages(ctx, "html/template") or len(args) != 1:
            return
        flow, _ = assemble(ctx, args[0])
        if flow.tainted or (flow.dynamic and not is_test(ctx)):
            severity, confidence = grade(flow, Severity.HIGH)
            yield ctx.hit(
                call,
                f"template.{method}() marks {describe(flow)} as safe, switching off html/template's escaping",
                severity=severity,
                confidence=confidence,
            )
        return
    if not _packages(ctx, "text/template") or _from_text_template(ctx, recv) is False:
        return
    if method in _PARSERS:
        if _from_text_template(ctx, call) and _renders_html(ctx, call, method):
            yield ctx.hit(call, "an HTML template parsed with text/template, which does not escape; use html/template")
    elif (
        method in _EXECUTE
        and args
        and response_writer(ctx, args[0])
        and (_from_text_template(ctx, recv) or not _packages(ctx, "html/template"))
        and not _reported_at_parse(ctx, recv)
    ):
        yield ctx.hit(call, "text/template output written to an HTTP response without HTML escaping")
