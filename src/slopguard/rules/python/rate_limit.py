"""PY-RATE-001: login, token, one-time-code and password-reset handlers that accept unlimited attempts."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.python.context import FunctionNode, PyContext
from slopguard.engine.registry import python_rule
from slopguard.rules.python.auth_common import (
    ONE_TIME_CODE,
    STATE_CHANGING,
    auth_kind,
    handler_label,
    names,
    targets_of,
    words,
)
from slopguard.rules.python.common import method_name

_CREDENTIAL = re.compile(
    r"passw|pwd|passphrase|otp|one_time|verification_code|verify_code|credential|client_secret|\bauthenticate"
)
_RESET_CREDENTIAL = re.compile(r"e_?mail|username|phone")
_COUNTING = re.compile(
    r"attempt|lockout|lock_out|locked|throttl|rate_?limit|limiter|brute|too_many|backoff|captcha|axes"
    r"|fail(?:ed|ure)?s?[-_:]?(?:count|login)|login[-_:]fail"
)
_LIMIT_NAME = re.compile(r"limit|throttl|axes")
# Limits for every route of the module: limiter defaults, DRF settings, a router-wide fastapi-limiter dependency.
_MODULE_LIMIT = re.compile(
    r"(?:default_limits|application_limits)\s*=\s*(?!\[\s*\]|\(\s*\)|None)|DEFAULT_THROTTLE"
    r"|(?:APIRouter|include_router)\([^()]*(?:Depends\(\s*)?RateLimiter\("
)
# ``limiter.limit("5/minute")(auth_bp)``: a limit applied to a blueprint or view after the fact.
_APPLIED = re.compile(r"\b(?:limit|shared_limit|ratelimit)\((?:[^()]|\([^()]*\))*\)\(\s*([\w.]+)\s*\)")
_RESPONSE = re.compile(r"render|redirect|[Rr]esponse")


@python_rule(
    id="PY-RATE-001",
    title="Authentication endpoint without rate limiting",
    cwe=307,
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    nodes=(ast.FunctionDef, ast.AsyncFunctionDef),
    why="""Assistants write a login, token, OTP or password-reset view that checks the credential and returns,
    with nothing that limits how often it may be called. An attacker scripts millions of guesses against it:
    credential stuffing with leaked passwords, brute force of 6-digit OTP codes, or reset-mail flooding.""",
    fix="""Limit attempts per client and per account: @limiter.limit("5/minute") (Flask-Limiter, slowapi),
    @ratelimit(key="ip", rate="5/m") (django-ratelimit), DRF throttle_classes, or count failures and lock
    the account out.""",
)
def unlimited_auth(node: FunctionNode, ctx: PyContext) -> Iterator[Hit]:
    route = ctx.route_of(node)
    if route is None or not route.methods & STATE_CHANGING:
        return
    kind = auth_kind(node, route, ctx)
    # Sign-up is not an authentication attempt (mass registration is another weakness), but the one-time code
    # that confirms a sign-up is: a 6-digit code falls to brute force like any other.
    if kind is None or (kind == "register" and not ONE_TIME_CODE.search(handler_label(node, route, ctx))):
        return
    said = words(node)
    if not (_CREDENTIAL.search(said) or (kind in ("reset", "register") and _RESET_CREDENTIAL.search(said))):
        return
    if route.framework == "django" and not route.path and "ANY" in route.methods and not _responds(node):
        return  # a helper taking `request`, not a view
    cls = ctx.class_of.get(id(node))
    guards = [*node.decorator_list, *node.args.defaults, *(d for d in node.args.kw_defaults if d)]
    if cls is not None:
        guards += cls.decorator_list
        guards += [t for s in cls.body if isinstance(s, ast.Assign | ast.AnnAssign) for t in targets_of(s)]
    guard_names = names(guards)
    exempt = "exempt" in guard_names and "limit" in guard_names
    if not exempt and (_LIMIT_NAME.search(guard_names) or _MODULE_LIMIT.search(ctx.text)):
        return
    applied = {m.group(1) for m in _APPLIED.finditer(ctx.text)} if "limit(" in ctx.text else set()
    owners = {
        ctx.dotted(d.func.value)
        for d in node.decorator_list
        if isinstance(d, ast.Call) and isinstance(d.func, ast.Attribute)
    }
    if applied & (owners | {node.name}):
        return
    if _COUNTING.search(said):
        return
    line = ctx.lines[node.lineno - 1] if node.lineno <= len(ctx.lines) else ""
    where = f" ({route.path})" if route.path else ""
    name = f"{cls.name}.{node.name}" if cls is not None else node.name
    yield Hit(
        node.lineno,
        node.col_offset + 1,
        node.lineno,
        len(line) + 1,
        f"authentication handler '{name}'{where} accepts unlimited attempts: no rate limit, throttle "
        "or lockout; add a per-client and per-account limit",
    )


def _responds(func: FunctionNode) -> bool:
    calls = (n.value for n in ast.walk(func) if isinstance(n, ast.Return) and isinstance(n.value, ast.Call))
    return any(_RESPONSE.search(method_name(c)) for c in calls)
