"""GO-TIMING-001: tokens, signatures, API keys and password hashes compared with ==, != or bytes.Equal."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.go.common import (
    bound_values,
    function_of,
    imports,
    is_test,
    package_call,
    string_value,
    unwrap,
)
from slopguard.rules.go.web import request_flow
from slopguard.rules.shared.compare import CONFIRMATION, compared_credential_hash, compared_secret
from slopguard.rules.shared.names import words
from slopguard.rules.shared.trees import walk

_LITERALS = frozenset({"interpreted_string_literal", "raw_string_literal", "int_literal", "nil", "true", "false",
                       "rune_literal", "float_literal"})  # fmt: skip
_LOOKUPS = frozenset({"Get", "GetHeader", "Query", "PostForm", "FormValue", "Param", "QueryParam", "Cookie"})
_MAC = re.compile(r"\bhmac\.|\b\w*mac\.Sum\(", re.IGNORECASE)
_HASH_PACKAGES = frozenset({"crypto/sha256", "crypto/sha512", "crypto/sha1", "crypto/md5", "golang.org/x/crypto/sha3",
                            "golang.org/x/crypto/blake2b", "golang.org/x/crypto/blake2s", "crypto/sha3"})  # fmt: skip
_ENCODERS = frozenset({"EncodeToString", "Sprintf", "Sprint", "string"})
_WEB = re.compile(r"net/http|gin-gonic|labstack/echo|gofiber|go-chi|gorilla|golang-jwt|crypto/hmac")


def _name(ctx: TSContext, node: Node) -> str | None:
    """What a compared side is called: a variable, a field, a function, or the header/parameter it was read from."""
    node = unwrap(node)
    if node.type == "call_expression":
        callee = node.child_by_field_name("function")
        if callee is not None and ctx.text(callee) in ("string", "[]byte"):
            args = ctx.arguments(node)
            return _name(ctx, args[0]) if args else None
        field = (
            callee.child_by_field_name("field")
            if callee is not None and callee.type == "selector_expression"
            else callee
        )
        args = ctx.arguments(node)
        if ctx.text(field) in _LOOKUPS and args and string_value(ctx, args[0]) is not None:
            return string_value(ctx, args[0])
        return ctx.text(field) or None
    if node.type == "selector_expression":
        return ctx.text(node.child_by_field_name("field"))
    if node.type == "index_expression":
        key = string_value(ctx, node.child_by_field_name("index"))
        return key if key is not None else _name(ctx, node.child_by_field_name("operand") or node)
    return ctx.text(node) if node.type == "identifier" else None


def _read_from(ctx: TSContext, node: Node) -> str | None:
    """What a local was read from when that is all it holds: ``got := r.Header.Get("X-SDK-Key")`` -> the
    header's name, ``want, ok := s.sdkKeys[env]`` -> ``sdkKeys``."""
    node = unwrap(node)
    scope = function_of(node)
    if node.type != "identifier" or scope is None:
        return None
    values = bound_values(ctx, ctx.text(node), scope)
    return _name(ctx, values[0][0]) if len(values) == 1 and not values[0][1] else None


def _digest_inputs(ctx: TSContext, node: Node, depth: int = 0) -> list[Node]:
    """What a compared digest was computed from: ``hex.EncodeToString(sum[:])`` after
    ``sum := sha256.Sum256([]byte(salt + pw))`` -> the hashed expression; ``h.Sum(nil)`` -> what ``h.Write`` got."""
    node = unwrap(node)
    scope = function_of(node)
    if depth > 4 or scope is None:
        return []
    if node.type == "slice_expression":
        return _digest_inputs(ctx, node.child_by_field_name("operand") or node, depth + 1)
    if node.type == "identifier":
        values = bound_values(ctx, ctx.text(node), scope)
        return _digest_inputs(ctx, values[0][0], depth + 1) if len(values) == 1 else []
    if node.type != "call_expression":
        return []
    args = ctx.arguments(node)
    target = package_call(ctx, node) or ("", ctx.text(node.child_by_field_name("function")))
    if target[0] in _HASH_PACKAGES and target[1].startswith("Sum"):
        return args
    if target[1] in _ENCODERS and args:  # hex/base64 EncodeToString(sum[:]), fmt.Sprintf("%x", sum), string(sum)
        return _digest_inputs(ctx, args[-1], depth + 1)
    return _hasher_writes(ctx, node, scope)


