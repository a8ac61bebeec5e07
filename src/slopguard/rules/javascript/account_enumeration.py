"""JS-ENUM-001: login and password-reset handlers that tell unknown accounts apart from wrong passwords."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.javascript.common import FUNCTIONS, enclosing_function, string_value
from slopguard.rules.shared.accounts import USER_SPECIFIC, says_unknown_account, says_wrong_password
from slopguard.rules.shared.trees import walk

_AUTH_ROUTE = re.compile(
    r"(?i)log-?in|sign-?in|auth|token|session|reset|forgot|recover|password|verif|otp|passcode|one-?time|magic"
    r"|2fa|mfa|two-?factor"
)
_PASSWORD = re.compile(r"(?i)passw")
_SENDING = frozenset({"call_expression", "new_expression"})
_STATEMENTS = frozenset({"return_statement", "expression_statement", "throw_statement"})


def _handler(node: Node) -> Node | None:
    """The outermost function around ``node`` (itself included): the handler, not a callback inside it."""
    fn: Node | None = node if node.type in FUNCTIONS else enclosing_function(node)
    while fn is not None:
        outer = enclosing_function(fn)
        if outer is None:
            return fn
        fn = outer
    return None


def _auth_handler(ctx: TSContext, fn: Node) -> bool:
    """A handler that takes a password, or is registered on a login/reset route, or is named so."""
    if _PASSWORD.search(ctx.text(fn)):
        return True
    arguments = fn.parent if fn.parent is not None and fn.parent.type == "arguments" else None
    if arguments is not None:  # router.post("/forgot-password", async (req, res) => ...)
        route = next((string_value(ctx, a) for a in arguments.named_children if a.type == "string"), None)
        return bool(route and _AUTH_ROUTE.search(route))
    name = fn.child_by_field_name("name")
    return bool(name is not None and _AUTH_ROUTE.search(ctx.text(name)))


def _messages(ctx: TSContext, fn: Node) -> list[tuple[Node, str]]:
    """(string node, 'unknown' or 'password') for every account message in the function."""
    found = []
    for node in walk(fn):
        if node.type not in ("string", "template_string"):
            continue
        text = ctx.text(node)
        kind = "unknown" if _unknown(text) else "password" if says_wrong_password(text) else None
        if kind is not None and _sent(node):
            found.append((node, kind))
    return found


def _unknown(text: str) -> bool:
    """'No account for this email', 'Invalid username' (not 'Invalid username or password')."""
    return says_unknown_account(text) or bool(USER_SPECIFIC.search(text.lower()))


def _sent(node: Node) -> bool:
    """Whether a string is part of a call's arguments (a response, a thrown error) rather than a log line."""
    parent = node.parent
    while parent is not None and parent.type not in FUNCTIONS:
        if parent.type in _SENDING or parent.type == "throw_statement":
            return True
        parent = parent.parent
    return False


def _statement(node: Node) -> Node:
    current = node
    while current.parent is not None and current.type not in _STATEMENTS:
        current = current.parent
    return current


@ts_rule(
    id="JS-ENUM-001",
    title="Login or reset response reveals whether an account exists",
    cwe=(204, 203),
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    languages=("javascript", "typescript"),
    query="[(function_declaration) (function_expression) (arrow_function) (method_definition)] @fn",
    why="""Assistants write helpful login errors, 404 "No account found for this email" and 401 "Incorrect
    password", and password-reset endpoints that answer "This email is not registered". An attacker runs a list
    of addresses through the endpoint and learns which ones have accounts: targets for password spraying,
    credential stuffing and phishing.""",
    fix="""Answer unknown users and wrong passwords with the same message and status ("Invalid email or
    password", 401), and reset requests with "If that address is registered, we sent a link" in every case.""",
)
def account_enumeration(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    fn: Node = captures["fn"][0]
    handler = _handler(fn)
    if handler is None or handler.id != fn.id or not _auth_handler(ctx, fn):
        return
    messages = _messages(ctx, fn)
    kinds = {kind for _, kind in messages}
    if "unknown" not in kinds:
        return
    for node, kind in messages:
        if kind == "unknown":
            yield ctx.hit(_statement(node), "this message tells an attacker that no account has this name")
        else:
            yield ctx.hit(_statement(node), "a separate wrong-password message confirms that the account exists")
