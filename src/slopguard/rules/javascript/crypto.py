"""JS-RAND-001 (Math.random for secrets) and JS-TIMING-001 (secrets compared with ==/===)."""

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
    function_name,
    resolve,
    speaking_name,
    string_value,
    unwrap,
)
from slopguard.rules.shared.names import (
    OTHER_TOKENS,
    SECRET_ENDINGS,
    SECRET_WORDS,
    SecretNames,
    is_password_word,
    names_secret,
    two_entries,
    words,
)
from slopguard.rules.shared.randomness import PLAY_PURPOSES, SECRET_PURPOSES

# ----- JS-RAND-001 --------------------------------------------------------------------------------------
_STRONG = SECRET_PURPOSES | {"twofa", "sid", "jti", "iv"}
_AMBIGUOUS = frozenset({"code", "session", "auth", "verify", "id", "uuid", "guid", "activation", "confirm"})
_GAME = PLAY_PURPOSES | frozenset(
    {"die", "playlist", "song", "track", "music", "deck", "maze", "retries", "length", "len", "size", "count",
     "order", "offset", "status", "avatar", "name", "greeting", "quote", "tip", "fact", "joke", "emoji",
     "boundary", "animation", "position", "x", "y", "z", "width", "height", "angle", "speed", "opacity", "chart",
     "data", "value", "values", "percent", "progress", "temp", "tmp", "shuffle", "element", "dom", "class", "css",
     "style", "key", "react", "list", "item", "items", "row", "rows", "cache", "bust", "buster", "probability",
     # ids that only have to be distinct: request tracing and page elements
     "request", "trace", "correlation", "span", "widget", "tooltip", "toast", "field", "input", "label", "anchor",
     "component", "node", "html", "svg", "canvas", "modal", "dialog", "panel", "tab", "placeholder"}
)  # fmt: skip
# A page element whose `id` is set: `tip.id = 'tip-' + Math.random().toString(36).slice(2)`.
_ELEMENT_OWNER = re.compile(
    r"(?i)(?:^|[a-z])(?:el|elem|element|node|div|span|input|button|label|svg|canvas|container|wrapper|frame|dialog|"
    r"panel|tooltip|toast|widget)$"
)
_FRONTEND = re.compile(r"""(?:from\s+|require\(\s*)['"](?:react|react-dom|vue|svelte|preact|solid-js)['"]""")
_PASS_THROUGH = frozenset(
    {"binary_expression", "call_expression", "member_expression", "arguments", "template_substitution",
     "template_string", "parenthesized_expression", "subscript_expression", "ternary_expression", "array",
     "unary_expression", "await_expression", "as_expression"}
)  # fmt: skip


def _purpose(name: str | None) -> str | None:
    """'game', 'strong' or 'ambiguous' for a name around a random value; None when it says nothing."""
    ws = words(name or "")
    if not ws or ("secret" in ws and {"number", "word", "color", "colour"} & set(ws)):
        return "game" if ws else None  # secretNumber in a guessing game
    if any(w in _STRONG or is_password_word(w) or w.endswith(("token", "secret", "password")) for w in ws):
        return "strong"
    if re.search(r"(?:api|secret|private|access|signing|session)key|sessionid", "".join(ws)):
        return "strong"
    if any(w in _GAME for w in ws):
        return "game"
    return "ambiguous" if any(w in _AMBIGUOUS or w.startswith(("uuid", "guid")) for w in ws) else None


def _bound_name(ctx: TSContext, call: Node) -> str | None:
    """The name the random value ends up under: variable, property, or the function that returns it."""
    node, parent = call, call.parent
    while parent is not None and parent.type in _PASS_THROUGH:
        node, parent = parent, parent.parent
    if parent is None:
        return None
    if parent.type == "variable_declarator":
        return ctx.text(parent.child_by_field_name("name"))
    if parent.type in ("assignment_expression", "augmented_assignment_expression"):
        left = parent.child_by_field_name("left")
        if left is not None and left.type == "member_expression" and _element_id(ctx, left):
            return "element"
        return speaking_name(ctx, left)
    if parent.type == "pair":
        return speaking_name(ctx, parent.child_by_field_name("key"))
    if parent.type == "return_statement" or (parent.type == "arrow_function" and node.type != "statement_block"):
        return function_name(ctx, parent if parent.type == "arrow_function" else enclosing_function(parent))
    return None


