"""GO-COOKIE-001: session and auth cookies set without Secure or HttpOnly (net/http's http.Cookie, gin's
SetCookie)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.go.common import CALL, constant, function_of, is_test, string_value
from slopguard.rules.shared.cookies import READ_BY_SCRIPT, SESSION_COOKIE


def _fields(ctx: TSContext, body: Node) -> dict[str, Node]:
    found: dict[str, Node] = {}
    for element in body.named_children:
        if element.type == "keyed_element" and len(element.named_children) == 2:
            found[ctx.text(element.named_children[0])] = element.named_children[1]
    return found


def _set_later(ctx: TSContext, literal: Node, flag: str) -> bool:
    """``cookie.Secure = true`` (or any non-false value) after ``cookie := http.Cookie{..}``."""
    fn = function_of(literal)
    return fn is not None and re.search(rf"\.{flag}\s*=\s*(?!false\b)\S", ctx.text(fn)) is not None


def _missing(ctx: TSContext, name: str, secure: str | None, http_only: str | None) -> list[str]:
    missing = []
    if secure is None or secure == "false":
        missing.append("Secure")
    if (http_only is None or http_only == "false") and not READ_BY_SCRIPT.search(name):
        missing.append("HttpOnly")
    return missing


@ts_rule(
    id="GO-COOKIE-001",
    title="Session cookie without Secure or HttpOnly",
    cwe=(614, 1004),
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    languages=("go",),
    query=f"""((composite_literal type: (qualified_type) @type body: (literal_value) @body) @lit
      (#eq? @type "http.Cookie"))
      ({CALL} (#eq? @method "SetCookie"))""",
    why="""Assistants set the session with http.SetCookie(w, &http.Cookie{Name: "session", Value: id}) or gin's
    c.SetCookie("token", t, 3600, "/", "", false, false). Without Secure the cookie also travels over plain
    HTTP, where anyone on the network reads it; without HttpOnly any injected script reads document.cookie and
    sends the session away.""",
    fix="""Set Secure: true, HttpOnly: true and SameSite: http.SameSiteLaxMode (or Strict) on session and token
    cookies; with gin pass secure and httpOnly as true and call c.SetSameSite first.""",
)
def go_cookie_flags(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    if is_test(ctx):
        return
    if "lit" in captures:
        literal: Node = captures["lit"][0]
        fields = _fields(ctx, captures["body"][0])
        max_age = ctx.text(fields["MaxAge"]) if "MaxAge" in fields else "0"
        if max_age.startswith("-") or ("Value" in fields and string_value(ctx, fields["Value"]) == ""):
            return  # deleting a cookie
        name = constant(ctx, fields.get("Name")) or ctx.text(fields.get("Value"))
        if not SESSION_COOKIE.search(name):
            return
        secure = "set" if _set_later(ctx, literal, "Secure") else ctx.text(fields.get("Secure")) or None
        http_only = "set" if _set_later(ctx, literal, "HttpOnly") else ctx.text(fields.get("HttpOnly")) or None
        missing = _missing(ctx, name, secure, http_only)
        if missing:
            yield ctx.hit(literal, f"cookie '{name}' is set without {' and '.join(missing)}")
        return
    call: Node = captures["call"][0]
    args = ctx.arguments(call)
    if len(args) != 7:
        return  # gin: SetCookie(name, value, maxAge, path, domain, secure, httpOnly)
    name = constant(ctx, args[0]) or ""
    if not SESSION_COOKIE.search(name) or ctx.text(args[2]).startswith("-") or string_value(ctx, args[1]) == "":
        return
    missing = _missing(ctx, name, ctx.text(args[5]), ctx.text(args[6]))
    if missing:
        yield ctx.hit(call, f"cookie '{name}' is set without {' and '.join(missing)}")
