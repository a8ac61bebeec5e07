"""JAVA-ENUM-001: login and password-reset handlers that tell unknown accounts apart from wrong passwords."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.java.common import literal, method, receiver
from slopguard.rules.shared.accounts import says_unknown_account, says_wrong_password
from slopguard.rules.shared.names import words
from slopguard.rules.shared.trees import walk

_LOGIN = re.compile(r"(?i)^(?:do)?(?:login|log[_]?in|sign[_]?in|signon|authenticate|auth|token|issueToken|createToken)")
# The words of a sign-in method's name anywhere in it: memberSignIn, patronLogin, kioskAuthenticate.
_LOGIN_WORDS = re.compile(r"(?:^|_)(?:log_?in|sign_?in|sign_?on|authenticate)(?:_|$)")
_RESET = re.compile(r"(?i)(?:reset|forgot|recover)\w*(?:password|pwd|request)?|requestReset|passwordReset")
_LOGGER = re.compile(r"(?i)(?:^|\.)(?:_?log|logger|\w*logger)$")
_EXCEPTION_FOR_LOG = frozenset({"debug", "info", "warn", "error", "trace"})


def _operands(node: Node) -> list[Node]:
    """The pieces of a ``+`` chain, left to right."""
    left, operator, right = (node.child_by_field_name(f) for f in ("left", "operator", "right"))
    if node.type == "binary_expression" and left and right and operator and operator.type == "+":
        return _operands(left) + _operands(right)
    return [node]


def _rendered(pieces: list[Node], ctx: TSContext) -> str | None:
    """A concatenated message as it reads, the values named by their variables: ``"No offer for " + email``
    reads 'No offer for email'; None without a string literal in it."""
    if not any(p.type == "string_literal" for p in pieces):
        return None
    parts = []
    for piece in pieces:
        if piece.type == "string_literal":
            parts.append(literal(piece, ctx) or "")
        elif piece.type == "identifier":
            parts.append(ctx.text(piece))
        elif piece.type == "method_invocation":
            parts.append(" ".join(w for w in words(method(piece, ctx)) if w != "get"))
    return "".join(parts)


def _messages(func: Node, ctx: TSContext) -> list[tuple[Node, str]]:
    """The string literals (and concatenations) of a method that can reach the client, not the ones handed to a
    logger; each with the literal that starts it."""
    found = []
    for node in walk(func):
        if node.type != "string_literal":
            continue
        top = node
        while top.parent is not None and top.parent.type == "binary_expression" and node in _operands(top.parent):
            top = top.parent
        pieces = _operands(top)
        first = next(p for p in pieces if p.type == "string_literal")
        if first.start_byte != node.start_byte:
            continue  # a concatenation is read once, from its first literal
        call = top.parent.parent if top.parent is not None and top.parent.type == "argument_list" else None
        if call is not None and call.type == "method_invocation" and method(call, ctx) in _EXCEPTION_FOR_LOG:
            obj = receiver(call)
            if obj is not None and _LOGGER.search(ctx.text(obj)):
                continue
        text = _rendered(pieces, ctx) if len(pieces) > 1 else literal(node, ctx)
        if text is not None:
            found.append((node, text))
    return found


@ts_rule(
    id="JAVA-ENUM-001",
    title="Login or reset response reveals whether an account exists",
    cwe=204,
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    languages=("java",),
    query="(method_declaration name: (identifier) @name body: (block)) @call",
    why="""Assistants write helpful login errors: 404 "User not found" when the username is unknown and 401
    "Wrong password" otherwise, and password-reset pages that answer "No account with that e-mail". The
    difference tells an attacker which usernames and addresses are registered, the first step of credential
    stuffing, password spraying and targeted phishing.""",
    fix="""Answer every failed login with the same status and text ("Invalid username or password"), and every
    reset request with "If an account exists, we sent a link"; log the precise reason on the server.""",
)
def java_account_enumeration(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    func: Node = captures["call"][0]
    name = ctx.text(captures["name"][0])
    login = bool(_LOGIN.match(name) or _LOGIN_WORDS.search("_".join(words(name))))
    reset = bool(_RESET.search(name))
    if not login and not reset:
        return
    messages = _messages(func, ctx)
    unknown = [node for node, text in messages if says_unknown_account(text)]
    wrong = [node for node, text in messages if says_wrong_password(text)]
    if login and unknown and wrong:
        for node in sorted(unknown + wrong, key=lambda n: n.start_byte):
            yield ctx.hit(node, "a distinct failure message tells attackers which accounts exist")
    elif reset and unknown and not wrong:
        for node in unknown:
            yield ctx.hit(node, "the reset response says whether the address is registered")
