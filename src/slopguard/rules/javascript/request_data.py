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
            if _reassigned(ctx, node):
                return None  # `let target = '/'; if (...) target = req.query.next`: the start is not fixed
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


def _reassigned(ctx: TSContext, ident: Node) -> bool:
    """Whether the function around ``ident`` (or the file) assigns its name again after declaring it."""
    name, scope = ctx.text(ident), enclosing_function(ident) or ctx.tree.root_node
    for node in walk(scope):
        if node.type in ("assignment_expression", "augmented_assignment_expression"):
            left = node.child_by_field_name("left")
            if left is not None and left.type == "identifier" and ctx.text(left) == name:
                return True
    return False


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
    r"|\.(?:has|includes|some|every|test)\s*\([^)]*\b(?:host(?:name)?|origin|domain)\b|isAllowed\w*\(|allow\w*\("
    r"|\b(?:is|assert)(?:Public|Safe|External|Internet)\w*(?:Url|Uri|Host|Address|Destination|Target)\w*\(",
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


def _guarding_condition(node: Node, scope: Node) -> Node | None:
    """The condition of the nearest ``if`` whose consequence holds ``node`` (within ``scope``), else None."""
    child, parent = node, node.parent
    while parent is not None and parent.id != scope.id:
        if parent.type == "if_statement":
            consequence = parent.child_by_field_name("consequence")
            if consequence is not None and consequence.id == child.id:
                return parent.child_by_field_name("condition")
        child, parent = parent, parent.parent
    return None


def assigned_when_checked(ctx: TSContext, sink: Node, value: Node, guard: re.Pattern[str]) -> bool:
    """Whether a local that reaches ``sink`` takes request data only under a check of that data:
    ``let target = '/'; if (ALLOWED.has(url.hostname)) target = url.toString(); res.redirect(target)``."""
    inner, scope = unwrap(value), enclosing_function(sink)
    if inner.type != "identifier" or scope is None:
        return False
    name, checked = ctx.text(inner), False
    for node in walk(scope):
        if node.start_byte >= sink.start_byte:
            break
        if node.type not in ("assignment_expression", "variable_declarator"):
            continue
        target = node.child_by_field_name("left") or node.child_by_field_name("name")
        assigned = node.child_by_field_name("right") or node.child_by_field_name("value")
        if target is None or assigned is None or ctx.text(target) != name or not ctx.flow(assigned).tainted:
            continue
        condition = _guarding_condition(node, scope)
        names = roots(ctx, assigned) - {"req", "request", "ctx", "c"}
        used = {ctx.text(n) for n in walk(condition) if n.type == "identifier"} if condition is not None else set()
        if condition is None or not (used & names) or not guard.search(ctx.text(condition)):
            return False
        checked = True
    return checked
