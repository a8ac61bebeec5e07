"""Response-header configuration of Express apps: JS-HEADERS-001 (no helmet, x-powered-by on) and JS-CORS-001
(any origin, or the caller's own origin, allowed together with credentials)."""

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
    enclosing_function,
    imported,
    is_test_path,
    method,
    pairs,
    resolve,
    string_value,
    unwrap,
)

# ----- JS-HEADERS-001 -----------------------------------------------------------------------------------
_HARDENED = re.compile(
    r"""\bhelmet\b|\blusca\b|disable\(\s*['"]x-powered-by['"]\s*\)|set\(\s*['"]x-powered-by['"]\s*,\s*false"""
    r"""|removeHeader\(\s*['"]x-powered-by['"]|content-security-policy|x-frame-options""",
    re.IGNORECASE,
)


def _express_apps(ctx: TSContext) -> Iterator[Node]:
    """``express()`` calls, in source order."""
    for node in ctx.nodes("call_expression").nodes:
        if not ctx.arguments(node):
            callee = node.child_by_field_name("function")
            if callee is not None and callee.type == "identifier":
                name = ctx.text(callee)
                origin = imported(ctx, name)
                if name == "express" or (origin is not None and origin == ("express", "*")):
                    yield node


@ts_rule(
    id="JS-HEADERS-001",
    title="Express app without security headers (no helmet, x-powered-by on)",
    cwe=693,
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    languages=("javascript", "typescript"),
    query="(program) @program",
    why="""Assistants scaffold const app = express() and go straight to routes. Express sends no
    Content-Security-Policy, X-Frame-Options, X-Content-Type-Options or HSTS, and announces itself with
    X-Powered-By: Express. Pages can be framed for clickjacking, injected markup runs without a CSP to stop it,
    and the banner tells scanners which exploits to try.""",
    fix="""app.use(helmet()) right after creating the app (it also removes X-Powered-By), or at least
    app.disable('x-powered-by') and set CSP/X-Frame-Options yourself.""",
)
def missing_helmet(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    if b"express" not in ctx.source or is_test_path(ctx.path):
        return
    if _HARDENED.search(ctx.source.decode("utf-8", "replace")):
        return
    first = next(_express_apps(ctx), None)
    if first is not None:
        yield ctx.hit(first, "express() app without helmet() and with X-Powered-By on; add app.use(helmet())")


# ----- JS-HEADERS-002 -----------------------------------------------------------------------------------
# helmet options that switch a protection off when false (helmet 4+ names, and the names of helmet 7+)
_PROTECTIONS = {
    "contentSecurityPolicy": "Content-Security-Policy",
    "frameguard": "X-Frame-Options",
    "xFrameOptions": "X-Frame-Options",
    "hsts": "Strict-Transport-Security",
    "strictTransportSecurity": "Strict-Transport-Security",
    "noSniff": "X-Content-Type-Options",
    "xContentTypeOptions": "X-Content-Type-Options",
}
_SCRIPT_DIRECTIVES = frozenset({"scriptSrc", "script-src", "defaultSrc", "default-src"})
_UNSAFE_SOURCES = frozenset({"'unsafe-inline'", "'unsafe-eval'", "*"})


def _helmet_call(ctx: TSContext, call: Node) -> str | None:
    """'helmet' for ``helmet(opts)``, 'csp' for ``helmet.contentSecurityPolicy(opts)``, else None."""
    callee = call.child_by_field_name("function")
    if callee is None:
        return None
    if callee.type == "identifier":
        origin = imported(ctx, ctx.text(callee))
        helmet = origin == ("helmet", "*") or (origin is None and ctx.text(callee) == "helmet")
        csp = origin == ("helmet", "contentSecurityPolicy")
        return "helmet" if helmet else "csp" if csp else None
    obj = callee.child_by_field_name("object")
    origin = imported(ctx, ctx.text(obj)) if obj is not None else None
    is_helmet = origin == ("helmet", "*") or (origin is None and ctx.text(obj) == "helmet")
    return "csp" if is_helmet and method(ctx, call) == "contentSecurityPolicy" else None


def _unsafe_script_sources(ctx: TSContext, csp: Node | None) -> list[str]:
    """The unsafe sources a CSP's script-src (or default-src) allows: 'unsafe-inline', 'unsafe-eval', *."""
    directives = resolve(ctx, next((v for k, v in pairs(ctx, resolve(ctx, csp)) if k == "directives"), None))
    found: list[str] = []
    for key, value in pairs(ctx, directives):
        sources = resolve(ctx, value)
        if key in _SCRIPT_DIRECTIVES and sources is not None and sources.type == "array":
            found += [t for t in (string_value(ctx, s) for s in sources.named_children) if t in _UNSAFE_SOURCES]
    return found


@ts_rule(
    id="JS-HEADERS-002",
    title="helmet protection switched off, or a CSP that allows inline script",
    cwe=693,
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    languages=("javascript", "typescript"),
    query="(call_expression) @call",
    why="""When helmet's Content-Security-Policy breaks an inline script or an embed, assistants switch it off:
    helmet({ contentSecurityPolicy: false }), frameguard: false, hsts: false, or a policy whose script-src
    allows 'unsafe-inline' / 'unsafe-eval'. The app looks hardened (helmet is there) but injected markup runs
    unhindered, the pages can be framed for clickjacking, and browsers may be downgraded to HTTP.""",
    fix="""Keep helmet's defaults and adjust the policy instead: add the hosts you need to the directives, move
    inline scripts to files or give them a nonce; turn frameguard to 'sameorigin' rather than off.""",
)
def helmet_weakened(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    call: Node = captures["call"][0]
    kind = _helmet_call(ctx, call)
    args = ctx.arguments(call)
    if kind is None or not args or is_test_path(ctx.path):
        return
    options = resolve(ctx, args[0])
    if kind == "helmet":
        off = [_PROTECTIONS[k] for k, v in pairs(ctx, options) if k in _PROTECTIONS and unwrap(v).type == "false"]
        if off:
            names = ", ".join(dict.fromkeys(off))
            yield ctx.hit(call, f"helmet() is told to leave out {names}; configure the header instead of disabling it")
            return
        options = next((v for k, v in pairs(ctx, options) if k == "contentSecurityPolicy"), None)
    unsafe = _unsafe_script_sources(ctx, options)
    if unsafe:
        yield ctx.hit(call, f"the Content-Security-Policy lets scripts run from {', '.join(unsafe)}; use nonces")


# ----- JS-CORS-001 --------------------------------------------------------------------------------------
_ALLOW_ORIGIN = "access-control-allow-origin"
_ALLOW_CREDENTIALS = "access-control-allow-credentials"
_SETTERS = frozenset({"setHeader", "header", "set", "append", "writeHead"})
_ALWAYS_YES = re.compile(r"\b\w+\(\s*null\s*,\s*(?:true|origin)\s*\)")
_CHECKS = re.compile(r"includes\(|indexOf\(|\.has\(|===|!==|==|\.test\(|\.match\(|endsWith\(|startsWith\(")


def _reflects(ctx: TSContext, value: Node) -> bool:
    """``origin: true``, ``origin: '*'``, or an origin callback that says yes to every origin."""
    value = unwrap(value)
    if value.type == "true" or string_value(ctx, value) == "*":
        return True
    if value.type in FUNCTIONS:
        body = ctx.text(value)
        return bool(_ALWAYS_YES.search(body)) and not _CHECKS.search(body)
    return ctx.flow(value).tainted


def _credentials(ctx: TSContext, value: Node | None) -> bool:
    value = unwrap(value) if value is not None else None
    return value is not None and (value.type == "true" or string_value(ctx, value) == "true")


def _allowlisted(ctx: TSContext, value: Node, scope: Node | None) -> bool:
    """The reflected origin is compared with a list first."""
    name = ctx.text(unwrap(value))
    body = ctx.text(scope) if scope is not None else ""
    if string_value(ctx, value) == "*" or not body:
        return False
    escaped = re.escape(name)
    return bool(re.search(rf"(?:includes|indexOf|has)\(\s*{escaped}\s*\)|{escaped}\s*===|===\s*{escaped}", body))


def _header_object(ctx: TSContext, obj: Node) -> Iterator[Hit]:
    found = {k.lower(): v for k, v in pairs(ctx, obj)}
    origin = found.get("origin")
    if origin is not None and _credentials(ctx, found.get("credentials")) and _reflects(ctx, origin):
        what = "any origin" if string_value(ctx, unwrap(origin)) == "*" else "every caller's origin"
        yield ctx.hit(obj, f"CORS allows {what} together with credentials: true; list the trusted origins")
        return
    origin = found.get(_ALLOW_ORIGIN)
    credentials = _credentials(ctx, found.get(_ALLOW_CREDENTIALS))
    if origin is not None and credentials and _reflects(ctx, origin):
        if _allowlisted(ctx, origin, enclosing_function(obj)):
            return
        yield ctx.hit(obj, "Access-Control-Allow-Origin echoes any origin while allowing credentials")


def _sets_credentials(ctx: TSContext, scope: Node | None) -> bool:
    body = ctx.text(scope) if scope is not None else ctx.source.decode("utf-8", "replace")
    return bool(re.search(r"""(?i)['"]access-control-allow-credentials['"]\s*,\s*['"]?true""", body))


@ts_rule(
    id="JS-CORS-001",
    title="CORS allows any origin with credentials",
    cwe=942,
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    languages=("javascript", "typescript"),
    query="[(object) (call_expression function: (member_expression))] @node",
    why="""Assistants fix a CORS error with cors({ origin: true, credentials: true }), origin: '*', a callback
    that always says yes, or by copying the request's Origin header into Access-Control-Allow-Origin next to
    Allow-Credentials: true. Any website the victim visits can then call the API with the victim's cookies
    and read the answers: profile data, CSRF tokens, API keys.""",
    fix="""List the trusted origins: cors({ origin: ['https://app.example.com'], credentials: true }), or check
    the Origin header against an allow-list before echoing it.""",
)
def permissive_cors(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    node: Node = captures["node"][0]
    if node.type == "object":
        yield from _header_object(ctx, node)
        return
    args = ctx.arguments(node)
    if method(ctx, node) not in _SETTERS or len(args) < 2:
        return
    header = string_value(ctx, args[0])
    if header is None or header.lower() != _ALLOW_ORIGIN:
        return
    value = resolve(ctx, args[1]) or args[1]
    scope = enclosing_function(node)
    if not _reflects(ctx, value) or not _sets_credentials(ctx, scope) or _allowlisted(ctx, args[1], scope):
        return
    what = "'*'" if string_value(ctx, value) == "*" else "the request's Origin"
    yield ctx.hit(node, f"Access-Control-Allow-Origin is {what} while Allow-Credentials is true; use an allow-list")
