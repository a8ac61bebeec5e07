"""JS-NOSQL-001: MongoDB queries built from request data ($where code, filters taken whole from the request)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.flow import Flow, describe
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.javascript.common import enclosing_function, method, pairs, resolve, string_value, unwrap
from slopguard.rules.javascript.request_data import server_input
from slopguard.rules.shared.trees import walk

_QUERIES = frozenset(
    {"find", "findOne", "findOneAndUpdate", "findOneAndDelete", "findOneAndReplace", "findOneAndRemove",
     "updateOne", "updateMany", "deleteOne", "deleteMany", "replaceOne", "countDocuments", "count", "where",
     "exists", "remove"}
)  # fmt: skip
# A request object (or an object inside one) as it arrived: its keys may be operators ($ne, $gt, $where).
_WHOLE = re.compile(
    r"^(?:req|request|ctx\.request|ctx)\.(?:body|query|params)(?:\.[\w$]+|\[[^\]]+\])*$"
    r"|^(?:await)?(?:req|request|c\.req)\.json\(\)$|^JSON\.parse\((?:req|request|ctx\.request)\.\w+"
)
_CODE_OPERATORS = frozenset({"$where", "$function", "$accumulator"})
# Fields a login or reset compares: {"password": {"$ne": null}} matches every record and skips the check.
_CREDENTIAL_KEY = re.compile(r"(?i)pass(?:word|wd|code)?$|^pwd$|token$|secret$|^(?:otp|pin|code)$|answer$|api_?key$")
# The account a sign-in looks up: with {"$regex": "^a"} or {"$ne": null} as its value the query picks whichever
# account matches, and the answers tell which addresses exist.
_IDENTITY_KEY = re.compile(r"(?i)e_?mail|user_?name$|^user$|^login$|^phone|^handle$|^account$")
# A handler that checks a password against the record it found is a sign-in.
_PASSWORD_CHECK = re.compile(
    r"\b(?:bcrypt|bcryptjs|argon2|scrypt)\.(?:compare|compareSync|verify)\s*\("
    r"|\.(?:comparePassword|verifyPassword|checkPassword|validatePassword|isValidPassword)\s*\("
)
_FALLBACKS = frozenset({"||", "??"})
_GRAPHQL_BINDING = re.compile(r"^@Args?\(")
_PATH_PARAMETER = re.compile(r"^(?:req|request|ctx)\.params\b")  # a URL path segment is always a string


def _whole_request_object(ctx: TSContext, node: Node) -> bool:
    """``req.body``, ``req.query``, ``req.body.filter`` or ``{ ...req.query }``, directly or through a const."""
    value = resolve(ctx, node)
    if value is None:
        return False
    value = unwrap(value)
    if value.type == "binary_expression" and ctx.text(value.child_by_field_name("operator")) in _FALLBACKS:
        left = value.child_by_field_name("left")  # req.query.where || {}: the request's object when it sent one
        return left is not None and _whole_request_object(ctx, left)
    if value.type == "ternary_expression":
        return any(
            _whole_request_object(ctx, b) for f in ("consequence", "alternative") if (b := value.child_by_field_name(f))
        )
    if value.type == "object":
        return any(
            c.type == "spread_element" and c.named_children and _whole_request_object(ctx, c.named_children[0])
            for c in value.named_children
        )
    if value.type == "call_expression" and ctx.call_name(value) == "Object.assign":
        return any(_whole_request_object(ctx, a) for a in ctx.arguments(value)[1:])
    return bool(_WHOLE.match(ctx.compact(value))) or _graphql_argument(ctx, value)


def _resolver_input(ctx: TSContext, node: Node) -> Flow | None:
    """The flow of a GraphQL resolver's arguments (a resolver is server code wherever its file sits)."""
    value = resolve(ctx, node)
    if value is None or not _graphql_argument(ctx, unwrap(value)):
        return None
    flow = ctx.flow(node)
    return flow if flow.tainted else None