def _element_id(ctx: TSContext, member: Node) -> bool:
    """``tip.id`` / ``hintEl.htmlFor``: the id of a page element, which only has to be distinct."""
    owner = member.child_by_field_name("object")
    prop = ctx.text(member.child_by_field_name("property"))
    return prop in ("id", "htmlFor") and bool(_ELEMENT_OWNER.search(speaking_name(ctx, owner) or ""))


def _callback_result_name(ctx: TSContext, call: Node) -> str | None:
    """The name given to what a callback helps build: ``apiKey`` for
    ``const apiKey = Array.from({ length: 32 }, () => chars[Math.floor(Math.random() * n)]).join('')``."""
    fn = enclosing_function(call)
    for _ in range(3):
        if fn is None or function_name(ctx, fn) is not None or fn.parent is None or fn.parent.type != "arguments":
            return None
        outer = fn.parent.parent
        if outer is None:
            return None
        name = _bound_name(ctx, outer)
        if name is not None:
            return name
        fn = enclosing_function(outer)
    return None


@ts_rule(
    id="JS-RAND-001",
    title="Security value from Math.random()",
    cwe=330,
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    languages=("javascript", "typescript"),
    query="""(call_expression function: (member_expression object: (identifier) @obj
      property: (property_identifier) @prop) (#eq? @obj "Math") (#eq? @prop "random")) @call""",
    why="""Assistants build reset tokens, session ids, OTP codes, API keys and temporary passwords with
    Math.random().toString(36) or chars[Math.floor(Math.random() * n)]. V8's Math.random is xorshift128+: a few
    outputs reveal its state, so an attacker who sees one token predicts the next ones (the victim's reset link,
    the next session id).""",
    fix="""Use crypto.randomBytes(32).toString('hex'), crypto.randomUUID(), crypto.randomInt(0, 1_000_000) for
    numeric codes, or crypto.getRandomValues() in the browser.""",
)
def math_random_secret(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    call: Node = captures["call"][0]
    name = _bound_name(ctx, call) or _callback_result_name(ctx, call)
    fn = enclosing_function(call)
    fn_name = function_name(ctx, fn)
    for _ in range(3):  # a callback's purpose is its named caller's: uuidv4() { replace(..., (c) => ...) }
        if fn is None or fn_name is not None:
            break
        fn = enclosing_function(fn)
        fn_name = function_name(ctx, fn)
    verdict = _purpose(name)
    if verdict == "game" or _purpose(fn_name) == "game":
        return
    if verdict in (None, "ambiguous") and _purpose(fn_name) in ("strong", "ambiguous"):
        verdict, name = ("strong" if _purpose(fn_name) == "strong" else "ambiguous"), fn_name
    if verdict not in ("strong", "ambiguous"):
        return
    strong = verdict == "strong"
    if not strong and _FRONTEND.search(ctx.source.decode("utf-8", "replace")):
        return  # { id: Math.random() } for a list item in a React/Vue component

    yield ctx.hit(
        call,
        f"'{name}' is made with Math.random(), which is predictable; use crypto.randomBytes/randomUUID/randomInt",
        severity=Severity.HIGH if strong else Severity.MEDIUM,
        confidence=Confidence.HIGH if strong else Confidence.MEDIUM,
    )


# ----- JS-TIMING-001 ------------------------------------------------------------------------------------
# Not "digest": integrity hashes (ssri, Sec-WebSocket-Accept) are public; an HMAC's digest is caught by _HMAC.
# Codes that prove who holds them: sent by mail or SMS, printed on a device, kept for account recovery.
_CREDENTIAL_CODES = frozenset(
    {"otp", "verification", "verify", "reset", "mfa", "auth", "login", "claim", "pairing", "activation", "recovery",
     "backup", "access", "invite", "invitation", "enrollment", "enrolment", "unlock", "redeem", "magic", "device",
     "confirmation", "sms"}
)  # fmt: skip
_COMPARED = SecretNames(
    endings=SECRET_ENDINGS,
    words=SECRET_WORDS | {"sig"},
    last_words=frozenset(),
    other_tokens=OTHER_TOKENS | {"current", "expected"},
    code_qualifiers=_CREDENTIAL_CODES,
)
_HMAC = re.compile(r"createHmac\(|\bhmac\b", re.IGNORECASE)

_CONFIRMATION = re.compile(r"confirm|repeat|again|retype|^old|previous")
_SERVER = re.compile(
    r"(?:require\(\s*|from\s+)['\"](?:node:)?(?:express|koa|fastify|@hapi/hapi|crypto|jsonwebtoken|next/server"
    r"|express-session|passport|@nestjs/\w+)['\"]"
)
_CONSTANT = frozenset({"string", "number", "null", "undefined", "true", "false", "regex", "unary_expression"})


def sensitive(name: str | None) -> bool:
    """A name for a secret compared for authentication: token, signature, apiKey, password, otp code."""
    return names_secret(name, _COMPARED)


def _side_name(ctx: TSContext, node: Node) -> str | None:
    """``Bearer ${process.env.API_TOKEN}`` is named by what it interpolates."""
    node = unwrap(node)
    if node.type == "template_string":
        subs = [s for c in node.named_children if c.type == "template_substitution" for s in c.named_children[:1]]
        return next((n for s in subs if sensitive(n := speaking_name(ctx, s))), None)
    return speaking_name(ctx, node)


# A configured secret held in a module constant: WEBHOOK_KEY, FLEET_API_SECRET, ADMIN_PIN.
_SHARED_KEY = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*_(?:KEY|SECRET|TOKEN|PIN|PASSCODE)$")


def _qualified_code(ctx: TSContext, *sides: Node) -> str | None:
    """``invite.code``, ``reset.pin``: a bare code or PIN named by the record it belongs to (inviteCode)."""
    for side in sides:
        node = unwrap(side)
        if node.type != "member_expression":
            continue
        prop = ctx.text(node.child_by_field_name("property"))
        owner = speaking_name(ctx, node.child_by_field_name("object"))
        if prop.lower() in ("code", "pin") and owner and sensitive(f"{owner}_{prop}"):
            return f"{owner}.{prop}"
    return None


def _constant(ctx: TSContext, node: Node) -> bool:
    node = unwrap(node)
    return node.type in _CONSTANT or string_value(ctx, node) is not None or ctx.compact(node).endswith(".length")


@ts_rule(
    id="JS-TIMING-001",
    title="Secret compared with ==/=== (timing leak)",
    cwe=208,
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    languages=("javascript", "typescript"),
    # The sides are read from the node: a pattern that captures them keeps a match open across the whole left
    # operand, which makes tree-sitter quadratic on a long chain `a + b + c + ...`.
    query="(binary_expression) @cmp",
    why="""Assistants check a webhook signature, an API key or a reset token with if (signature === expected).
    String comparison stops at the first differing character, so the response time tells an attacker how much
    of their guess is right and they recover the secret byte by byte.""",
    fix="""Compare with crypto.timingSafeEqual(Buffer.from(a), Buffer.from(b)) after checking the lengths match,
    and compare passwords only through bcrypt.compare/argon2.verify.""",
)
def timing_compare(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    cmp: Node = captures["cmp"][0]
    operator = cmp.child_by_field_name("operator")
    if operator is None or operator.type not in ("==", "===", "!=", "!=="):
        return
    left, right = cmp.child_by_field_name("left"), cmp.child_by_field_name("right")
    if left is None or right is None:
        return
    if _constant(ctx, left) or _constant(ctx, right) or unwrap(left).type in FUNCTIONS:
        return
    names = [_side_name(ctx, left), _side_name(ctx, right)]
    hit = next((n for n in names if sensitive(n)), None) or _qualified_code(ctx, left, right)
    if hit is None and _SHARED_KEY.match(ctx.text(unwrap(right)) or "") and ctx.flow(left).tainted:
        hit = ctx.text(unwrap(right))  # key == METER_KEY: a request value checked against a configured key
    elif hit is None and _SHARED_KEY.match(ctx.text(unwrap(left)) or "") and ctx.flow(right).tainted:
        hit = ctx.text(unwrap(left))
    if hit is None:
        values = [resolve(ctx, side) for side in (left, right)]
        hit = next((n for n, v in zip(names, values, strict=True) if v is not None and _HMAC.search(ctx.text(v))), None)
    if hit is None or any(_CONFIRMATION.search((n or "").lower()) for n in names):
        return  # password === confirmPassword checks a form, not a secret
    flows = [ctx.flow(left), ctx.flow(right)]
    if two_entries(*names) and (
        all(unwrap(s).type == "identifier" for s in (left, right)) or all(f.tainted for f in flows)
    ):
        return  # password !== cpassword: two entries of one form, neither is the stored secret
    tainted = any(f.tainted for f in flows)
    if words(hit) == ["token"] and not (tainted or _SERVER.search(ctx.source.decode("utf-8", "replace"))):
        return  # a bare 'token' in browser or library code: lexer tokens, postMessage and cancel tokens
    yield ctx.hit(
        cmp,
        f"'{hit}' is compared with {operator.type}, which leaks timing; use crypto.timingSafeEqual",
        confidence=Confidence.HIGH if tainted else None,
    )
