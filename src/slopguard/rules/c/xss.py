"""C-XSS-001: request data written into an HTML response unescaped: cpp-httplib's ``res.set_content(html,
"text/html")``, Pistache's ``send(code, body, MIME(Text, Html))``, mongoose's ``mg_http_reply`` and
``mg_printf``/``mg_printf_data`` of mongoose and CivetWeb, and a CGI program's ``printf`` of an HTML page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.c.cgi import cgi_program
from slopguard.rules.c.common import callee, definitions, parameter_names, string_value, unwrap
from slopguard.rules.c.dataflow import FunctionFacts, arg_flow, function_facts, string_arguments
from slopguard.rules.c.formats import PRINTF_FORMAT
from slopguard.rules.c.guards import read_names, validated
from slopguard.rules.c.origins import remote
from slopguard.rules.shared.trees import walk

_HTML_TYPE = re.compile(r"(?i)text/html|\bHtml\b")
_HTML_MARKUP = re.compile(r"<(?:!doctype|/?[a-zA-Z][a-zA-Z0-9]*[\s>/])")
# What makes text safe inside HTML: a project's own html_escape/escape_html, mg_html_escape, encode_entities.
_ESCAPES = re.compile(r"(?i)escape|encode|sanitiz|sanitis|entities|quote|to_string|stoi|stol|atoi|strtol")
_STDOUT_PRINTS = frozenset({"printf", "puts", "fputs", "fprintf", "fwrite", "dprintf"})
_MG_PRINTS = {"mg_printf": 1, "mg_printf_data": 1, "mg_http_printf_chunk": 1, "mg_http_reply": 3}
_DEPTH = 6


def _sink_content(ctx: TSContext, call: Node) -> list[Node]:
    """The HTML a call sends, or [] when it sends no HTML: the body of ``set_content(body, "text/html")``, the
    printed values of ``mg_http_reply(c, 200, "Content-Type: text/html\\r\\n", fmt, ...)`` and of a CGI
    program's ``printf("<p>%s</p>", ...)``."""
    args = ctx.arguments(call)
    fn = call.child_by_field_name("function")
    method = fn.child_by_field_name("field") if fn is not None and fn.type == "field_expression" else None
    if method is not None:
        name = ctx.text(method)
        html = any(_HTML_TYPE.search(ctx.text(a)) for a in args[1:])
        if name == "set_content" and len(args) >= 2 and html:
            return args[:1]
        return args[1:2] if name == "send" and len(args) >= 3 and html else []
    name = callee(ctx, call)
    if name in _MG_PRINTS:
        index = _MG_PRINTS[name]
        header = string_value(ctx, args[2]) if name == "mg_http_reply" and len(args) > 3 else None
        if index < len(args) and (header is None or _HTML_TYPE.search(header)) and _html_page(ctx, call, args[index]):
            return string_arguments(ctx, args[index:])
        return []
    if name not in _STDOUT_PRINTS or not cgi_program(ctx, call):
        return []
    if name in ("fprintf", "fputs", "fwrite") and not any(ctx.text(a) == "stdout" for a in args):
        return []
    if name in PRINTF_FORMAT:
        index = PRINTF_FORMAT[name]
        return string_arguments(ctx, args[index:]) if index < len(args) and _html_page(ctx, call, args[index]) else []
    return args[:1] if name in ("puts", "fputs") and _html_page(ctx, call, None) else []


def _html_page(ctx: TSContext, call: Node, fmt: Node | None) -> bool:
    """The format holds HTML markup, or the function sent a ``Content-Type: text/html`` header before."""
    text = string_value(ctx, fmt) if fmt is not None else None
    if text is not None and (_HTML_MARKUP.search(text) or _HTML_TYPE.search(text)):
        return True
    func = ctx.function_of(call)
    before = ctx.text(func)[: call.start_byte - func.start_byte] if func is not None else ""
    return bool(re.search(r"(?i)Content-Type:\s*text/html", before))


def _unescaped(ctx: TSContext, node: Node, facts: FunctionFacts, depth: int = 0) -> Iterator[Node]:
    """The pieces of ``node`` that put remote input into the page unescaped: through ``+``, ``x.str()``, a
    string grown with ``<<``/``+=``, and a local set once."""
    node = unwrap(node)
    if depth > _DEPTH or not remote(arg_flow(ctx, node, facts)):
        return
    if node.type == "call_expression":
        name = callee(ctx, node) or ctx.call_name(node)
        if _ESCAPES.search(name.rsplit(".", 1)[-1]):
            return
        fn = node.child_by_field_name("function")
        receiver = fn.child_by_field_name("argument") if fn is not None and fn.type == "field_expression" else None
        if receiver is not None and not ctx.arguments(node) and not ctx.spec.sources.search(ctx.compact(node)):
            yield from _unescaped(ctx, receiver, facts, depth + 1)  # body.str(), html.c_str()
            return
        yield node
    elif node.type == "binary_expression":
        for part in node.named_children:
            yield from _unescaped(ctx, part, facts, depth + 1)
    elif node.type == "identifier" and (pieces := _pieces(ctx, node, facts)):
        for piece in pieces:
            yield from _unescaped(ctx, piece, facts, depth + 1)
    elif node.type == "identifier" and _escaped_into(ctx, node, facts):
        return
    else:
        yield node


def _pieces(ctx: TSContext, name: Node, facts: FunctionFacts) -> list[Node]:
    """What a local string was built from before ``name`` is read: its values and appended pieces."""
    text, scope = ctx.text(name), ctx.function_of(name)
    built = [*facts.values.get(text, []), *facts.appends.get(text, [])]
    return [p for p in built if p.start_byte < name.start_byte and _same(ctx.function_of(p), scope)]


