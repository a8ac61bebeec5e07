"""Request data as the server-side JS rules need it: direct (not looked up in a database), with a fixed prefix
or not, and checked by a guard before a sink or not. Shared by the redirect, SSRF, NoSQL and ReDoS rules."""

from __future__ import annotations

import re

from tree_sitter import Node

from slopguard.engine.flow import Flow
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.javascript.common import enclosing_function, method, resolve, unwrap
from slopguard.rules.shared.trees import walk

# Values a browser page reads about itself, and a CLI's own arguments: input, but not a remote attacker's.
_CLIENT_SIDE = re.compile(
    r"^(?:window\.|document\.)?location\b|^document\.|^window\.|^(?:local|session)Storage\b|^(?:event|e)\.|"
    r"^process\.argv|^(?:router|useRouter\(\))\."
)
# What a lookup returns is stored data, not what the client sent: Model.findOne({ code: req.params.code }).
_LOOKUP = re.compile(
    r"^(?:find\w*|get\w*|fetch\w*|load\w*|query\w*|select\w*|first\w*|one|single|exec|lean|count\w*|"
    r"aggregate|lookup|read\w*|retrieve\w*|search\w*|scan|hget\w*|hmget)$"
)
_SERVER_IMPORT = re.compile(
    rb"(?:require\(\s*|from\s+)['\"](?:node:)?(?:express|koa|fastify|hono|@hapi/hapi|next/server|next/headers|"
    rb"@nestjs/[\w-]+|restify|polka|@koa/router|koa-router|micro|h3|apollo-server(?:-[\w-]+)?|@apollo/server|"
    rb"graphql-yoga|mercurius|type-graphql)['\"]"
)
_RESPONSE_PARAMS = frozenset({"res", "reply", "resp", "ctx", "h", "next", "context"})  # context: AWS Lambda
_NOT_LOOKUPS = frozenset({"get", "getAll"})  # searchParams.get / headers.get read the request itself
# Calls that hand on what they are called on: conversions, and Mongoose query modifiers.
_PASS_THROUGH = frozenset({"toString", "toFixed", "toLocaleString", "lean", "exec", "select"})
_MAX_STEPS = 12


def server_input(ctx: TSContext, node: Node) -> Flow | None:
    """The flow of ``node`` when it is request data that reached the server as sent (not a stored record)."""
    if not _serves(ctx, node):  # browser code, libraries, an HTTP client's own outgoing `request` object
        return None
    flow = ctx.flow(node)
    if not flow.tainted or _CLIENT_SIDE.search(flow.origin) or looked_up(ctx, node):
        return None
    return flow


def _serves(ctx: TSContext, node: Node) -> bool:
    """Whether ``node`` sits in server code: a file that imports a server framework, or a function that also
    receives the response (``(req, res)``, ``(request, reply)``)."""
    if ctx.memo("javascript.server_file", lambda: bool(_SERVER_IMPORT.search(ctx.source))):
        return True
    fn = enclosing_function(node)
    while fn is not None:
        params = fn.child_by_field_name("parameters")
        if params is not None and {ctx.text(n) for n in walk(params) if n.type == "identifier"} & _RESPONSE_PARAMS:
            return True
        fn = enclosing_function(fn)
    return False


def looked_up(ctx: TSContext, node: Node) -> bool:
    """Whether ``node`` is (a field of) the result of a lookup: ``link.destination`` after
    ``const link = await Link.findOne(...)``, ``(await db.get(id)).url``."""
    current: Node | None = node
    for _ in range(_MAX_STEPS):
        if current is None:
            return False
        current = unwrap(current)
        if current.type in ("member_expression", "subscript_expression"):
            current = current.child_by_field_name("object")
        elif current.type == "identifier":
            value = resolve(ctx, current)
            if value is None or value.id == current.id:
                return False
            current = value
        elif current.type == "call_expression":
            name = method(ctx, current)
            callee = current.child_by_field_name("function")
            on_object = callee is not None and callee.type == "member_expression"
            if name == "String":  # String(total)
                args = ctx.arguments(current)
                current = args[0] if args else None
            elif on_object and callee is not None and name in _PASS_THROUGH:  # total.toString(), findOne(q).lean()
                current = callee.child_by_field_name("object")
            else:
                return on_object and bool(_LOOKUP.match(name)) and name not in _NOT_LOOKUPS
        else:
            return False
    return False


