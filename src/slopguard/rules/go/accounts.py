"""GO-ENUM-001: login and password-reset handlers whose answers reveal which accounts exist."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.go.common import function_name, is_test
from slopguard.rules.go.web import is_handler, literal_texts
from slopguard.rules.shared.accounts import enumeration_hits, handler_kind
from slopguard.rules.shared.trees import walk

# Calls that answer the client: http.Error, gin/echo c.JSON/String/..., fiber SendString, an error page.
_ANSWERS = re.compile(
    r"(?:^|\.)(?:Error|JSON|IndentedJSON|PureJSON|String|HTML|XML|AbortWithStatusJSON|AbortWithError|SendString"
    r"|Send|Status\(\w*\)\.JSON|NewHTTPError|Write|WriteString|Fprint|Fprintf|Fprintln|Render|ExecuteTemplate"
    r"|Redirect)$"
)
_CHECKS_PASSWORD = re.compile(r"CompareHashAndPassword|(?i:password)|\.Verify\(|argon2")
_RESPONSE_PARAMETER = re.compile(r"^(?:http\.ResponseWriter|\*gin\.Context|echo\.Context|\*fiber\.Ctx)$")


def _response_parameter(ctx: TSContext, fn: Node, node: Node) -> bool:
    """``w`` (or gin's ``c``): a parameter of the handler ``fn`` that answers the client."""
    params = fn.child_by_field_name("parameters")
    for param in params.named_children if params is not None and node.type == "identifier" else []:
        if ctx.text(node) in [ctx.text(n) for n in param.children_by_field_name("name")]:
            return bool(_RESPONSE_PARAMETER.match(ctx.compact(param.child_by_field_name("type"))))
    return False


def _answering(ctx: TSContext, fn: Node, call: Node) -> bool:
    """A call that answers the client: a framework responder, or a helper handed the response writer
    (``writeJSON(w, http.StatusNotFound, ..)``, ``respond(c, ..)``)."""
    if _ANSWERS.search(ctx.compact(call.child_by_field_name("function"))):
        return True
    args = ctx.arguments(call)
    return bool(args) and _response_parameter(ctx, fn, args[0])


def _answers(ctx: TSContext, fn: Node) -> Iterator[tuple[Node, list[str]]]:
    for node in walk(fn, skip=("func_literal",)):
        if node.type == "call_expression" and _answering(ctx, fn, node):
            texts = literal_texts(ctx, node)
            if texts:
                yield node, texts


@ts_rule(
    id="GO-ENUM-001",
    title="Login or reset handler reveals which accounts exist",
    cwe=204,
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    languages=("go",),
    query="[(function_declaration) (method_declaration) (func_literal)] @fn",
    why="""Assistants write helpful, distinct errors: c.JSON(404, gin.H{"error": "user not found"}) when the
    lookup fails and "incorrect password" (401) when bcrypt says no, or "no account with that email" on password
    reset. An attacker feeds a list of addresses to the endpoint and learns which are customers, then targets
    just those with password spraying, credential stuffing or phishing.""",
    fix="""Answer every failed login with one message and status ("invalid email or password", 401) and every
    reset request with "if an account exists for that address, we sent a link".""",
)
def go_account_enumeration(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    fn: Node = captures["fn"][0]
    if is_test(ctx) or not is_handler(ctx, fn):
        return
    kind = handler_kind(function_name(ctx, fn))
    if kind is None:
        return
    messages = ((n, t) for n, ts in _answers(ctx, fn) for t in ts)
    yield from enumeration_hits(ctx, kind, messages, bool(_CHECKS_PASSWORD.search(ctx.text(fn))))
