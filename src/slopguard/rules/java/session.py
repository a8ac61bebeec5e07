"""Session and cookie handling: request data trusted as session state (JAVA-TRUST-001), cookies sent without
the Secure flag (JAVA-COOKIE-001) and session cookies readable from scripts (JAVA-COOKIE-002)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.java.common import (
    called_method,
    calls,
    constant,
    declared_type,
    method,
    method_of,
    receiver,
    value_of,
)
from slopguard.rules.shared.trees import walk

_SESSION = re.compile(r"(?:^|\.)getSession\((?:true|false)?\)$|(?i:session)$")
_COOKIE_TYPES = frozenset({"Cookie", "ResponseCookie"})
_NUMERIC_GETTER = re.compile(r"^get(?:Long|Int|Short|Byte|Double|Float|Boolean|BigDecimal|Timestamp|Date)$")
_TEXT_TYPES = frozenset({"String", "CharSequence", "Object", "var", "String[]", "Object[]", "StringBuilder"})
# Objects whose methods look up or create server-side records (by naming convention; Spring beans mostly).
_SERVICE_TYPE = re.compile(r"(?:Service|Repository|Repo|Dao|DAO|Manager|Store|Directory|Registry)$")
_UNWRAP = frozenset({"orElseThrow", "orElse", "orElseGet", "get", "getBody"})  # Optional / ResponseEntity
_DATA_ACCESS = re.compile(r"(?:Template|Operations|EntityManager|JdbcClient|DirContext)$")
_ELEMENT = frozenset({"get", "getFirst", "getLast", "iterator", "next"})  # one element of a list
_TEXT_METHOD = re.compile(r"^(?:to[A-Z]|format|normali[sz]e|escape|encode|decode|trim|strip|sanitize|clean)")
# Token checks that verify a signature before handing back claims (auth0 JWTVerifier.verify, jjwt's
# parseClaimsJws / parseSignedClaims, Google's verifyIdToken); JWT.decode(..) verifies nothing and is not here.
_VERIFIES = frozenset({"verify", "parseClaimsJws", "parseSignedClaims", "verifyIdToken", "verifySignature"})


def _is_session(obj: Node | None, ctx: TSContext) -> bool:
    if obj is None:
        return False
    if declared_type(obj, ctx) == "HttpSession":
        return True
    return bool(_SESSION.search(ctx.compact(obj)))


def _service_result(value: Node, ctx: TSContext) -> bool:
    """A call that returns what the server looked up or created: a method of a repository or service
    (``users.upsertSso(sub, email)``, ``accounts.findByEmail(e).orElseThrow()``) or a helper of this class
    declared to return a domain type, never a text transform of the argument."""
    while method(value, ctx) in _UNWRAP and (inner := receiver(value)) is not None and inner.type == value.type:
        value = inner
    if _TEXT_METHOD.match(method(value, ctx)):
        return False
    helper = called_method(value, ctx)
    if helper is not None:
        returns = ctx.compact(helper.child_by_field_name("type")).split("<")[0]
        return returns not in _TEXT_TYPES and returns != "void"
    return bool(_SERVICE_TYPE.search(declared_type(receiver(value), ctx)))


def _element_of_lookup(node: Node, ctx: TSContext) -> bool:
    """``dns.get(0)`` / ``rows.getFirst()`` / ``names[0]`` of a local list filled by a service, repository or
    directory lookup (``List<String> dns = lookupStaff(name)``): a record the server found, not request text."""
    if node.type == "method_invocation" and method(node, ctx) in _ELEMENT:
        holder = receiver(node)
    elif node.type == "array_access":
        holder = node.child_by_field_name("array")
    else:
        return False
    if holder is None or holder.type != "identifier":
        return False
    found = value_of(holder, ctx)
    return found.id != holder.id and found.type == "method_invocation" and _looked_up(found, ctx, 0)


def _looked_up(call: Node, ctx: TSContext, depth: int) -> bool:
    """A call on a repository, service, directory or data-access template (``ldap.search(..)``,
    ``jdbc.queryForList(..)``), or a helper of this class that returns one."""
    kind = declared_type(receiver(call), ctx)
    if _SERVICE_TYPE.search(kind) or _DATA_ACCESS.search(kind):
        return True
    helper = called_method(call, ctx)
    if helper is None or depth > 1:
        return False
    returned = [r.named_children[0] for r in walk(helper) if r.type == "return_statement" and r.named_children]
    return bool(returned) and all(r.type == "method_invocation" and _looked_up(r, ctx, depth + 1) for r in returned)


def _verified_claim(node: Node, ctx: TSContext) -> bool:
    """``verified.getSubject()`` where ``verified`` came from a signature check (``verifier.verify(token)``): a
    claim the token's issuer vouched for, not text the client chose."""
    current: Node | None = node
    for _ in range(8):
        if current is None:
            return False
        current = value_of(current, ctx)
        if current.type != "method_invocation":
            return False
        if method(current, ctx) in _VERIFIES:
            return True
        current = receiver(current)
    return False


