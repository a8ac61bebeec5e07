"""Request data written straight into an HTML response: ``fmt.Fprintf(w, "<h1>%s</h1>", q)``,
``w.Write([]byte("<p>" + q))``, echo's ``c.HTML(200, s)`` (part of GO-XSS-001)."""

from __future__ import annotations

import re

from tree_sitter import Node

from slopguard.engine.flow import Flow, join
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.go.common import constant, function_of, package_call
from slopguard.rules.go.strings import assemble
from slopguard.rules.go.web import request_flow

_WRITERS = re.compile(r"^(?:c|ctx)\.(?:Writer|Response\(\)(?:\.Writer)?|Response\(\)\.Writer|Response)$")
_PRINTERS = frozenset({"Fprintf", "Fprint", "Fprintln"})
_VERB = re.compile(r"%[-+# 0]*(?:\[\d+\])?(?:\*|\d+)?(?:\.(?:\*|\d+)?)?([a-zA-Z%])")
_NUMERIC_VERBS = frozenset("dbcoOxXUeEfFgGtp")
_CONTENT_TYPE = re.compile(r"""(?i)["'`]content-type["'`]\s*,\s*["'`]([^"'`]*)""")
# Text a browser sniffs as HTML (net/http's DetectContentType does the same when no type is set).
_MARKUP = re.compile(r"(?i)<!doctype\s+html|<(?:[a-z][a-z0-9]*)(?:\s[^<>]*)?/?>|</[a-z][a-z0-9]*\s*>")
_ECHO_CONTEXT = re.compile(r"\becho\.Context\b")
_GIN_CONTEXT = re.compile(r"\*\s*gin\.Context\b")


def response_writer(ctx: TSContext, node: Node) -> bool:
    """``w`` (an ``http.ResponseWriter`` parameter), ``c.Writer`` (gin) or ``c.Response()`` (echo)."""
    text = ctx.compact(node)
    if _WRITERS.match(text):
        return True
    if node.type != "identifier":
        return False
    fn = function_of(node)
    while fn is not None:
        params = fn.child_by_field_name("parameters")
        for param in params.named_children if params is not None else []:
            names = [ctx.text(n) for n in param.children_by_field_name("name")]
            if text in names:
                return ctx.compact(param.child_by_field_name("type")) == "http.ResponseWriter"
        fn = function_of(fn)
    return False


def _echo_context(ctx: TSContext, node: Node, kind: re.Pattern[str] = _ECHO_CONTEXT) -> bool:
    """``c`` declared ``c echo.Context`` (or another ``kind``) by the enclosing handler."""
    if node.type != "identifier":
        return False
    fn = function_of(node)
    params = fn.child_by_field_name("parameters") if fn is not None else None
    for param in params.named_children if params is not None else []:
        if ctx.text(node) in [ctx.text(n) for n in param.children_by_field_name("name")]:
            return bool(kind.search(ctx.text(param)))
    return False


def _written(ctx: TSContext, call: Node, method: str, recv: Node) -> tuple[list[Node], str, bool] | None:
    """(values written, literal text around them, whether the sink is HTML whatever the text) of a call that
    writes to an HTTP response, else None."""
    args = ctx.arguments(call)
    target = package_call(ctx, call)
    if target is not None and target[0] == "fmt" and method in _PRINTERS:
        if len(args) < 2 or not response_writer(ctx, args[0]):
            return None
        if method != "Fprintf":
            return args[1:], "", False
        template = constant(ctx, args[1])
        if template is None:
            return args[1:], "", False
        verbs = [v for v in _VERB.findall(template) if v != "%"]
        values = [a for v, a in zip(verbs, args[2:], strict=False) if v not in _NUMERIC_VERBS]
        return values, template, False
    if target == ("io", "WriteString"):
        return (args[1:], "", False) if len(args) == 2 and response_writer(ctx, args[0]) else None
    if method in ("Write", "WriteString") and len(args) == 1 and response_writer(ctx, recv):
        return args, "", False
    if method == "HTML" and len(args) == 2 and _echo_context(ctx, recv):
        return args[1:], "", True  # echo: c.HTML(code, html string)
    if method == "Data" and len(args) == 3 and _echo_context(ctx, recv, _GIN_CONTEXT):
        kind = constant(ctx, args[1])  # gin: c.Data(code, "text/html; charset=utf-8", []byte(page))
        return (args[2:], "", True) if kind is not None and "html" in kind.lower() else None
    if method == "String" and len(args) >= 2 and _echo_context(ctx, recv, _GIN_CONTEXT):
        scope = function_of(call)  # gin's c.String is text/plain unless the handler set another type first
        declared = _CONTENT_TYPE.findall(ctx.text(scope)) if scope is not None else []
        return (args[1:], "", True) if declared and all("html" in d.lower() for d in declared) else None
    return None


def _converted(node: Node) -> Node:
    """The string inside ``[]byte(s)``."""
    while node.type == "type_conversion_expression" and node.child_by_field_name("operand") is not None:
        node = node.child_by_field_name("operand") or node
    return node


def reflected_markup(ctx: TSContext, call: Node, method: str, recv: Node) -> Flow | None:
    """The request data a call writes into a response that is HTML: the literal text around it is markup or
    the handler declared text/html (and no other type)."""
    found = _written(ctx, call, method, recv)
    if found is None:
        return None
    values, text, html = found
    values = [_converted(v) for v in values]
    pieces = [assemble(ctx, v) for v in values]
    flows = [f if f.tainted else request_flow(ctx, v) for (f, _), v in zip(pieces, values, strict=True)]
    flow = join(flows)
    if not flow.tainted:
        return None
    scope = function_of(call)
    declared = _CONTENT_TYPE.findall(ctx.text(scope)) if scope is not None else []
    if declared:
        return flow if html or all("html" in d.lower() for d in declared) else None
    literal = " ".join([text, *(t for _, t in pieces)])
    return flow if html or _MARKUP.search(literal) else None