def _hasher_writes(ctx: TSContext, call: Node, scope: Node) -> list[Node]:
    """``h.Sum(nil)`` of ``h := sha256.New()``: the arguments of the ``h.Write(..)`` calls of the function."""
    callee = call.child_by_field_name("function")
    if callee is None or callee.type != "selector_expression" or ctx.text(callee.child_by_field_name("field")) != "Sum":
        return []
    hasher = ctx.text(callee.child_by_field_name("operand"))
    made = [unwrap(v) for v, _ in bound_values(ctx, hasher, scope)]
    if len(made) != 1 or made[0].type != "call_expression":
        return []
    if (package_call(ctx, made[0]) or ("", ""))[0] not in _HASH_PACKAGES:
        return []
    writes = [c for c in walk(scope) if c.type == "call_expression"]
    return [a for c in writes if ctx.compact(c.child_by_field_name("function")) == f"{hasher}.Write"
            for a in ctx.arguments(c)]  # fmt: skip


def _credential_digest(ctx: TSContext, node: Node) -> str | None:
    """A hash computed from a password, a token or a key (``sha256.Sum256([]byte(salt + in.Password))``): comparing
    it with the stored one is comparing the credential itself. A checksum of a file or a body is not."""
    for value in _digest_inputs(ctx, node):
        for part in walk(value):
            if part.type in ("identifier", "field_identifier") and compared_secret(ctx.text(part)):
                return f"hash of {ctx.text(part)}"
    return None


def _mac_value(ctx: TSContext, node: Node) -> bool:
    """A variable computed from an HMAC (``expected := hex.EncodeToString(mac.Sum(nil))``)."""
    node = unwrap(node)
    if _MAC.search(ctx.text(node)):
        return True
    scope = function_of(node)
    if node.type != "identifier" or scope is None:
        return False
    return any(_MAC.search(ctx.text(v)) for v, _ in bound_values(ctx, ctx.text(node), scope))


def _constant(ctx: TSContext, node: Node) -> bool:
    node = unwrap(node)
    if node.type in _LITERALS:
        return True
    if node.type == "call_expression" and ctx.text(node.child_by_field_name("function")) in ("len", "cap"):
        return True
    if node.type == "selector_expression":  # token.EOF, jwt.SigningMethodHS256: a package's constant
        operand = node.child_by_field_name("operand")
        return operand is not None and ctx.text(operand) in imports(ctx)
    return False


def _secret_side(ctx: TSContext, sides: list[Node]) -> str | None:
    names = [_name(ctx, s) for s in sides]
    if any(n is not None and (re.match(r"(?i)err", n) or CONFIRMATION.search(n)) for n in names):
        return None  # err == ErrInvalidToken compares errors; password != confirmPassword checks a form
    found = next((n for n in [*names, *(_read_from(ctx, s) for s in sides)] if compared_secret(n)), None)
    if found is None:
        found = next((d for s in sides if (d := _credential_digest(ctx, s)) is not None), None)
    if found is None:
        scope = function_of(sides[0])
        around = ctx.text(scope) if scope is not None else ""
        found = next((n for n in names if compared_credential_hash(n, around)), None)
    if found is None:
        found = next((ctx.text(s) for s in sides if _mac_value(ctx, s)), None)
        return found
    if words(found) == ["token"] and not (
        any(request_flow(ctx, s).tainted for s in sides) or _WEB.search(" ".join(imports(ctx).values()))
    ):
        return None  # a lexer's or a pager's token
    return found


@ts_rule(
    id="GO-TIMING-001",
    title="Secret compared with ==/!= (timing leak)",
    cwe=208,
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    languages=("go",),
    query="""(binary_expression) @cmp
      ((call_expression function: (selector_expression operand: (identifier) @pkg field: (field_identifier) @fn))
       @call (#eq? @pkg "bytes") (#eq? @fn "Equal"))""",
    why="""Assistants check a webhook signature, an API key or a stored password hash with
    if signature != expected or bytes.Equal(sig, mac). Go's string and byte comparisons stop at the first
    differing byte, so the response time tells an attacker how much of a guess is right, and the secret can be
    recovered byte by byte.""",
    fix="""Compare secrets with subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 (hmac.Equal for MACs), and
    compare passwords only through bcrypt.CompareHashAndPassword or argon2.""",
)
def go_timing_compare(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    if is_test(ctx):
        return
    if "call" in captures:
        node: Node = captures["call"][0]
        sides, operator = ctx.arguments(node)[:2], "bytes.Equal"
        if len(sides) != 2:
            return
    else:
        node = captures["cmp"][0]
        op = node.child_by_field_name("operator")
        operator = ctx.text(op)
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        if operator not in ("==", "!=") or left is None or right is None:
            return
        sides = [left, right]
    if any(_constant(ctx, s) for s in sides):
        return
    secret = _secret_side(ctx, sides)
    if secret is None:
        return
    tainted = any(request_flow(ctx, s).tainted for s in sides)
    yield ctx.hit(
        node,
        f"'{secret}' is compared with {operator}, which leaks timing; use subtle.ConstantTimeCompare or hmac.Equal",
        confidence=Confidence.HIGH if tainted else None,
    )
