"""RUST-ENUM-001: login and password-reset handlers whose answers reveal which accounts exist."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.rust.common import is_handler, string_value
from slopguard.rules.shared.accounts import enumeration_hits, handler_kind
from slopguard.rules.shared.trees import walk

_QUIET_MACROS = re.compile(r"^(?:(?:log|tracing)::)?(?:info|warn|error|debug|trace|event|span|info_span|instrument)$")
_CHECKS_PASSWORD = re.compile(r"(?i)password|verify")


def _messages(ctx: TSContext, fn: Node) -> Iterator[tuple[Node, str]]:
    """String literals the handler may answer with (log messages and SQL left out)."""
    for node in walk(fn, skip=("closure_expression",)):
        if node.type == "macro_invocation" and _QUIET_MACROS.match(ctx.call_name(node)):
            continue
        if node.type in ("string_literal", "raw_string_literal"):
            parent = node.parent
            inside_log = False
            while parent is not None and parent.id != fn.id:
                if parent.type == "macro_invocation" and _QUIET_MACROS.match(ctx.call_name(parent)):
                    inside_log = True
                    break
                parent = parent.parent
            value = string_value(ctx, node)
            if value is not None and not inside_log:
                yield node, value


@ts_rule(
    id="RUST-ENUM-001",
    title="Login or reset handler reveals which accounts exist",
    cwe=204,
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    languages=("rust",),
    query="(function_item) @fn",
    why="""Assistants write helpful, distinct errors: (StatusCode::NOT_FOUND, "user not found") when the lookup
    returns None and (StatusCode::UNAUTHORIZED, "wrong password") when verification fails, or "no account with
    that email" on password reset. An attacker feeds a list of addresses to the endpoint and learns which are
    customers, then targets just those with password spraying, credential stuffing or phishing.""",
    fix="""Answer every failed login with one message and status ("invalid email or password", 401) and every
    reset request with "if an account exists for that address, we sent a link".""",
)
def rust_account_enumeration(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    fn: Node = captures["fn"][0]
    kind = handler_kind(ctx.text(fn.child_by_field_name("name")))
    if kind is None or not is_handler(ctx, fn):
        return
    checks_password = bool(_CHECKS_PASSWORD.search(ctx.text(fn.child_by_field_name("body"))))
    yield from enumeration_hits(ctx, kind, _messages(ctx, fn), checks_password)
