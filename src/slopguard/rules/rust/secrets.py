"""RUST-SECRET-001: secrets hard-coded under a secret-sounding name, or as a JWT or HMAC key (known token formats
and PEM blocks are SEC-TOKEN-001's). Names and values are judged by ``rules.shared.secrets``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.rust.common import bound_name, method, path_name, receiver, string_value, unwrap
from slopguard.rules.rust.web import in_tests
from slopguard.rules.shared.secrets import compared_secret, env_helper, env_read, fallback_name, literal_secret

_OWNED = frozenset({"to_string", "to_owned", "into", "as_bytes", "to_vec", "as_ref"})
_KEY_CALLS = re.compile(r"(?:^|::)(?:from_secret|new_from_slice|new_varkey|from_base64_secret|HS256Key::from_bytes)$")
_TEST = re.compile(r"(?:^|/)(?:tests?|benches|examples)/|_test\.rs$")
_DEFAULTS = frozenset({"unwrap_or", "unwrap_or_else", "or", "or_else"})


def _literal(ctx: TSContext, node: Node | None) -> str | None:
    """A string or byte-string literal, also as ``"..".to_string()``, ``String::from("..")``, ``"..".into()``."""
    if node is None:
        return None
    node = unwrap(node)
    if node.type == "closure_expression":  # unwrap_or_else(|_| "..".into())
        return _literal(ctx, node.child_by_field_name("body"))
    if node.type == "call_expression":
        inner = receiver(node)
        if inner is not None and method(ctx, node) in _OWNED and not ctx.arguments(node):
            return _literal(ctx, inner)
        args = ctx.arguments(node)
        if path_name(ctx, node).endswith("String::from") and len(args) == 1:
            return _literal(ctx, args[0])
        return None
    return string_value(ctx, node)


def _check(ctx: TSContext, name: str, value: Node | None, at: Node, how: str, constant: bool) -> Iterator[Hit]:
    yield from literal_secret(ctx, name, _literal(ctx, value), value, at, how, constant)


@ts_rule(
    id="RUST-SECRET-001",
    title="Hard-coded secret",
    cwe=798,
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    languages=("rust",),
    query="""[(const_item) (static_item) (let_declaration) (field_initializer) (assignment_expression)
      (binary_expression) (call_expression)] @node""",
    why="""Assistants make examples run by pasting the key into the code: const JWT_SECRET: &[u8] = b"secret",
    EncodingKey::from_secret(b"my-key"), a database password in a config struct. The source is committed and
    the literal ships in the binary (strings(1) finds it); whoever reads either forges tokens and signatures or
    logs in to the database.""",
    fix="""Read secrets at start-up from the environment (std::env::var, failing when unset) or a secret manager,
    keep them out of version control, and rotate any that were committed.""",
)
def rust_hardcoded_secret(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    node: Node = captures["node"][0]
    if _TEST.search(ctx.path.replace("\\", "/")) or in_tests(ctx, node):
        return
    kind = node.type
    if kind in ("const_item", "static_item"):
        yield from _check(ctx, ctx.text(node.child_by_field_name("name")), node.child_by_field_name("value"), node,
                          "assigned to", True)  # fmt: skip
    elif kind == "let_declaration":
        pattern = node.child_by_field_name("pattern")
        if pattern is not None:
            yield from _check(ctx, bound_name(ctx, pattern), node.child_by_field_name("value"), node, "assigned to",
                              False)  # fmt: skip
    elif kind == "field_initializer":
        yield from _check(ctx, ctx.text(node.child_by_field_name("field")), node.child_by_field_name("value"), node,
                          "stored under", False)  # fmt: skip
    elif kind == "assignment_expression":
        target = ctx.text(node.child_by_field_name("left")).rsplit(".", 1)[-1]
        yield from _check(ctx, target, node.child_by_field_name("right"), node, "assigned to", False)
    elif kind == "binary_expression":
        operator = node.child_by_field_name("operator")
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        if operator is not None and operator.type in ("==", "!=") and left is not None and right is not None:
            yield from compared_secret(ctx, node, left, right, _literal)
    elif method(ctx, node) in _DEFAULTS or env_helper(path_name(ctx, node)):
        yield from _fallback(ctx, node)
    elif _KEY_CALLS.search(path_name(ctx, node)):
        args = ctx.arguments(node)
        if args:
            yield from _check(ctx, "signing_key", args[-1], args[-1], "passed as", False)


def _declared(ctx: TSContext, node: Node) -> str | None:
    """The name a call's result is bound to: ``let key = ..``, ``Config { key: .. }``."""
    parent = node.parent
    while parent is not None and parent.type in ("call_expression", "field_expression", "try_expression",
                                                  "reference_expression", "arguments"):  # fmt: skip
        parent = parent.parent
    pattern = parent.child_by_field_name("pattern") if parent is not None else None
    if parent is not None and parent.type == "let_declaration" and pattern is not None:
        return bound_name(ctx, pattern)
    if parent is not None and parent.type == "field_initializer":
        return ctx.text(parent.child_by_field_name("field"))
    if parent is not None and parent.type in ("const_item", "static_item"):
        return ctx.text(parent.child_by_field_name("name"))
    return None


def _fallback(ctx: TSContext, call: Node) -> Iterator[Hit]:
    """A literal default of an environment read: ``env::var("K").unwrap_or("..".into())``,
    ``option_env!("K").unwrap_or("..")``, ``get_env("K", "..")``."""
    args = ctx.arguments(call)
    inner = receiver(call)
    if inner is not None and args:
        variable = env_read(ctx.text(inner))
        value = args[-1]
    elif len(args) >= 2:
        variable, value = string_value(ctx, args[0]), args[-1]
    else:
        return
    name = fallback_name(variable, _declared(ctx, call)) if variable is not None else None
    if name is not None:
        yield from _check(ctx, name, value, call, "used as the fallback for", False)
