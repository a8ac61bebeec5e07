"""JS-NOSQL-001: MongoDB queries built from request data ($where code, filters taken whole from the request)."""

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
from slopguard.rules.javascript.common import method, resolve, string_value, unwrap
from slopguard.rules.javascript.request_data import server_input

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


def _whole_request_object(ctx: TSContext, node: Node) -> bool:
    """``req.body``, ``req.query``, ``req.body.filter`` or ``{ ...req.query }``, directly or through a const."""
    value = resolve(ctx, node)
    if value is None:
        return False
    value = unwrap(value)
    if value.type == "object":
        return any(
            c.type == "spread_element" and c.named_children and _whole_request_object(ctx, c.named_children[0])
            for c in value.named_children
        )
    if value.type == "call_expression" and ctx.call_name(value) == "Object.assign":
        return any(_whole_request_object(ctx, a) for a in ctx.arguments(value)[1:])
    return bool(_WHOLE.match(ctx.compact(value)))


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
        key = captures["key"][0]
        name = string_value(ctx, key) if key.type == "string" else ctx.text(key)
        if name not in _CODE_OPERATORS:
            return
        value = captures["value"][0]
        if unwrap(value).type in ("function_expression", "arrow_function"):
            return
        flow = server_input(ctx, value)
        if flow is not None:
            yield ctx.hit(captures["pair"][0], f"{name} runs JavaScript in the database built from {describe(flow)}")
            return
        assembled = ctx.flow(value)
        if assembled.built and assembled.dynamic:  # a code string with values pasted in, from wherever they came
            yield ctx.hit(
                captures["pair"][0],
                f"{name} runs JavaScript in the database assembled from {describe(assembled)}; compare fields with "
                "query operators instead",
                severity=Severity.MEDIUM,
                confidence=Confidence.MEDIUM,
            )
        return
    call: Node = captures["call"][0]
    if method(ctx, call) not in _QUERIES:
        return
    args = ctx.arguments(call)
    filters = args[:2] if ctx.text(captures["name"][0]).startswith(("update", "findOneAndUpdate")) else args[:1]
    for arg in filters:
        if _whole_request_object(ctx, arg):
            flow = server_input(ctx, arg)
            if flow is not None:
                yield ctx.hit(call, f"query object is {describe(flow)} taken whole: its keys can be Mongo operators")
                return
