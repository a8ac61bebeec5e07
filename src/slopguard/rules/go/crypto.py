"""Go crypto: math/rand for secrets (GO-RAND-001), fast hashes for passwords (GO-HASH-001)."""

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
    function_name,
    function_of,
    imports,
    is_test,
    names_around,
)
from slopguard.rules.shared.names import is_password_word, words
from slopguard.rules.shared.randomness import PLAY_PURPOSES, SECRET_PURPOSES
from slopguard.rules.shared.trees import walk

# ----- GO-RAND-001 --------------------------------------------------------------------------------------
_RANDOM = frozenset(
    {"Int", "Intn", "IntN", "Int31", "Int31n", "Int32", "Int32N", "Int63", "Int63n", "Int64", "Int64N", "Uint32",
     "Uint32N", "Uint64", "Uint64N", "UintN", "Uint", "Float32", "Float64", "Perm", "Read", "Shuffle", "N"}
)  # fmt: skip
# Besides secrets: unguessable identifiers that grant access to whoever holds them (unlisted short links, shared
# documents, vouchers), where a predictable generator lets an attacker enumerate the others.
_STRONG = SECRET_PURPOSES | {"sessionid", "sid", "session", "slug", "shortcode", "voucher", "coupon", "unlisted"}
_GAME = PLAY_PURPOSES | frozenset(
    {"shuffle", "shard", "bucket", "partition", "worker", "node", "host", "server", "proxy"}
)  # fmt: skip


def _password(word: str) -> bool:
    return is_password_word(word) and word != "pass"  # a compiler pass, pass-through, BenchmarkXPass


def _purpose(names: list[str]) -> str | None:
    """'strong' when a name says secret/token/password, 'game' when it says jitter/dice/shard; else None."""
    ws = [w for n in names for w in words(n)]
    if any(w in _GAME for w in ws):
        return "game"
    joined = "".join(ws)
    if any(w in _STRONG or _password(w) or w.endswith(("token", "secret")) for w in ws) or re.search(
        r"(?:api|secret|private|access|signing|session)key|(?:reset|verify|verification|auth|access|pickup|unlock|door|"
        r"claim|pairing|confirm|confirmation|login|signin|activation|redeem|redemption|handover|entry)code",
        joined,
    ):
        return "strong"
    return None


def _math_rand(ctx: TSContext, recv: Node) -> bool:
    """``rand`` imported from math/rand(/v2), or a generator made by its rand.New(..)."""
    if recv.type != "identifier":
        return False
    local = ctx.text(recv)
    path = imports(ctx).get(local)
    if path is not None:
        return path in ("math/rand", "math/rand/v2")
    scope = function_of(recv)
    for where in (scope, ctx.tree.root_node) if scope is not None else (ctx.tree.root_node,):
        for value, _ in bound_values(ctx, local, where):
            callee = value.child_by_field_name("function") if value.type == "call_expression" else None
            if callee is not None and callee.type == "selector_expression":
                operand = callee.child_by_field_name("operand")
                field = ctx.text(callee.child_by_field_name("field"))
                if (
                    field == "New"
                    and operand is not None
                    and imports(ctx).get(ctx.text(operand))
                    in (
                        "math/rand",
                        "math/rand/v2",
                    )
                ):
                    return True
    return False


def _secret_helper(ctx: TSContext, fn: Node | None) -> bool:
    """A helper such as randString(n) whose result the file stores as a token, secret or password."""
    name = function_name(ctx, fn)
    if not name or fn is None or fn.type == "func_literal":
        return False
    for node in walk(ctx.tree.root_node):
        if node.type != "call_expression" or ctx.text(node.child_by_field_name("function")).split(".")[-1] != name:
            continue
        if _purpose(names_around(ctx, node)[:-1]) == "strong":
            return True
    return False


