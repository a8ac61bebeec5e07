"""What the redirect and SSRF rules share: whether a URL's origin is fixed by the code, and whether the method
checks a user-supplied URL against an allow-list before using it."""

from __future__ import annotations

import re

from tree_sitter import Node

from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.java.common import class_of, constant, method_of, value_of
from slopguard.rules.shared.trees import walk

# A literal start that pins the origin: "https://host/..." or a same-site path "/orders/" (not "//" or "/").
_FIXED_START = re.compile(r"^(?:[a-zA-Z][\w+.-]*://[^/?#\s]+[/?#]|/[^/\\])")
# Builders and wrappers whose first argument is the URL itself.
_URL_WRAPPERS = frozenset(
    {"create", "newBuilder", "uri", "url", "fromUriString", "fromHttpUrl", "fromPath", "parse", "toURL"}
)
# Conversions that keep the URL as it is: a check on ``target`` covers ``target.toString()``.
_CONVERSIONS = frozenset({"toString", "toASCIIString", "toURL", "toURI", "toUri", "toExternalForm"})
# A relative reference without ':', '/' or '\\' cannot name another scheme or host when resolved.
_ORIGIN_CHARS = frozenset(":/\\")
_CLASS = re.compile(r"^\[\^((?:\\.|[^\]\\])+)\][+*]?$")
_CHECK = re.compile(
    r"(?i)allow|whitelist|trusted|permitted|isSafe|isValid\w*(?:Url|Uri|Redirect|Host|Target)|isLocal|isRelative"
    r"|getHost\(\)|\.startsWith\(\"/(?:\"|[^/\\\"])|\.startsWith\(\"https?://[^/\"]+/"
)


def _leftmost(node: Node) -> Node:
    while node.type == "binary_expression" and (left := node.child_by_field_name("left")) is not None:
        node = left
    while node.type == "parenthesized_expression" and node.named_children:
        node = node.named_children[0]
    return node


def fixed_origin(node: Node, ctx: TSContext, depth: int = 0) -> bool:
    """The URL starts with a literal that fixes its scheme and host (or a same-site path): ``BASE + "/" + id``,
    ``URI.create("https://api.example.com/v1/" + path)``, ``"/orders/" + id``."""
    if depth > 8:
        return False
    node = value_of(node, ctx)
    if node.type in ("method_invocation", "object_creation_expression"):
        name_node = node.child_by_field_name("name") if node.type == "method_invocation" else None
        name = ctx.text(name_node) if name_node is not None else ""
        args = ctx.arguments(node)
        if node.type == "object_creation_expression" or name in _URL_WRAPPERS:
            return bool(args) and fixed_origin(args[0], ctx, depth + 1)
        if name == "format" and args:
            start = constant(args[0], ctx)
            return start is not None and bool(_FIXED_START.match(start))
        if name == "host" and args and constant(args[0], ctx) is not None:
            return True  # UriComponentsBuilder.newInstance().scheme("https").host("example.com").path(p)
        obj = node.child_by_field_name("object")
        if name == "resolve":  # resolve() can replace the origin, unless the reference cannot name one
            return obj is not None and len(args) == 1 and stripped_to_segment(args[0], ctx) and fixed_origin(obj, ctx)
        # builder steps after the origin (pathSegment, queryParam, build, encode, toUri)
        return obj is not None and fixed_origin(obj, ctx, depth + 1)
    start = constant(_leftmost(node), ctx)
    return start is not None and bool(_FIXED_START.match(start))


def _class_allows(body: str) -> set[str]:
    """The characters a regex character class body names (``A-Za-z0-9-``, ``\\w``), coarsely."""
    allowed: set[str] = set()
    i = 0
    while i < len(body):
        char = body[i]
        if char == "\\" and i + 1 < len(body):
            escape = body[i + 1]
            allowed |= set() if escape in "wds" else ({"?"} if escape in "WDSpP" else {escape})  # ? = too broad
            i += 2
        elif i + 2 < len(body) and body[i + 1] == "-":
            allowed |= {chr(c) for c in range(ord(char), ord(body[i + 2]) + 1)}
            i += 3
        else:
            allowed.add(char)
            i += 1
    return allowed