def _server_object(node: Node, ctx: TSContext) -> bool:
    """A variable of a domain type (``User user = users.authenticate(name, password)``), a repository or service
    call's result, or a number or row read back from the database: what the server built or looked up, not the
    request's text itself."""
    value = value_of(node, ctx)
    if value.type == "method_invocation" and (
        _NUMERIC_GETTER.match(method(value, ctx)) or declared_type(receiver(value), ctx) == "ResultSet"
    ):
        return True  # rs.getLong("id"), a row the server read back
    if node.type == "method_invocation" and _service_result(node, ctx):
        return True
    if _element_of_lookup(node, ctx) or _verified_claim(node, ctx):
        return True
    if node.type != "identifier":
        return False
    kind = declared_type(node, ctx)
    return bool(kind) and kind not in _TEXT_TYPES


@ts_rule(
    id="JAVA-TRUST-001",
    title="Request data stored in the session",
    cwe=501,
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    languages=("java",),
    query=calls("^(setAttribute|putValue)$"),
    why="""Assistants copy request parameters straight into the session (session.setAttribute("role",
    request.getParameter("role")), or the attribute name itself from the request). Code elsewhere treats session
    attributes as values the server decided, such as the logged-in user, a role, a verified e-mail, so whatever
    the client sent once is trusted on every later request.""",
    fix="""Store only values the server derived or verified (the authenticated user's id from the database, a role
    looked up server-side); validate or map request values onto a fixed set before they enter the session, and
    keep attribute names constant.""",
)
def java_trust_boundary(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    call: Node = captures["call"][0]
    args = ctx.arguments(call)
    if len(args) != 2 or not _is_session(receiver(call), ctx):
        return
    for arg, what in ((args[0], "name"), (args[1], "value")):
        flow = None if _server_object(arg, ctx) else ctx.tainted(arg)
        if flow is not None:
            yield ctx.hit(
                call,
                f"session attribute {what} comes from the request ({flow.origin}); the session now trusts client input",
            )
            return


def _cookie(obj: Node | None, ctx: TSContext) -> bool:
    return obj is not None and declared_type(obj, ctx) in _COOKIE_TYPES


def _sets(cookie: Node, setter: str, ctx: TSContext) -> bool:
    """``cookie.<setter>(..)`` somewhere in the same method (``false`` is reported where it is written)."""
    func = method_of(cookie)
    name = ctx.text(cookie)
    return any(
        node.type == "method_invocation" and method(node, ctx) == setter and ctx.text(receiver(node)) == name
        for node in (walk(func) if func is not None else ())
    )


@ts_rule(
    id="JAVA-COOKIE-001",
    title="Cookie sent without the Secure flag",
    cwe=614,
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    languages=("java",),
    query=calls("^(setSecure|addCookie)$"),
    why="""Assistants create remember-me and session cookies with new Cookie(name, value) and response.addCookie,
    often with cookie.setSecure(false) copied from a local-development snippet. Without the Secure flag the browser
    also sends the cookie over plain HTTP, where anyone on the network path (public Wi-Fi, a proxy) reads it and
    takes over the session.""",
    fix="""Call cookie.setSecure(true) (and setHttpOnly(true)) on every cookie that identifies or authenticates
    the user, or configure server.servlet.session.cookie.secure=true / ResponseCookie.from(..).secure(true).""",
)
def java_insecure_cookie(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    call: Node = captures["call"][0]
    args = ctx.arguments(call)
    if len(args) != 1:
        return
    name = method(call, ctx)
    if name == "setSecure" and _cookie(receiver(call), ctx) and ctx.text(args[0]) == "false":
        yield ctx.hit(call, "cookie explicitly marked not Secure: it is also sent over plain HTTP")
    elif (
        name == "addCookie"
        and args[0].type == "identifier"
        and _cookie(args[0], ctx)
        and not _sets(args[0], "setSecure", ctx)
    ):
        yield ctx.hit(call, f"cookie '{ctx.text(args[0])}' is added without setSecure(true)")


_SESSION_COOKIE = re.compile(r"(?i)sess|auth|token|jwt|remember|^sid$|login|credential|identity")
_SCRIPT_COOKIE = re.compile(r"(?i)csrf|xsrf|theme|lang|locale|consent|pref")
_SESSION_VALUE = re.compile(r"(?i)sess|token|jwt|^sid$")


def _cookie_name(cookie: Node, ctx: TSContext) -> str:
    """The name a ``new Cookie("SESSION", token)`` is created with, or the variable's name."""
    value = value_of(cookie, ctx)
    if value.type == "object_creation_expression":
        args = ctx.arguments(value)
        name = constant(args[0], ctx) if args else None
        if name is not None:
            return name
    return ctx.text(cookie)


def _session_cookie(cookie: Node, ctx: TSContext) -> str | None:
    """The cookie's name when it carries a session: named so (``SESSION``, ``remember_me``) or created with a
    session value (``new Cookie("NG_MEMBER", token)``, ``sessionId``); not CSRF, theme or consent cookies."""
    name = _cookie_name(cookie, ctx)
    created = value_of(cookie, ctx)
    args = ctx.arguments(created) if created.type == "object_creation_expression" else []
    content = ctx.text(args[1]) if len(args) == 2 and constant(args[1], ctx) is None else ""
    if _SCRIPT_COOKIE.search(name) or _SCRIPT_COOKIE.search(content):
        return None
    return name if _SESSION_COOKIE.search(name) or _SESSION_VALUE.search(content) else None


@ts_rule(
    id="JAVA-COOKIE-002",
    title="Session cookie readable from JavaScript (HttpOnly missing)",
    cwe=1004,
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    languages=("java",),
    query=calls("^(setHttpOnly|addCookie)$"),
    why="""Assistants set session, JWT and remember-me cookies with new Cookie("SESSION", token) and
    response.addCookie(cookie), remembering Secure but not HttpOnly (or writing setHttpOnly(false) so a front end
    can read the token). Any XSS on the site, or a compromised third-party script, then reads document.cookie and
    sends the session to the attacker.""",
    fix="""Call cookie.setHttpOnly(true) on every cookie that authenticates the user (or use
    ResponseCookie.from(..).httpOnly(true).secure(true).sameSite("Lax")); keep tokens a script must read out of
    cookies that grant a session.""",
)
def java_cookie_http_only(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    call: Node = captures["call"][0]
    args = ctx.arguments(call)
    if len(args) != 1:
        return
    name = method(call, ctx)
    obj = receiver(call)
    if name == "setHttpOnly":
        if obj is not None and _cookie(obj, ctx) and ctx.text(args[0]) == "false":
            cookie = _session_cookie(obj, ctx)
            if cookie is not None:
                yield ctx.hit(call, f"cookie '{cookie}' explicitly readable from scripts (HttpOnly off)")
        return
    if args[0].type != "identifier" or not _cookie(args[0], ctx) or _sets(args[0], "setHttpOnly", ctx):
        return
    cookie = _session_cookie(args[0], ctx)
    if cookie is not None:
        yield ctx.hit(call, f"session cookie '{cookie}' is added without setHttpOnly(true); XSS can steal it")