@ts_rule(
    id="GO-RAND-001",
    title="math/rand used for a secret, token or password",
    cwe=330,
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    languages=("go",),
    query=f"""((call_expression function: (selector_expression operand: (_) @recv field: (field_identifier) @method))
      @call (#any-of? @method {" ".join(f'"{m}"' for m in sorted(_RANDOM))}))""",
    why="""Assistants generate session IDs, reset tokens, OTPs and API keys with math/rand (rand.Intn over a
    letter set, rand.Read into a buffer), often seeded with time.Now(). Its output is predictable: the seed is
    guessable and the generator's state can be recovered from a few outputs, so an attacker predicts the next
    token and takes over accounts.""",
    fix="""Use crypto/rand: rand.Read(buf) then base64.RawURLEncoding.EncodeToString(buf), or rand.Int(rand.Reader,
    max) for numeric codes (Go 1.22+: rand.Text()).""",
)
def go_weak_random(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    if is_test(ctx) or ctx.text(captures["method"][0]) not in _RANDOM or not _math_rand(ctx, captures["recv"][0]):
        return  # tests draw fake tokens and fixtures from math/rand on purpose
    call: Node = captures["call"][0]
    names = names_around(ctx, call)
    purpose = _purpose(names[:-1]) or _purpose(names[-1:])
    if purpose == "strong" or (purpose is None and _secret_helper(ctx, function_of(call))):
        yield ctx.hit(call, "math/rand is predictable; a token, secret or password needs crypto/rand")


# ----- GO-HASH-001 --------------------------------------------------------------------------------------
_HASHES = {
    "crypto/md5": "MD5",
    "crypto/sha1": "SHA-1",
    "crypto/sha256": "SHA-256",
    "crypto/sha512": "SHA-512",
}
_PROTOCOL = re.compile(r"(?i)scramble|challenge|handshake|response|hmac|sign")
_KDF_PATH = re.compile(r"(?i)(?:^|/)[^/]*(?:kdf|bcrypt|scrypt|argon2|pbkdf)[^/]*(?:/|\.go$)")
_KDF = re.compile(r"\b(?:bcrypt|argon2|scrypt|pbkdf2)\.")
_NOT_PASSWORD = frozenset({"token", "email", "nonce", "file", "checksum", "otp", "code", "key", "body", "payload"})
_IDENT = re.compile(r"[A-Za-z_]\w*")


def _mentions_password(ctx: TSContext, node: Node | None) -> bool:
    return node is not None and any(is_password_word(w) for i in _IDENT.findall(ctx.text(node)) for w in words(i))


def _hashed_values(ctx: TSContext, call: Node) -> list[Node]:
    """What a digest is computed over: Sum(x)'s argument, or what is written into h := sha256.New()."""
    args = ctx.arguments(call)
    if args:
        return args
    parent = call.parent.parent if call.parent is not None and call.parent.type == "expression_list" else call.parent
    fn = function_of(call)
    if parent is None or parent.type not in ("short_var_declaration", "assignment_statement") or fn is None:
        return []
    name = ctx.text(parent.child_by_field_name("left"))
    found: list[Node] = []
    for node in walk(fn):
        if node.type != "call_expression":
            continue
        callee, node_args = ctx.text(node.child_by_field_name("function")), ctx.arguments(node)
        if not node_args:
            continue
        if callee == f"{name}.Write":
            found.append(node_args[0])
        elif callee in ("io.WriteString", "fmt.Fprint", "fmt.Fprintf") and ctx.compact(node_args[0]) == name:
            found += node_args[1:]
    return found


@ts_rule(
    id="GO-HASH-001",
    title="Password hashed with MD5/SHA-1/SHA-256 instead of a password hashing function",
    cwe=(916, 328),
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    languages=("go",),
    query="""((call_expression function: (selector_expression operand: (identifier) @recv field: (field_identifier)
      @method)) @call (#match? @method "^(Sum|New)"))""",
    why="""Assistants store hex.EncodeToString(md5.Sum([]byte(password))) or a salted sha256 and call it hashed.
    These digests run billions of times per second on a GPU, so anyone who obtains the user table (SQL
    injection, a leaked backup) recovers most passwords quickly, and users reuse them elsewhere.""",
    fix="""Use golang.org/x/crypto/bcrypt (GenerateFromPassword / CompareHashAndPassword) or argon2.IDKey with a
    random per-user salt; keep SHA-256 for checksums and HMAC keys.""",
)
def go_password_hash(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    recv: Node = captures["recv"][0]
    algorithm = _HASHES.get(imports(ctx).get(ctx.text(recv), "")) if recv.type == "identifier" else None
    if algorithm is None or not ctx.text(captures["method"][0]).startswith(("Sum", "New")):
        return
    call: Node = captures["call"][0]
    fn = function_of(call)
    if fn is not None and (_KDF.search(ctx.text(fn)) or _PROTOCOL.search(function_name(ctx, fn))):
        return  # pre-hashing before bcrypt/argon2, a KDF's building block, a wire protocol's challenge-response
    if _KDF_PATH.search(ctx.path) or (call.parent is not None and call.parent.type == "argument_list"):
        return  # a KDF implementation, or sha256.New() handed to OAEP/HKDF as its hash
    values = _hashed_values(ctx, call)
    names = names_around(ctx, call)
    if any(_mentions_password(ctx, v) for v in values) or any(
        is_password_word(w) for n in names[:-1] for w in words(n)
    ):
        yield ctx.hit(call, f"password hashed with {algorithm}, a fast digest; use bcrypt or argon2id")
    elif (
        values
        and any(is_password_word(w) for w in words(names[-1] if names else ""))
        and not any(w in _NOT_PASSWORD for v in values for i in _IDENT.findall(ctx.text(v)) for w in words(i))
    ):
        yield ctx.hit(
            call,
            f"{function_name(ctx, fn)} hashes with {algorithm}, a fast digest; use bcrypt or argon2id",
            confidence=Confidence.MEDIUM,
        )
    elif values and _helper_of_passwords(ctx, fn, values):
        yield ctx.hit(
            call,
            f"{function_name(ctx, fn)}() is given passwords and hashes them with {algorithm}; use bcrypt or argon2id",
            confidence=Confidence.MEDIUM,
        )


def _helper_of_passwords(ctx: TSContext, fn: Node | None, values: list[Node]) -> bool:
    """A helper (``digest(s string)``) whose hashed parameter the file's callers fill with passwords."""
    name = function_name(ctx, fn)
    params = fn.child_by_field_name("parameters") if fn is not None and fn.type != "func_literal" else None
    if not name or params is None:
        return False
    names = [ctx.text(n) for p in params.named_children for n in p.children_by_field_name("name")]
    hashed = {i for v in values for i in _IDENT.findall(ctx.text(v))}
    positions = [i for i, n in enumerate(names) if n in hashed]
    for node in walk(ctx.tree.root_node):
        if node.type != "call_expression" or ctx.text(node.child_by_field_name("function")).split(".")[-1] != name:
            continue
        args = ctx.arguments(node)
        if any(i < len(args) and _mentions_password(ctx, args[i]) for i in positions):
            return True
    return False
