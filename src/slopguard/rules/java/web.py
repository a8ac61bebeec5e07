"""Servlet and Spring web flaws: reflected XSS (JAVA-XSS-001) and disabled CSRF protection (JAVA-CSRF-001)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.java.common import calls, declared_type, literal, method, method_of, receiver, value_of
from slopguard.rules.shared.trees import ancestor

_WRITES = frozenset({"print", "println", "write", "append", "printf", "format"})
_WRITER_TYPES = frozenset({"PrintWriter", "ServletOutputStream", "Writer", "JspWriter", "OutputStream"})
_RESPONSE_STREAM = re.compile(r"\.(?:getWriter|getOutputStream)\(\)$")
_NOT_HTML = re.compile(
    r"(?i)setContentType\(\s*\"(?:application/(?:json|xml|octet-stream|pdf)|text/(?:plain|csv|xml))"
    r"|MediaType\.(?:APPLICATION_JSON|TEXT_PLAIN|APPLICATION_XML|APPLICATION_OCTET_STREAM)"
    r"|produces\s*=\s*\"(?:application/json|text/plain)"
)
_HTML = re.compile(r"<\s*[a-zA-Z!/]")
_BODY_ANNOTATIONS = re.compile(r"@(?:RestController|ResponseBody)\b")


def _response_writer(obj: Node, ctx: TSContext) -> bool:
    if _RESPONSE_STREAM.search(ctx.compact(obj)):
        return True
    if obj.type != "identifier" or declared_type(obj, ctx) not in _WRITER_TYPES | {"var"}:
        return False
    return bool(_RESPONSE_STREAM.search(ctx.compact(value_of(obj, ctx))))


def _not_html(node: Node, ctx: TSContext) -> bool:
    func = method_of(node)
    return func is not None and bool(_NOT_HTML.search(ctx.text(func)))


def _html_text(node: Node, ctx: TSContext) -> bool:
    """The returned expression (or the local it names) has an HTML tag in a string piece."""
    value = value_of(node, ctx)
    for piece in (node, value):
        stack = [piece]
        while stack:
            current = stack.pop()
            text = literal(current, ctx)
            if text is not None and _HTML.search(text):
                return True
            stack.extend(current.named_children)
    return False


def _spring_body(ret: Node, ctx: TSContext) -> bool:
    """A return statement of a @RestController / @ResponseBody handler declared to return String."""
    func = method_of(ret)
    if func is None or ancestor(ret, ("lambda_expression",)) is not None:
        return False
    if ctx.compact(func.child_by_field_name("type")) not in ("String", "ResponseEntity<String>"):
        return False
    modifiers = next((c for c in func.named_children if c.type == "modifiers"), None)
    if modifiers is None or not re.search(r"@(?:Get|Post|Put|Delete|Patch|Request)Mapping", ctx.text(modifiers)):
        return False
    if _BODY_ANNOTATIONS.search(ctx.text(modifiers)):
        return True
    cls = ancestor(func, ("class_declaration",))
    mods = next((c for c in cls.named_children if c.type == "modifiers"), None) if cls is not None else None
    return mods is not None and bool(_BODY_ANNOTATIONS.search(ctx.text(mods)))


@ts_rule(
    id="JAVA-XSS-001",
    title="Request data written into an HTML response",
    cwe=79,
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    languages=("java",),
    query=calls("^(" + "|".join(sorted(_WRITES)) + ")$") + " (return_statement (_) @value) @ret",
    why="""Assistants echo parameters straight into the page: response.getWriter().println("<h1>Results for " +
    request.getParameter("q") + "</h1>") in a servlet, or return "<p>Hello " + name + "</p>" from a
    @RestController. A link carrying <script> runs in the victim's browser on the site's origin: session theft,
    actions performed as the user, fake login forms.""",
    fix="""Render through a template engine that escapes by default (Thymeleaf th:text, JSP <c:out>), or encode
    every value for its context: Encode.forHtml(value) (OWASP Java Encoder), HtmlUtils.htmlEscape,
    StringEscapeUtils.escapeHtml4; return JSON with the right content type for APIs.""",
)
def java_xss(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    if "ret" in captures:
        ret: Node = captures["ret"][0]
        value: Node = captures["value"][0]
        if b"@RestController" not in ctx.source and b"@ResponseBody" not in ctx.source:
            return
        if not _spring_body(ret, ctx) or not _html_text(value, ctx) or _not_html(ret, ctx):
            return
        flow = ctx.tainted(value)
        if flow is None:
            return
        yield ctx.hit(ret, f"HTML built from request data ({flow.origin}) returned as the response body; escape it")
        return
    call: Node = captures["call"][0]
    obj = receiver(call)
    if method(call, ctx) not in _WRITES or obj is None or not _response_writer(obj, ctx):
        return
    for arg in ctx.arguments(call):
        flow = ctx.tainted(arg)
        if flow is not None and not _not_html(call, ctx):
            yield ctx.hit(call, f"request data ({flow.origin}) written to the HTML response unescaped")
            return


def _csrf_disabled(call: Node, ctx: TSContext) -> bool:
    """``csrf().disable()`` / ``csrf(c -> c.disable())`` / ``csrf(AbstractHttpConfigurer::disable)``."""
    parent = call.parent
    if not ctx.arguments(call):
        return (
            parent is not None
            and parent.type == "method_invocation"
            and receiver(parent) == call
            and method(parent, ctx) == "disable"
        )
    arg = ctx.arguments(call)[0]
    if arg.type == "method_reference":
        return ctx.compact(arg).endswith("::disable")
    if arg.type == "lambda_expression":
        body = ctx.compact(arg.child_by_field_name("body"))
        return re.fullmatch(r"\{?\w+\.disable\(\);?\}?", body) is not None
    return False


@ts_rule(
    id="JAVA-CSRF-001",
    title="Spring Security CSRF protection disabled",
    cwe=352,
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    languages=("java",),
    query=calls("^csrf$"),
    why="""Assistants paste http.csrf().disable() (or csrf(AbstractHttpConfigurer::disable)) into every
    SecurityFilterChain because it makes POST requests from Postman and the first form work. For a browser app
    that keeps its session in a cookie, any site the user visits can then submit forms to it as the user:
    change the e-mail or password, transfer money, delete data.""",
    fix="""Leave CSRF protection on (CookieCsrfTokenRepository.withHttpOnlyFalse() for SPAs) and send the token
    with each state-changing request; disable it only for stateless token-authenticated APIs that use no cookies,
    or ignore just those paths with csrf.ignoringRequestMatchers(...).""",
)
def java_csrf(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    call: Node = captures["call"][0]
    if method(call, ctx) != "csrf" or receiver(call) is None or not _csrf_disabled(call, ctx):
        return
    stateless = b"SessionCreationPolicy.STATELESS" in ctx.source
    yield ctx.hit(
        call.child_by_field_name("name") or call,
        "CSRF protection disabled"
        + (" (sessions are stateless: fine only if no cookie authenticates requests)" if stateless else ""),
        severity=Severity.LOW if stateless else None,
        confidence=Confidence.MEDIUM if stateless else None,
    )