def fixed_prefix(ctx: TSContext, node: Node) -> str | None:
    """The constant text a built string starts with (`https://api.example.com/${id}`, '/users/' + id), else None."""
    node = unwrap(node)
    if node.type == "identifier":
        value = resolve(ctx, node)
        if value is not None and value.id != node.id:
            node = value
    if node.type == "template_string":
        head = []
        for child in node.children:
            if child.type == "template_substitution":
                break
            if child.type == "string_fragment":
                head.append(ctx.text(child))
        return "".join(head)
    if node.type == "binary_expression" and ctx.text(node.child_by_field_name("operator")) == "+":
        left = node.child_by_field_name("left")
        while left is not None and left.type == "binary_expression":
            left = left.child_by_field_name("left")
        if left is not None and left.type == "string":
            return "".join(ctx.text(c) for c in left.named_children)
        if left is not None and left.type == "identifier":
            return fixed_prefix(ctx, left)
    if node.type == "string":
        return "".join(ctx.text(c) for c in node.named_children)
    return None


_OPEN_HOST = re.compile(r"^(?:[a-z][\w+.-]*:)?/{0,2}[^/?#]*$", re.IGNORECASE)
_FIXED_HOST = re.compile(r"^[a-z][\w+.-]*://[^/?#]+[/?#]", re.IGNORECASE)


def fixed_host(prefix: str | None) -> bool:
    """Whether a URL's constant start fixes scheme and host: 'https://api.example.com/' but not 'https://'."""
    return prefix is not None and bool(_FIXED_HOST.match(prefix))


def fixed_destination(prefix: str | None) -> bool:
    """Whether a redirect target's constant start keeps it on a known site: '/users/', 'https://example.com/',
    '?tab=' (not '/', '//', 'https://' or an empty start)."""
    if not prefix:
        return False
    if fixed_host(prefix):
        return True
    if prefix.startswith(("/", "\\")):
        return len(prefix) > 1 and prefix[1] not in "/\\"
    return not _OPEN_HOST.match(prefix) or prefix.startswith(("?", "#"))


# A redirect target checked: against an allow-list, for a leading '/', against a pattern or a constant.
REDIRECT_GUARD = re.compile(
    r"\.(?:has|includes|startsWith|endsWith|test|indexOf|some|every|match)\s*\(|===|!==|==|!=|\bin\b|isAllowed|"
    r"isSafe|isValid|allow",
)
# A URL checked for where it goes: its host against an allow-list (a scheme check alone is not enough).
HOST_GUARD = re.compile(
    r"(?:host(?:name)?|origin|domain)\b[^;{]*?(?:===|!==|==|!=|\.(?:has|includes|endsWith|test|some|every)\s*\()"
    r"|\.(?:has|includes|some|every|test)\s*\([^)]*\b(?:host(?:name)?|origin|domain)\b|isAllowed\w*\(|allow\w*\(",
    re.IGNORECASE,
)
_GUARD_KINDS = frozenset({"if_statement", "ternary_expression", "switch_statement"})
_REQUEST_FIELD = re.compile(r"^(?:req|request|ctx|ctx\.request|c\.req)\.\w+\.[\w$]+$")


def roots(ctx: TSContext, node: Node) -> set[str]:
    """The local names a value is built from (``target`` in ``target.toString()``, ``url`` and ``id`` in
    ```${url}/${id}```), following one level of ``const x = ...``."""
    names: set[str] = set()
    for part in walk(node):
        if part.type in ("identifier", "shorthand_property_identifier"):
            names.add(ctx.text(part))
            value = resolve(ctx, part)
            if value is not None and value.id != part.id:
                names.update(ctx.text(n) for n in walk(value) if n.type == "identifier")
    return names


def guarded(ctx: TSContext, sink: Node, value: Node, guard: re.Pattern[str]) -> bool:
    """Whether a condition before ``sink`` in the same function checks a name the value is built from against
    something (an allow-list ``.has(host)``, ``startsWith('/')``, a comparison): the assistant's validation."""
    scope = enclosing_function(sink)
    if scope is None:
        return False
    names = roots(ctx, value) - {"req", "request", "ctx", "c", "res", "reply", "response"}
    # request fields used as they are: `if (!ALLOWED.has(req.params.name)) return ...; render(req.params.name)`
    fields = {
        ctx.compact(n) for n in walk(value) if n.type == "member_expression" and _REQUEST_FIELD.match(ctx.compact(n))
    }
    if not names and not fields:
        return False
    for node in walk(scope):
        if node.start_byte >= sink.start_byte:
            break
        if node.type not in _GUARD_KINDS:
            continue
        condition = node.child_by_field_name("condition") or node.child_by_field_name("value")
        if condition is None:
            continue
        used = {ctx.text(n) for n in walk(condition) if n.type in ("identifier", "shorthand_property_identifier")}
        checked = used & names or any(f in ctx.compact(condition) for f in fields)
        if checked and guard.search(ctx.text(condition)):
            return True
    return False