def stripped_to_segment(node: Node, ctx: TSContext) -> bool:
    """``id.replaceAll("[^A-Za-z0-9-]", "")``: every character that could start a scheme or a host is removed
    (a negated class that allows none of ``:/\\``, replaced by text without them)."""
    if node.type != "method_invocation" or ctx.text(node.child_by_field_name("name")) != "replaceAll":
        return False
    args = ctx.arguments(node)
    pattern = constant(args[0], ctx) if len(args) == 2 else None
    replacement = constant(args[1], ctx) if len(args) == 2 else None
    found = _CLASS.match(pattern) if pattern is not None else None
    if found is None or replacement is None or set(replacement) & _ORIGIN_CHARS:
        return False
    return not _class_allows(found.group(1)) & (_ORIGIN_CHARS | {"?"})


def _helper_bodies(condition: Node, ctx: TSContext) -> str:
    """The bodies of this class's methods the condition calls (``isSafeRedirect(url)``, ``this.isInternal(u)``):
    a check moved into a helper is still a check."""
    called = {
        ctx.text(n.child_by_field_name("name"))
        for n in walk(condition)
        if n.type == "method_invocation" and ctx.text(n.child_by_field_name("object")) in ("", "this")
    }
    cls = class_of(condition)
    if not called or cls is None:
        return ""
    return " ".join(
        ctx.compact(n.child_by_field_name("body"))
        for n in cls.named_children
        if n.type == "method_declaration" and ctx.text(n.child_by_field_name("name")) in called
    )


def checked(value: Node, at: Node, ctx: TSContext) -> bool:
    """The method tests the value (the variable it is read from) against an allow-list, its host, or a
    same-site prefix before ``at``: ``if (!ALLOWED_HOSTS.contains(uri.getHost()))``."""
    func = method_of(at)
    while value.type == "method_invocation" and ctx.text(value.child_by_field_name("name")) in _CONVERSIONS:
        inner = value.child_by_field_name("object")  # sendRedirect(target.toString())
        if inner is None:
            break
        value = inner
    if func is None or value.type != "identifier":
        return False
    name = ctx.text(value)
    for node in walk(func):
        if node.start_byte >= at.start_byte:
            break
        if node.type not in ("if_statement", "while_statement", "ternary_expression"):
            continue
        condition = node.child_by_field_name("condition")
        text = ctx.compact(condition) if condition is not None else ""
        if not re.search(rf"\b{re.escape(name)}\b", text):
            continue
        if _CHECK.search(text) or (condition is not None and _CHECK.search(_helper_bodies(condition, ctx))):
            return True
    return False


def chosen_safely(value: Node, ctx: TSContext) -> bool:
    """``sendRedirect(isLocal ? target : "/")``: a conditional that takes the request's value only when a check
    on it holds (in the condition, or where the condition's flag was computed) and an untainted one otherwise."""
    while value.type == "parenthesized_expression" and value.named_children:
        value = value.named_children[0]
    if value.type != "ternary_expression":
        return False
    condition, chosen, fallback = (value.child_by_field_name(f) for f in ("condition", "consequence", "alternative"))
    if condition is None or chosen is None or fallback is None or chosen.type != "identifier":
        return False
    if ctx.tainted(fallback) is not None:
        return False
    parts = [ctx.compact(condition)]
    parts += [ctx.compact(value_of(n, ctx)) for n in walk(condition) if n.type == "identifier"]
    parts += [_helper_bodies(value_of(n, ctx), ctx) for n in walk(condition) if n.type == "identifier"]
    parts.append(_helper_bodies(condition, ctx))
    text = " ".join(parts)
    return bool(re.search(rf"\b{re.escape(ctx.text(chosen))}\b", text) and _CHECK.search(text))
