"""JS-XSS-001 (DOM/React HTML sinks fed non-constant data) and JS-XSS-002 (request data sent back as HTML, by
Express-style senders or a fetch-API ``Response`` declared text/html)."""

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
from slopguard.rules.javascript.common import enclosing_function, is_response, resolve, resolved_call, unwrap
from slopguard.rules.javascript.request_data import looked_up
from slopguard.rules.shared.trees import walk

_PROPERTIES = frozenset({"innerHTML", "outerHTML"})
_WRITERS = frozenset({"write", "writeln"})
_MOVED_MARKUP = re.compile(r"^[\w$.()\[\]'\"]*?(?:\.innerHTML|\.outerHTML|\.html\(\))(?:\.\w+\(.*\))?$")
_JQUERY = re.compile(r"^(?:\$|jQuery)\(")
# Angular's DomSanitizer.bypassSecurityTrust* and AngularJS's $sce.trustAs*: markup (or a script URL) marked safe.
_TRUST_MARKERS = re.compile(
    r"^(?:bypassSecurityTrust(?:Html|Script|Style|Url|ResourceUrl)|trustAs(?:Html|Js|ResourceUrl|Url|Css)?)$"
)


def _dom_target(ctx: TSContext, captures: dict[str, list[Any]]) -> tuple[Node, Node, str] | None:
    """(node to report, value written, sink label) for one match of the DOM-sink query, or None."""
    sink: Node = captures["sink"][0]
    prop = ctx.text(captures["prop"][0])
    if sink.type in ("assignment_expression", "augmented_assignment_expression"):
        return (sink, captures["value"][0], prop) if prop in _PROPERTIES else None
    if sink.type == "pair":
        if prop != "__html":
            return None
        report = sink
        for _ in range(4):  # pair -> object -> jsx_expression -> jsx_attribute, or -> pair
            parent = report.parent
            if parent is None:
                break
            report = parent
            if parent.type in ("jsx_attribute", "pair"):
                break
        if report.type not in ("jsx_attribute", "pair"):
            report = sink
        return report, captures["value"][0], "dangerouslySetInnerHTML"
    args = ctx.arguments(sink)
    callee = sink.child_by_field_name("function")
    obj = callee.child_by_field_name("object") if callee is not None else None
    if prop in _WRITERS and ctx.text(obj) in ("document", "window.document") and args:
        return sink, args[0], f"document.{prop}"
    if prop == "insertAdjacentHTML" and len(args) >= 2:
        return sink, args[1], prop
    if prop == "html" and len(args) == 1 and obj is not None and _JQUERY.match(ctx.compact(obj)):
        return sink, args[0], "jQuery .html()"
    if _TRUST_MARKERS.match(prop) and args and (prop.startswith("bypass") or ctx.compact(obj).endswith("$sce")):
        return sink, args[-1], f"{prop}()"
    return None