def _escaped_into(ctx: TSContext, name: Node, facts: FunctionFacts) -> bool:
    """A local buffer whose first writer is an escaping call (``html_escape(owner, safe_owner, sizeof
    safe_owner)``): it holds the escaped text, not the input."""
    text = ctx.text(name)
    first = facts.filled.get(text)
    if first is None or text in facts.params or text in facts.values or first > name.start_byte:
        return False
    writer = next((c for c in facts.calls if c.end_byte == first), None)
    return writer is not None and bool(_ESCAPES.search(callee(ctx, writer) or ctx.call_name(writer)))


def _same(a: Node | None, b: Node | None) -> bool:
    """The same function or lambda (lambdas share their enclosing function's facts)."""
    return a is not None and b is not None and a.id == b.id


def _helper_lines(ctx: TSContext, call: Node, facts: FunctionFacts) -> Iterator[Node]:
    """A page built by a function of this file from the request data it is passed
    (``res.set_content(search_html(db, q), "text/html")``): the pieces of that function that put a tainted
    parameter into the page."""
    name = callee(ctx, call)
    definition = _definitions(ctx).get(name) if name else None
    if definition is None:
        return
    args = ctx.arguments(call)
    params = parameter_names(ctx, definition)
    tainted = {p for p, a in zip(params, args, strict=False) if remote(arg_flow(ctx, a, facts))}
    helper = function_facts(ctx, definition)
    body = definition.child_by_field_name("body")
    if not tainted or helper is None or body is None:
        return
    for node in walk(body):
        if node.type == "return_statement" and node.named_children:
            yield from _unescaped_params(ctx, node.named_children[0], helper, tainted)


def _unescaped_params(ctx: TSContext, node: Node, facts: FunctionFacts, params: set[str]) -> Iterator[Node]:
    node = unwrap(node)
    if node.type == "call_expression":
        fn = node.child_by_field_name("function")
        receiver = fn.child_by_field_name("argument") if fn is not None and fn.type == "field_expression" else None
        if receiver is not None and not ctx.arguments(node):
            yield from _unescaped_params(ctx, receiver, facts, params)
        return
    if node.type != "identifier":
        return
    for piece in [*facts.values.get(ctx.text(node), []), *facts.appends.get(ctx.text(node), [])]:
        if _reads_unescaped(ctx, piece, params):
            yield piece


def _reads_unescaped(ctx: TSContext, node: Node, names: set[str]) -> bool:
    """``node`` reads one of ``names`` outside an escaping call."""
    if node.type == "call_expression" and _ESCAPES.search((callee(ctx, node) or ctx.call_name(node)).rsplit(".")[-1]):
        return False
    if node.type == "identifier":
        return ctx.text(node) in names
    return any(_reads_unescaped(ctx, child, names) for child in node.named_children)


def _page_builder(ctx: TSContext, name: str) -> bool:
    """A function of this file that writes HTML markup (``search_html``), not one that returns request data
    (``form_value(body, "user")``)."""
    definition = _definitions(ctx).get(name) if name else None
    return definition is not None and any(
        n.type == "string_literal" and _HTML_MARKUP.search(ctx.text(n)) for n in walk(definition)
    )


def _definitions(ctx: TSContext) -> dict[str, Node]:
    return ctx.memo("c.definitions", lambda: {d.name: d.node for d in definitions(ctx)})


@ts_rule(
    id="C-XSS-001",
    title="Request data written into an HTML response unescaped (XSS)",
    cwe=79,
    severity=Severity.HIGH,
    confidence=Confidence.MEDIUM,
    languages=("c", "cpp"),
    query="(call_expression) @call",
    why="""Assistant-written C and C++ web handlers build the page by hand: a cpp-httplib search page streams
    "<h2>Results for " << q << "</h2>" and sends it with res.set_content(html, "text/html"), a CGI program
    prints printf("<p>Login failed for %s</p>", user) after its Content-Type header, a mongoose handler calls
    mg_http_reply(c, 200, "Content-Type: text/html\\r\\n", "<p>%s</p>", name). A link with
    q=<script>...</script> then runs the attacker's script in the victim's session on that site.""",
    fix="""Escape every request value for HTML before it goes into the page (&, <, >, " and ' as entities: a small
    html_escape() helper, mg_html_escape or the template engine's escaping), or send it as text/plain or JSON.""",
)
def c_reflected_xss(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    call: Node = captures["call"][0]
    content = _sink_content(ctx, call)
    facts = function_facts(ctx, call) if content else None
    if facts is None:
        return
    reported = False
    for value in content:
        for piece in _unescaped(ctx, value, facts):
            inner = unwrap(piece)
            if validated(ctx, call, read_names(ctx, inner)):
                continue  # if (!valid_name(user)) return; ... printf("<h1>%s</h1>", user)
            if inner.type == "call_expression" and _page_builder(ctx, callee(ctx, inner)):
                for line in _helper_lines(ctx, inner, facts):  # built by a helper: reported where the data goes in
                    yield ctx.hit(line, f"'{ctx.text(line)[:40]}' puts request data into an HTML page unescaped; "
                                  "escape it for HTML first")  # fmt: skip
            elif not reported:
                reported = True
                yield ctx.hit(call, f"request data ({arg_flow(ctx, piece, facts).origin}) is written into an HTML "
                              "response unescaped; escape it for HTML (&, <, >, \", ')")  # fmt: skip
