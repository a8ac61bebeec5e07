"""JS-SECRET-001: secrets hard-coded under a secret-sounding name (known token formats are SEC-TOKEN-001's).

The judgement of names and values is shared with PY-SECRET-001 (``rules.shared.secrets``: ``secret_kind`` and
``grade_secret``); this module only finds where JavaScript binds a literal to a name.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.core.secrets import find_tokens
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.javascript.common import method, receiver, speaking_name, string_value, unwrap
from slopguard.rules.shared.names import words
from slopguard.rules.shared.secrets import env_helper, grade_secret, secret_kind, secret_noun, url_message, url_password

_ENV = re.compile(r"^process\.env(?:\.([A-Za-z_]\w*)|\[['\"]([^'\"]+)['\"]\])$")
_IDENTIFIER = re.compile(r"[a-z]+(?:[A-Z][a-z]+)+|[a-z]+(?:\.[a-z]+[A-Za-z]*)+")
# Names of UI text and arguments about a secret, beyond the ones secret_kind already knows.
_LABELS = frozenset({"prompt", "question", "input", "selector", "query", "description", "tooltip", "caption",
                     "heading", "warning", "notice", "instructions", "flag", "option", "arg", "cmd", "command",
                     "text", "label", "placeholder", "message", "msg", "title", "hint", "error"})  # fmt: skip
_FETCH_MODES = frozenset({"include", "omit", "same-origin"})  # fetch's `credentials` option
_JWT_KEY_CALLS = frozenset({"sign", "verify"})
_JWT_RECEIVERS = frozenset({"jwt", "jsonwebtoken", "JWT"})


def _literal(ctx: TSContext, node: Node | None) -> str | None:
    return string_value(ctx, unwrap(node)) if node is not None else None


def _check(ctx: TSContext, name: str | None, value: Node | None, at: Node, how: str) -> Iterator[Hit]:
    text = _literal(ctx, value)
    if not name or text is None or value is None:
        return
    if find_tokens(text) or find_tokens(ctx.text(value)):
        return  # a known token format is reported by SEC-TOKEN-001, with its kind
    kind = secret_kind(name)
    if kind is None or set(words(name)) & _LABELS:
        password = url_password(text)
        if password is not None:
            yield ctx.hit(at, url_message(how, name), confidence=Confidence.HIGH, secrets=(password,))
        return
    if kind != "own" and (_IDENTIFIER.fullmatch(text) or text in _FETCH_MODES):
        return  # { allPass: 'overEvery' }: a name mapped to another name
    confidence = grade_secret(kind, name, text, name.isupper())
    if confidence is None:
        return
    what = secret_noun(kind)
    yield ctx.hit(
        at,
        f"hard-coded {what} {how} '{name}'; read it from process.env or a secret store at run time",
        confidence=confidence,
        secrets=tuple(s for s in (text, ctx.text(unwrap(value))[1:-1]) if s),
    )


def _target_name(ctx: TSContext, target: Node | None) -> str | None:
    if target is None:
        return None
    match = _ENV.match(ctx.compact(target))
    if match:
        return match.group(1) or match.group(2)
    return speaking_name(ctx, target)


def _parameters(ctx: TSContext, params: Node) -> Iterator[Hit]:
    for param in params.named_children:
        left = param.child_by_field_name("left") or param.child_by_field_name("pattern")
        right = param.child_by_field_name("right") or param.child_by_field_name("value")
        if left is not None and left.type == "identifier" and right is not None:
            yield from _check(ctx, ctx.text(left), right, right, "as the default of")


_ENV_OBJECTS = frozenset({"process.env", "import.meta.env", "Deno.env.toObject()", "Bun.env"})


def _destructured(ctx: TSContext, pattern: Node, value: Node | None) -> Iterator[Hit]:
    """``const { JWT_SECRET = ".." } = process.env``: a literal default of a variable read from the environment."""
    if value is None or ctx.compact(unwrap(value)) not in _ENV_OBJECTS:
        return
    for part in pattern.named_children:
        if part.type == "object_assignment_pattern":  # { NAME = ".." }
            name, default = part.child_by_field_name("left"), part.child_by_field_name("right")
        elif part.type == "pair_pattern" and (inner := part.child_by_field_name("value")) is not None:
            name = part.child_by_field_name("key")  # { NAME: local = ".." }
            default = inner.child_by_field_name("right") if inner.type == "assignment_pattern" else None
        else:
            continue
        if name is not None and default is not None:
            yield from _check(ctx, ctx.text(name), default, part, "used as the fallback for")


def _binary(ctx: TSContext, node: Node) -> Iterator[Hit]:
    operator = node.child_by_field_name("operator")
    op = operator.type if operator is not None else ""
    left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
    if left is None or right is None:
        return
    if op in ("||", "??"):
        match = _ENV.match(ctx.compact(left))
        if match:
            yield from _check(ctx, match.group(1) or match.group(2), right, node, "used as the fallback for")
    elif op in ("==", "===", "!=", "!=="):
        if _literal(ctx, left) is not None:
            left, right = right, left
        name = speaking_name(ctx, left)
        if name is not None and secret_kind(name) in ("password", "own", "key"):
            yield from _check(ctx, name, right, node, "compared with")


_KEY_LIST_CALLS = frozenset({"cookieSession", "session"})


def _signing_keys(ctx: TSContext, node: Node) -> bool:
    """``keys`` that sign cookies: cookie-session's ``{ keys: [...] }`` and Koa's ``app.keys = [...]``."""
    if node.type == "assignment_expression":
        return ctx.compact(node.child_by_field_name("left")) in ("app.keys", "koa.keys")
    holder = node.parent  # pair -> object -> arguments -> call
    call = holder.parent.parent if holder is not None and holder.parent is not None else None
    if call is None or call.type not in ("call_expression", "new_expression"):
        return False
    callee = call.child_by_field_name("function") or call.child_by_field_name("constructor")
    return ctx.text(callee) in _KEY_LIST_CALLS


def _key_list(ctx: TSContext, value: Node | None, at: Node) -> Iterator[Hit]:
    """Each literal of a signing-key list, judged as a session secret."""
    if value is None or unwrap(value).type != "array":
        return
    for item in unwrap(value).named_children:
        found = next(_check(ctx, "cookie_secret", item, at, "listed in 'keys' as a"), None)
        if found is not None:
            yield found
            return  # one finding per list


@ts_rule(
    id="JS-SECRET-001",
    title="Hard-coded secret",
    cwe=798,
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    languages=("javascript", "typescript"),
    query="""[(variable_declarator) (assignment_expression) (pair) (class_body) (formal_parameters)
      (binary_expression) (call_expression)] @node""",
    why="""Assistants make examples run by pasting the key into the code: const JWT_SECRET = 'supersecret',
    session({ secret: 'keyboard cat' }), a database password in the connection options, or
    process.env.API_KEY || 'sk-...'. The file is committed and shipped; whoever reads the repository, the npm
    package or the browser bundle gets the credential, forges sessions and tokens, or spends the API quota.""",
    fix="""Read secrets at run time from process.env (fail at start-up when one is missing, no literal fallback),
    a .env file kept out of version control, or a secret manager; rotate anything that was committed.""",
)
def hardcoded_secret(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    node: Node = captures["node"][0]
    kind = node.type
    if kind == "variable_declarator":
        target = node.child_by_field_name("name")
        if target is not None and target.type == "identifier":
            yield from _check(ctx, ctx.text(target), node.child_by_field_name("value"), node, "assigned to")
        elif target is not None and target.type == "object_pattern":
            yield from _destructured(ctx, target, node.child_by_field_name("value"))
    elif kind == "class_body":
        # field_definition (JavaScript), public_field_definition (TypeScript)
        for field in node.named_children:
            target = field.child_by_field_name("property") or field.child_by_field_name("name")
            if field.type.endswith("field_definition") and target is not None:
                name = ctx.text(target).lstrip("#")
                yield from _check(ctx, name, field.child_by_field_name("value"), field, "assigned to")
    elif kind == "assignment_expression":
        left = node.child_by_field_name("left")
        if _signing_keys(ctx, node):
            yield from _key_list(ctx, node.child_by_field_name("right"), node)
            return
        yield from _check(ctx, _target_name(ctx, left), node.child_by_field_name("right"), node, "assigned to")
    elif kind == "pair":
        key = node.child_by_field_name("key")
        label = _literal(ctx, key) if key is not None and key.type == "string" else ctx.text(key)
        if label == "keys" and _signing_keys(ctx, node):
            yield from _key_list(ctx, node.child_by_field_name("value"), node)
            return
        yield from _check(ctx, label, node.child_by_field_name("value"), node, "stored under")
    elif kind == "formal_parameters":
        yield from _parameters(ctx, node)
    elif kind == "binary_expression":
        yield from _binary(ctx, node)
    elif env_helper(ctx.compact(node.child_by_field_name("function"))):
        args = ctx.arguments(node)  # getEnv("JWT_SECRET", "..")
        if len(args) >= 2 and _literal(ctx, args[0]) is not None:
            yield from _check(ctx, _literal(ctx, args[0]), args[-1], node, "used as the fallback for")
    elif method(ctx, node) in _JWT_KEY_CALLS and ctx.text(receiver(node)) in _JWT_RECEIVERS:
        args = ctx.arguments(node)
        if len(args) > 1:
            yield from _check(ctx, "jwt_secret", args[1], args[1], "passed as")
