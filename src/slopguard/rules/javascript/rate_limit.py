"""JS-RATE-001: login, token, reset and one-time-code POST routes with no rate limiter in front of them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.javascript.common import (
    FUNCTIONS,
    is_test_path,
    method,
    resolve,
    string_value,
    unwrap,
)
from slopguard.rules.shared.trees import walk

# Matched against the route's words, lower case, one space apart (``/passwordReset`` -> "password reset"): a word
# inside another (/presets, /tokenizer) is no sign-in.
_AUTH_WORDS = re.compile(
    r"\b(?:log ?in|sign ?in|tokens?|reset|forgot|otp|verify|verification|passcode|2fa|mfa|pin)\b|\bpassw"
)
# Secrets a person types, worth guessing even for a caller who is already signed in (a stolen session that
# confirms the password, a second factor after the first).
_TYPED_SECRET = re.compile(r"\bpassw|\b(?:otp|2fa|mfa|passcode|pin|code)\b")
# Middleware that lets only callers who are already authenticated through (by session, token or service key).
_CALLER_AUTH = re.compile(
    r"(?i)^(?:require|ensure|must|is|check|verify|validate|authenticate)_?(?:d_?)?(?:auth\w*|user|logged_?in|"
    r"signed_?in|session|internal|service|admin|staff|jwt|token|api_?key|bearer|customer|account)$"
    r"|^(?:auth|authenticated|protect(?:ed)?|authMiddleware|jwtAuth|checkJwt|requireAuth\w*)$"
)
_WORD_SPLIT = re.compile(r"[^A-Za-z0-9]+|(?<=[a-z])(?=[A-Z])")
_LIMITER = re.compile(r"(?i)rate.?limit|limiter|throttl|brute|slow.?down|speed.?limit|RateLimiter")
_IN_HANDLER = re.compile(r"(?i)rate.?limit|limiter|throttl|brute|\.consume\(|attempts|lockout|locked.?until")
_ROUTER_NAME = re.compile(r"^(?:app|router|\w*Router|routes|server|fastify|api|apiRoutes|authRoutes)$")
_ROUTER_FACTORY = re.compile(r"^(?:express|express\.Router|Router|newRouter|fastify|Fastify|newKoaRouter|koaRouter)\(")


def _limiting(ctx: TSContext, node: Node) -> bool:
    """A middleware argument that limits attempts: ``loginLimiter``, ``rateLimit({...})``, ``[limiter, ...]``."""
    if _LIMITER.search(ctx.text(node)):
        return True
    value = resolve(ctx, node)
    return value is not None and value.type != "identifier" and bool(_LIMITER.search(ctx.text(value)))


def _app_limited(ctx: TSContext) -> bool:
    """``app.use(limiter)`` / ``fastify.register(rateLimit)`` anywhere in the file."""
    return ctx.memo(
        "javascript.app_limited",
        lambda: any(
            any(_limiting(ctx, a) for a in ctx.arguments(node))
            for node in walk(ctx.tree.root_node)
            if node.type == "call_expression" and method(ctx, node) in ("use", "register")
        ),
    )


def _is_router(ctx: TSContext, obj: Node) -> bool:
    obj = unwrap(obj)
    if obj.type == "identifier":
        value = resolve(ctx, obj)
        if value is not None and value.type != "identifier":
            return bool(_ROUTER_FACTORY.match(ctx.compact(value)))
        return bool(_ROUTER_NAME.match(ctx.text(obj)))
    return obj.type == "member_expression" and ctx.compact(obj) in ("this.app", "this.router")


def _route(ctx: TSContext, call: Node, obj: Node, args: list[Node]) -> tuple[str, list[Node]] | None:
    """(path, handlers) of ``app.post('/login', ...)`` or ``router.route('/login').post(...)``."""
    if obj.type == "call_expression" and method(ctx, obj) == "route":
        inner = obj.child_by_field_name("function")
        base = inner.child_by_field_name("object") if inner is not None else None
        route_args = ctx.arguments(obj)
        path = string_value(ctx, route_args[0]) if route_args else None
        if base is None or path is None or not _is_router(ctx, base) or not args:
            return None
        return path, args
    path = string_value(ctx, args[0]) if args else None
    if path is None or len(args) < 2 or not _is_router(ctx, obj):
        return None
    return path, args[1:]


@ts_rule(
    id="JS-RATE-001",
    title="Authentication route without rate limiting",
    cwe=307,
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    languages=("javascript", "typescript"),
    query="""(call_expression
      function: (member_expression object: (_) @obj property: (property_identifier) @verb)) @call""",
    why="""Assistants write app.post('/login', ...) or a password-reset / OTP / token route that checks the
    credential and answers, with nothing that limits how often it may be called. An attacker scripts millions
    of guesses: credential stuffing with leaked passwords, brute force of 6-digit codes, reset-mail flooding.""",
    fix="""Put a limiter in front of the route: const loginLimiter = rateLimit({ windowMs: 15 * 60 * 1000,
    limit: 5 }) (express-rate-limit) and app.post('/login', loginLimiter, handler); or rate-limiter-flexible /
    express-slow-down, plus per-account lock-out after repeated failures.""",
)
def unlimited_login(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    if ctx.text(captures["verb"][0]) != "post" or is_test_path(ctx.path):
        return
    call: Node = captures["call"][0]
    args = ctx.arguments(call)
    found = _route(ctx, call, captures["obj"][0], args)
    if found is None:
        return
    path, handlers = found
    handler = unwrap(handlers[-1])
    words = " ".join(w.lower() for w in _WORD_SPLIT.split(path) if w)
    if not _AUTH_WORDS.search(words) or (handler.type not in FUNCTIONS and handler.type not in (
            "identifier", "member_expression", "call_expression")):  # fmt: skip
        return
    if any(_limiting(ctx, h) for h in handlers[:-1]) or _IN_HANDLER.search(ctx.text(handler)):
        return
    if any(_CALLER_AUTH.match(ctx.text(h)) for h in handlers[:-1]) and not _TYPED_SECRET.search(words):
        return  # only callers who already hold a session or key get here: a machine credential is checked
    if _app_limited(ctx):
        return
    yield ctx.hit(call, f"POST {path} checks credentials or codes with no rate limiter; add one (express-rate-limit)")