def _graphql_argument(ctx: TSContext, value: Node) -> bool:
    """``args``, ``args.filter`` or a name destructured from them in a GraphQL resolver (a resolver map's second
    parameter, or one bound by @Args/@Arg): input objects and JSON scalars arrive with the client's keys."""
    root = value
    while root.type == "member_expression":
        root = unwrap(root.child_by_field_name("object") or root)
    if root.type != "identifier":
        return False
    name = ctx.text(root)
    fn = enclosing_function(root)
    params = fn.child_by_field_name("parameters") if fn is not None else None
    if fn is None or params is None:
        return False
    entry = ctx.spec.entry_parameters(fn, ctx.text) if ctx.spec.entry_parameters else frozenset()
    for index, param in enumerate(params.named_children):
        names = {ctx.text(n) for n in walk(param) if n.type in ("identifier", "shorthand_property_identifier_pattern")}
        if name in names:
            return index in entry or bool(_GRAPHQL_BINDING.match(ctx.text(param)))
    return False


@ts_rule(
    id="JS-NOSQL-001",
    title="MongoDB query built from request data (NoSQL injection)",
    cwe=943,
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    languages=("javascript", "typescript"),
    query="""[
      (call_expression function: (member_expression property: (property_identifier) @name)) @call
      (pair key: [(string) (property_identifier)] @key value: (_) @value) @pair
    ]""",
    why="""Assistants pass the parsed request straight to Mongo, User.find(req.query) or
    User.findOne(req.body.filter), and build $where clauses by concatenation. JSON bodies and qs query strings
    carry objects, so the client sends {"password": {"$ne": null}} to log in as anyone, {"$where": "sleep(5000)"}
    or a $regex that matches every record; a $where string built from input runs the attacker's JavaScript in
    the database.""",
    fix="""Build the filter from named fields cast to strings ({ email: String(req.body.email) }), validate
    the body with a schema (zod, joi), strip operator keys (express-mongo-sanitize, mongoose sanitizeFilter),
    and never use $where with request data.""",
)
def nosql_injection(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    if "pair" in captures:
        pair = captures["pair"][0]
        if _filter_of_query(ctx, pair.parent):
            return  # reported at the query that runs it
        found = _code_operator(ctx, pair)
        if found is not None:
            message, severity, confidence = found
            yield ctx.hit(pair, message, severity=severity, confidence=confidence)
        return
    call: Node = captures["call"][0]
    if method(ctx, call) not in _QUERIES:
        return
    args = ctx.arguments(call)
    for arg in _filters(ctx, call):
        if _whole_request_object(ctx, arg):
            flow = server_input(ctx, arg) or _resolver_input(ctx, arg)
            if flow is not None:
                yield ctx.hit(call, f"query object is {describe(flow)} taken whole: its keys can be Mongo operators")
                return
        value = resolve(ctx, arg)
        for pair in value.named_children if value is not None and value.type == "object" else ():
            found = _code_operator(ctx, pair) if pair.type == "pair" else None
            if found is not None:
                message, severity, confidence = found
                yield ctx.hit(call, message, severity=severity, confidence=confidence)
                return
    credential = _raw_credential(ctx, call, args[0]) if args else None
    if credential is not None:
        key, flow, identity = credential
        effect = (
            "matches whichever account fits, and the answers tell which exist" if identity else "matches any record"
        )
        yield ctx.hit(
            call,
            f'\'{key}\' is matched against {describe(flow)} as sent: a body like {{"{key}": {{"$ne": null}}}} '
            f"{effect}; cast it with String()",
        )


def _code_operator(ctx: TSContext, pair: Node) -> tuple[str, Severity, Confidence] | None:
    """(message, severity, confidence) when ``pair`` is a $where/$function operator whose code was built from
    values (request data: high; anything else pasted in: medium)."""
    key, value = pair.child_by_field_name("key"), pair.child_by_field_name("value")
    if key is None or value is None:
        return None
    name = string_value(ctx, key) if key.type == "string" else ctx.text(key)
    if name not in _CODE_OPERATORS or unwrap(value).type in ("function_expression", "arrow_function"):
        return None
    flow = server_input(ctx, value)
    if flow is not None:
        return f"{name} runs JavaScript in the database built from {describe(flow)}", Severity.HIGH, Confidence.HIGH
    assembled = ctx.flow(value)
    if assembled.built and assembled.dynamic:  # a code string with values pasted in, from wherever they came
        message = (
            f"{name} runs JavaScript in the database assembled from {describe(assembled)}; compare fields with "
            "query operators instead"
        )
        return message, Severity.MEDIUM, Confidence.MEDIUM
    return None


def _filter_of_query(ctx: TSContext, obj: Node | None) -> bool:
    """Whether the object literal ``obj`` is the filter of a query call: written in place, or assigned to a
    const that a query of the same function takes (``const filter = {...}; User.find(filter)``)."""
    holder = obj.parent if obj is not None else None
    if obj is None or holder is None:
        return False
    if holder.type == "arguments":
        call = holder.parent
        if call is None or call.type != "call_expression" or method(ctx, call) not in _QUERIES:
            return False
        return any(unwrap(a).id == obj.id for a in _filters(ctx, call))
    name = holder.child_by_field_name("name") if holder.type == "variable_declarator" else None
    if name is None or name.type != "identifier":
        return False
    scope = enclosing_function(holder) or ctx.tree.root_node
    for node in _query_calls(ctx, scope):
        for arg in _filters(ctx, node):
            found = resolve(ctx, arg) if ctx.text(unwrap(arg)) == ctx.text(name) else None
            if found is not None and found.id == obj.id:
                return True
    return False


def _query_calls(ctx: TSContext, scope: Node) -> list[Node]:
    """The query calls in ``scope`` (listed once per scope: a large file has many filters to check)."""
    return ctx.memo(
        f"js.nosql.queries.{scope.id}",
        lambda: [n for n in ctx.nodes("call_expression").inside(scope) if method(ctx, n) in _QUERIES],
    )


def _filters(ctx: TSContext, call: Node) -> list[Node]:
    """The arguments of a query call that Mongo reads as filters or update documents."""
    args = ctx.arguments(call)
    return args[:2] if method(ctx, call).startswith(("update", "findOneAndUpdate")) else args[:1]


def _raw_credential(ctx: TSContext, call: Node, filter_node: Node) -> tuple[str, Flow, bool] | None:
    """``{ email, password: req.body.password }``: a credential field, or in a sign-in (a handler that checks a
    password) the account's identifier, given a request value as it arrived (a JSON body or a qs query string
    carries objects, so the value may be an operator). (key, flow, whether the key names the account)."""
    handler = enclosing_function(call)
    sign_in = handler is not None and bool(_PASSWORD_CHECK.search(ctx.text(handler)))
    for key, value in pairs(ctx, resolve(ctx, filter_node)):
        identity = sign_in and bool(_IDENTITY_KEY.search(key))
        if not (_CREDENTIAL_KEY.search(key) or identity) or not _as_sent(ctx, value):
            continue
        if _type_checked(ctx, filter_node, value):
            continue
        flow = server_input(ctx, value)
        if flow is not None and not _PATH_PARAMETER.match(flow.origin):
            return key, flow, identity and not _CREDENTIAL_KEY.search(key)
    return None


def _as_sent(ctx: TSContext, value: Node) -> bool:
    """``req.body.password``, or a name bound to it unchanged (``const { password } = req.body``)."""
    value = unwrap(value)
    if value.type not in ("identifier", "shorthand_property_identifier"):
        return bool(_WHOLE.match(ctx.compact(value)))
    bound = resolve(ctx, value)
    if bound is not None and bound.id != value.id:
        return bool(_WHOLE.match(ctx.compact(bound)))
    name, scope = ctx.text(value), enclosing_function(value)
    for node in walk(scope) if scope is not None else ():
        if node.start_byte >= value.start_byte:
            break
        if node.type != "variable_declarator":
            continue
        pattern, source = node.child_by_field_name("name"), node.child_by_field_name("value")
        if pattern is None or source is None or pattern.type != "object_pattern":
            continue
        names = {ctx.text(p) for p in pattern.named_children if p.type == "shorthand_property_identifier_pattern"}
        if name in names and _WHOLE.match(ctx.compact(unwrap(source))):
            return True
    return False


_CHECKS = re.compile(r"\.(?:parse|safeParse|parseAsync|validate\w*|assert)\(|validationResult\(|\bcheck\(|\bbody\(")


def _type_checked(ctx: TSContext, call: Node, value: Node) -> bool:
    """``typeof password !== 'string'`` (or a schema's parse) earlier in the handler: the value is text."""
    top = call  # the whole route registration: express-validator's body('password').isString() sits beside it
    while top.parent is not None and top.parent.type != "program":
        top = top.parent
    before = ctx.source[top.start_byte : call.start_byte].decode("utf-8", "replace")
    name = re.escape(ctx.text(value).split(".")[-1])
    return bool(re.search(rf"typeof\s+[\w.]*\b{name}\b", before) or _CHECKS.search(before))
