"""JS-HASH-001: fast or broken hashes (MD5, SHA-1, plain SHA-2) of passwords and tokens, also inside helpers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.javascript.common import (
    enclosing_function,
    function_name,
    imported,
    resolve,
    resolved_call,
    string_value,
)
from slopguard.rules.javascript.crypto import sensitive
from slopguard.rules.shared.names import is_password_word, words
from slopguard.rules.shared.trees import walk

_BROKEN = frozenset({"md5", "md4", "sha1", "sha-1", "ripemd160", "rmd160", "md5-sha1"})
_FAST = frozenset({"sha224", "sha256", "sha384", "sha512", "sha-256", "sha-512", "sha3-256", "sha3-512"})
# npm packages and crypto-js functions that hash their first argument: name -> algorithm
_HASH_FUNCTIONS = {"md5": "md5", "sha1": "sha1", "MD5": "md5", "SHA1": "sha1", "SHA256": "sha256",
                   "SHA512": "sha512"}  # fmt: skip
_HASH_MODULES = frozenset(
    {"md5", "sha1", "crypto-js", "crypto-js/md5", "crypto-js/sha1", "crypto-js/sha256", "blueimp-md5"}
)
_TOKEN_LAST = frozenset({"token", "tokens", "key", "code", "otp", "secret", "nonce", "id", "link", "url"})
_PIN_WORDS = frozenset({"pin", "pincode", "passcode"})
_NAME_KINDS = frozenset({"identifier", "property_identifier", "shorthand_property_identifier"})


def _algorithm_and_data(ctx: TSContext, call: Node) -> tuple[str, Node] | None:
    """(algorithm, hashed value) for createHash(alg).update(value), md5(value) and CryptoJS.SHA1(value)."""
    found = resolved_call(ctx, call)
    args = ctx.arguments(call)
    if found is not None and found[0] == "crypto" and found[1] == "createHash" and args:
        algorithm = (string_value(ctx, resolve(ctx, args[0])) or "").lower()
        member = call.parent  # createHash(alg).update(data)
        if member is None or member.type != "member_expression":
            return None
        update = member.parent
        if (
            update is None
            or update.type != "call_expression"
            or ctx.text(member.child_by_field_name("property")) != "update"
        ):
            return None
        data = ctx.arguments(update)
        return (algorithm, data[0]) if data else None
    callee = call.child_by_field_name("function")
    if not args or callee is None:
        return None
    if callee.type == "identifier":
        origin = imported(ctx, ctx.text(callee))
        if origin is None or origin[0] not in _HASH_MODULES:
            return None
        name = origin[0].rsplit("/", 1)[-1] if origin[1] in ("*", "default") else origin[1]
    elif found is not None and found[0] in _HASH_MODULES:
        name = found[1]
    else:
        return None
    hashed = _HASH_FUNCTIONS.get(name) or _HASH_FUNCTIONS.get(name.upper())
    return (hashed, args[0]) if hashed else None


def _kind_of_name(name: str) -> str | None:
    """'password' for password words, 'token' for other secrets (passwordResetToken), None for anything else."""
    ws = words(name)
    if ws and ws[-1] not in _TOKEN_LAST and any(is_password_word(w) or w in _PIN_WORDS for w in ws):
        return "password"  # a PIN is a short password: a fast hash of one falls to trying every PIN
    return "token" if sensitive(name) else None


def _kind_of_value(ctx: TSContext, node: Node) -> str | None:
    kinds = {_kind_of_name(ctx.text(n)) for n in walk(node) if n.type in _NAME_KINDS}
    return "password" if "password" in kinds else "token" if "token" in kinds else None


def _parameter_index(fn: Node, names: set[str], ctx: TSContext) -> int | None:
    params = fn.child_by_field_name("parameters")
    if params is None:
        return 0 if ctx.text(fn.child_by_field_name("parameter")) in names else None
    for index, param in enumerate(params.named_children):
        if {ctx.text(n) for n in walk(param) if n.type == "identifier"} & names:
            return index
    return None


def _through_helper(ctx: TSContext, call: Node, data: Node) -> str | None:
    """What a helper hashes: its name (hashPassword) or what its callers pass in (md5(req.body.password))."""
    fn = enclosing_function(call)
    if fn is None:
        return None
    name = function_name(ctx, fn)
    kind = _kind_of_name(name) if name else None
    if kind is not None or not name:
        return kind
    index = _parameter_index(fn, {ctx.text(n) for n in walk(data) if n.type == "identifier"}, ctx)
    if index is None:
        return None
    kinds: set[str | None] = set()
    for node in walk(ctx.tree.root_node):
        if node.type == "call_expression" and ctx.call_name(node).rsplit(".", 1)[-1] == name:
            args = ctx.arguments(node)
            if index < len(args):
                kinds.add(_kind_of_value(ctx, args[index]))
    return "password" if "password" in kinds else "token" if "token" in kinds else None


@ts_rule(
    id="JS-HASH-001",
    title="Password or token hashed with a fast or broken hash",
    cwe=(916, 328),
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    languages=("javascript", "typescript"),
    query="(call_expression) @call",
    why="""Assistants store passwords as crypto.createHash('md5').update(password).digest('hex') (or SHA-1, or
    plain SHA-256 with a salt) and keep reset or API tokens as MD5/SHA-1 digests, often inside a hashPassword()
    helper. A leaked table of fast hashes falls to GPU cracking and precomputed tables in hours; MD5 and SHA-1
    also allow crafted collisions.""",
    fix="""Hash passwords with bcrypt, scrypt (crypto.scrypt with a random salt) or argon2; store digests of
    random tokens with SHA-256 or an HMAC, and compare them with crypto.timingSafeEqual.""",
)
def weak_hash(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    call: Node = captures["call"][0]
    found = _algorithm_and_data(ctx, call)
    if found is None:
        return
    algorithm, data = found
    if algorithm not in _BROKEN and algorithm not in _FAST:
        return
    kind = _kind_of_value(ctx, data) or _through_helper(ctx, call, data)
    if kind == "password":
        yield ctx.hit(call, f"{algorithm.upper()} is a fast hash: passwords need bcrypt, scrypt or argon2")
    elif kind == "token" and algorithm in _BROKEN:
        yield ctx.hit(
            call,
            f"{algorithm.upper()} digest of a secret token: use SHA-256 or an HMAC",
            severity=Severity.MEDIUM,
            confidence=Confidence.MEDIUM,
        )
