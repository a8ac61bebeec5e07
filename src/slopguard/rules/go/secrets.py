"""GO-SECRET-001: secrets hard-coded under a secret-sounding name, or as an HMAC or JWT key (known token formats
and PEM blocks are SEC-TOKEN-001's). Names and values are judged by ``rules.shared.secrets``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.go.common import is_test, string_value, unwrap
from slopguard.rules.shared.secrets import compared_secret, env_helper, env_read, fallback_name, literal_secret

_KEY_CALLS = {"hmac.New": ("hmac_key", 1), "SignedString": ("jwt_secret", 0), "NewCipher": ("encryption_key", 0)}
_DECLARING = frozenset({"var_spec", "const_spec", "short_var_declaration", "assignment_statement", "keyed_element"})
_DEFAULT_SETTERS = ("SetDefault",)  # viper.SetDefault("jwt.secret", "..")


def _literal(ctx: TSContext, node: Node | None) -> str | None:
    """A string literal, also as ``[]byte("...")``."""
    if node is None:
        return None
    node = unwrap(node)
    if node.type in ("call_expression", "type_conversion_expression"):
        callee = node.child_by_field_name("function") or node.child_by_field_name("type")
        args = ctx.arguments(node) if node.type == "call_expression" else node.named_children[1:]
        if ctx.compact(callee) in ("[]byte", "string") and len(args) == 1:
            return string_value(ctx, args[0])
        return None
    return string_value(ctx, node)


def _check(ctx: TSContext, name: str, value: Node | None, at: Node, how: str, constant: bool) -> Iterator[Hit]:
    yield from literal_secret(ctx, name, _literal(ctx, value), value, at, how, constant)


def _pairs(ctx: TSContext, node: Node) -> list[tuple[str, Node]]:
    left = node.child_by_field_name("left") or node.child_by_field_name("name")
    right = node.child_by_field_name("right") or node.child_by_field_name("value")
    if left is None or right is None:
        return []
    lefts = left.named_children if left.type == "expression_list" else [left]
    rights = right.named_children if right.type == "expression_list" else [right]
    if node.type == "var_spec":
        lefts = [c for c in node.children_by_field_name("name")]
    if len(lefts) != len(rights):
        return []
    return [(ctx.text(t).rsplit(".", 1)[-1], v) for t, v in zip(lefts, rights, strict=True)]


@ts_rule(
    id="GO-SECRET-001",
    title="Hard-coded secret",
    cwe=798,
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    languages=("go",),
    query="""[(const_spec) (var_spec) (short_var_declaration) (assignment_statement) (keyed_element)
      (binary_expression) (call_expression)] @node""",
    why="""Assistants make examples run by pasting the key into the code: var jwtSecret = []byte("supersecret"),
    hmac.New(sha256.New, []byte("webhook-key")), a database password in a const or in the DSN struct. The
    source is committed, vendored and shipped in the binary (strings(1) finds it); whoever reads either forges
    tokens and signatures or logs in to the database.""",
    fix="""Read secrets at start-up from the environment (os.Getenv, failing when empty) or a secret manager,
    keep them out of version control, and rotate any that were committed.""",
)
def go_hardcoded_secret(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    node: Node = captures["node"][0]
    if is_test(ctx):
        return
    kind = node.type
    if kind in ("const_spec", "var_spec", "short_var_declaration", "assignment_statement"):
        for name, value in _pairs(ctx, node):
            yield from _check(ctx, name, value, node, "assigned to", kind == "const_spec")
    elif kind == "keyed_element" and len(node.named_children) == 2:
        key, value = node.named_children
        label = string_value(ctx, key) or ctx.text(unwrap(key))
        yield from _check(ctx, label, value, node, "stored under", False)
    elif kind == "binary_expression" and ctx.text(node.child_by_field_name("operator")) in ("==", "!="):
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        if left is not None and right is not None:
            yield from compared_secret(ctx, node, left, right, _literal)
    elif kind == "call_expression":
        callee = ctx.compact(node.child_by_field_name("function"))
        yield from _fallback(ctx, node, callee)
        for suffix, (label, index) in _KEY_CALLS.items():
            args = ctx.arguments(node)
            if (callee == suffix or callee.endswith("." + suffix)) and len(args) > index:
                yield from _check(ctx, label, args[index], args[index], "passed as", False)


def _declared(ctx: TSContext, node: Node) -> str | None:
    """The name a call's result is stored under: ``key := ..``, ``var key = []byte(..)``, ``Key: ..``."""
    parent = node.parent
    for _ in range(4):
        if parent is None or parent.type == "block":
            return None
        if parent.type in _DECLARING:
            pairs = _pairs(ctx, parent) if parent.type != "keyed_element" else []
            if parent.type == "keyed_element" and parent.named_children:
                key = parent.named_children[0]
                return string_value(ctx, key) or ctx.text(unwrap(key))
            return pairs[0][0] if len(pairs) == 1 else None
        parent = parent.parent
    return None


def _fallback(ctx: TSContext, call: Node, callee: str) -> Iterator[Hit]:
    """A literal default of an environment read: ``cmp.Or(os.Getenv("K"), "..")``, ``getEnv("K", "..")``,
    ``viper.SetDefault("jwt.secret", "..")``."""
    args = ctx.arguments(call)
    if len(args) < 2:
        return
    if callee == "cmp.Or":
        variable = next((v for v in (env_read(ctx.text(a)) for a in args[:-1]) if v), None)
        if variable is not None:
            name = fallback_name(variable, _declared(ctx, call))
            if name is not None:
                yield from _check(ctx, name, args[-1], call, "used as the fallback for", False)
    elif env_helper(callee) or callee.endswith(_DEFAULT_SETTERS):
        variable = string_value(ctx, args[0])
        name = fallback_name(variable, _declared(ctx, call))
        if variable is not None and name is not None:
            yield from _check(ctx, name, args[-1], call, "used as the fallback for", False)