@ts_rule(
    id="JS-XSS-001",
    title="HTML sink fed non-constant data",
    cwe=79,
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    languages=("javascript", "typescript"),
    query="""[
      (assignment_expression left: (member_expression property: (property_identifier) @prop) right: (_) @value)
      (augmented_assignment_expression
        left: (member_expression property: (property_identifier) @prop) right: (_) @value)
      (call_expression function: (member_expression property: (property_identifier) @prop))
      (pair key: (property_identifier) @prop value: (_) @value)
    ] @sink""",
    why="""Assistants render a server reply, a URL parameter or a user's comment with el.innerHTML = `...${x}`,
    document.write, insertAdjacentHTML, React's dangerouslySetInnerHTML or Angular's
    sanitizer.bypassSecurityTrustHtml (to silence "sanitizing HTML stripped some content") because it is the
    shortest way to show formatted text. Any markup in the data runs in the page: an attacker's
    <img onerror=...> steals the session, acts as the user, or rewrites the page.""",
    fix="""Assign textContent (or build nodes with createElement), let React escape {value} and Angular sanitize
    [innerHTML] itself, and where HTML is really needed pass it through DOMPurify.sanitize() first.""",
)
def dom_sink(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    found = _dom_target(ctx, captures)
    if found is None:
        return
    report, value, label = found
    if _MOVED_MARKUP.search(ctx.compact(unwrap(value))):
        return  # markup moved from one element to another
    flow = ctx.flow(value)
    if not flow.dynamic:
        return
    severity, confidence = grade(flow, Severity.HIGH)
    yield ctx.hit(
        report,
        f"{label} receives {describe(flow)}: any markup in it runs as script; use textContent or DOMPurify",
        severity=severity,
        confidence=confidence,
    )


# ----- JS-XSS-002 ---------------------------------------------------------------------------------------
_SENDERS = frozenset({"send", "write", "end"})
# An explicit content type that is not markup: res.type("json"), res.type("png"), set("Content-Type", "text/csv")
# (SVG and XML documents run scripts too).
_NOT_HTML = re.compile(
    r"""(?i)\.(?:type|contentType)\(\s*['"`](?![^'"`]*(?:html|svg|xml))[^'"`]+['"`]"""
    r"""|content-type['"]?\s*[,:]\s*['"`](?![^'"`]*(?:html|svg|xml))[^'"`]+['"`]"""
)
# Request values that cannot carry markup: the client's address, the protocol, the method, flags.
_NOT_MARKUP = re.compile(r"^(?:req|request)\.(?:ip|ips|protocol|method|secure|xhr|fresh|stale)$|\.length$")
# ``new Response(body, { headers: { "Content-Type": "text/html" } })``: the fetch API sends a string as text/plain
# unless the init names a markup type.
_HTML_TYPE = re.compile(r"""(?i)content-type['"`]?\s*[,:]\s*['"`][^'"`]*(?:html|svg|xml)""")
_RESPONSE_CLASSES = frozenset({"Response", "NextResponse"})
# Engines whose render functions escape the data they are given (ejs <%= %>, pug #{}, nunjucks {{ }}): their output
# is markup the template wrote. A template taken from the request is JS-SSTI-001, not this rule.
_ESCAPING_ENGINES = frozenset({"ejs", "pug", "jade", "nunjucks", "eta", "squirrelly", "mustache", "art-template"})
_RENDERERS = frozenset({"render", "renderFile", "renderString", "renderAsync", "renderFileAsync"})
_WHOLE_OBJECTS = re.compile(r"^(?:req|request|ctx|ctx\.request)\.(?:body|query|params|headers|cookies|files?)$")


def _html_response(ctx: TSContext, call: Node) -> bool:
    """False when the handler declares a non-HTML content type."""
    scope = enclosing_function(call)
    return not _NOT_HTML.search(ctx.text(scope) if scope is not None else ctx.text(call))


def _rendered(ctx: TSContext, value: Node) -> bool:
    """``ejs.render(...)`` / ``await ejs.renderFile(...)``, written in place or in the local sent."""
    value = resolve(ctx, value) or value
    found = resolved_call(ctx, value) if value.type == "call_expression" else None
    return found is not None and found[0] in _ESCAPING_ENGINES and found[1] in _RENDERERS


def _markup_response(ctx: TSContext, creation: Node) -> Node | None:
    """The body of ``new Response(body, init)`` / ``new NextResponse(...)`` whose init declares an HTML type."""
    if ctx.text(creation.child_by_field_name("constructor")) not in _RESPONSE_CLASSES:
        return None
    args = ctx.arguments(creation)
    if len(args) < 2:
        return None
    init = resolve(ctx, args[1]) or args[1]
    names = [n for n in walk(init) if n.type in ("identifier", "shorthand_property_identifier")]
    texts = [ctx.text(init)] + [ctx.text(resolve(ctx, n)) for n in names]
    return args[0] if _HTML_TYPE.search(" ".join(texts)) else None


@ts_rule(
    id="JS-XSS-002",
    title="Request data sent back as HTML",
    cwe=79,
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    languages=("javascript", "typescript"),
    query="""[
      (call_expression function: (member_expression object: (_) @obj property: (property_identifier) @prop))
      (assignment_expression left: (member_expression) @left right: (_) @value)
      (new_expression constructor: (identifier))
    ] @sink""",
    why="""Assistants echo what the client sent, res.send(`<p>No results for ${req.query.q}</p>`) or
    res.send('Hello ' + req.body.name), and Express sends strings as text/html. A link carrying <script> in
    the parameter runs in the site's origin for whoever opens it (reflected XSS): session theft, actions as the
    victim.""",
    fix="""Render through a template engine that escapes (res.render with EJS <%= %>, Pug, Handlebars {{ }}),
    escape with escape-html before concatenating, or reply with res.json() / res.type('text/plain').""",
)
def reflected_html(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    sink: Node = captures["sink"][0]
    if sink.type == "call_expression":
        if ctx.text(captures["prop"][0]) not in _SENDERS or not is_response(ctx, captures["obj"][0]):
            return
        args = ctx.arguments(sink)
        if not args:
            return
        value = unwrap(args[0])
        resolved = resolve(ctx, value)
        if value.type in ("object", "array") or _WHOLE_OBJECTS.match(ctx.compact(value)):
            return  # objects go out as JSON
        if (resolved is not None and resolved.type in ("object", "array")) or value.type == "number":
            return
        if _NOT_MARKUP.search(ctx.compact(value)) or looked_up(ctx, value) or _rendered(ctx, value):
            return  # res.send(req.ip), res.send(String(await Post.countDocuments(q))): no markup from the client
    elif sink.type == "new_expression":
        body = _markup_response(ctx, sink)
        if body is None:
            return
        value = body
    else:
        if ctx.compact(captures["left"][0]) not in ("ctx.body", "this.body", "context.body"):
            return
        value = captures["value"][0]
        if "<" not in ctx.text(value):
            return  # Koa sends a string body as HTML only when it starts with '<'
    flow = ctx.flow(value)
    if not flow.tainted or (sink.type != "new_expression" and not _html_response(ctx, sink)):
        return
    yield ctx.hit(sink, f"response body is built from {describe(flow)} and sent as HTML; escape it or send JSON")
