"""RUST-HASH-001: passwords hashed with MD5/SHA-1/SHA-2 instead of a password hashing function."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.rust.common import bound_name, item_of, method, path_name, receiver, root_identifier
from slopguard.rules.shared.names import is_password_word, words
from slopguard.rules.shared.trees import walk

_ONE_SHOT = re.compile(r"(?:^|::)(?:md5::compute|(?:Md5|Sha1|Sha224|Sha256|Sha384|Sha512|Sha3_256)::digest"
                       r"|sha1::Sha1::from|Sha1::from|sha256::digest|digest::digest)$")  # fmt: skip
_IN_MACRO = re.compile(r"\b(md5|Md5|Sha1|Sha256|Sha512)::(?:compute|digest)\s*\(((?:[^()]|\([^()]*\))*)\)")
_NEW = re.compile(r"(?:^|::)(?:Md5|Sha1|Sha224|Sha256|Sha384|Sha512|Context)::new$")
_KDF = re.compile(r"(?i)argon2|bcrypt|scrypt|pbkdf2|hmac|hkdf")
_BUILDING_BLOCK = re.compile(r"(?i)hmac|hkdf|pbkdf2")  # functions that implement these hash on purpose
_IDENT = re.compile(r"[A-Za-z_]\w*")
_NOT_PASSWORD = frozenset({"token", "email", "nonce", "file", "checksum", "otp", "code", "key", "body", "payload"})
# Short secrets a person types, hashed like passwords (and even faster to brute-force): card PINs, passcodes.
_TYPED_SECRETS = frozenset({"pin", "passcode", "pincode"})


def _password_word(word: str) -> bool:
    return is_password_word(word) or word in _TYPED_SECRETS


def _mentions_password(ctx: TSContext, node: Node | None) -> bool:
    return node is not None and any(_password_word(w) for i in _IDENT.findall(ctx.text(node)) for w in words(i))


def _hashed(ctx: TSContext, call: Node) -> list[Node]:
    """What is hashed: the one-shot call's argument, or what is fed to ``hasher.update(..)`` after ``::new()``."""
    if _ONE_SHOT.search(path_name(ctx, call)):
        return ctx.arguments(call)[-1:]
    let = call.parent
    fn = item_of(call)
    if let is None or let.type != "let_declaration" or fn is None:
        return []
    name = bound_name(ctx, let.child_by_field_name("pattern") or let)
    found: list[Node] = []
    for node in walk(fn):
        if node.type == "call_expression" and method(ctx, node) in ("update", "input", "chain_update"):
            root = root_identifier(receiver(node) or node)
            if root is not None and ctx.text(root) == name:
                found += ctx.arguments(node)
    return found


def _statement(node: Node) -> Node:
    """The statement (or a block's tail expression) holding ``node``."""
    while node.parent is not None and node.parent.type != "block":
        node = node.parent
    return node


def _pre_hash(ctx: TSContext, call: Node, fn: Node) -> bool:
    """Whether the digest only feeds argon2/bcrypt/scrypt: in the same statement
    (``bcrypt::hash(hex::encode(Sha256::digest(pw)), 12)``) or through the names it is bound to
    (``let pre = Sha256::digest(pw); argon2.hash_password(&pre, &salt)``)."""
    statement = _statement(call)
    if _KDF.search(ctx.text(statement)):
        return True
    if statement.type != "let_declaration":
        return False
    names = {bound_name(ctx, statement.child_by_field_name("pattern") or statement)}
    for node in walk(fn):
        if node.start_byte < statement.end_byte or node.parent is None or node.parent.type != "block":
            continue
        used = set(_IDENT.findall(ctx.text(node))) & names
        if used and _KDF.search(ctx.text(node)):
            return True
        if used and node.type == "let_declaration":  # let bytes = hasher.finalize(); argon2 takes bytes
            names.add(bound_name(ctx, node.child_by_field_name("pattern") or node))
    return False


def _helper_of_passwords(ctx: TSContext, fn: Node, values: list[Node]) -> bool:
    """A helper whose hashed parameter the file's callers fill with passwords."""
    name = ctx.text(fn.child_by_field_name("name"))
    params = fn.child_by_field_name("parameters")
    names = [ctx.text(p.child_by_field_name("pattern")) for p in (params.named_children if params else [])
             if p.type == "parameter"]  # fmt: skip
    hashed = {i for v in values for i in _IDENT.findall(ctx.text(v))}
    positions = [i for i, n in enumerate(names) if n in hashed]
    for node in walk(ctx.tree.root_node):
        if node.type == "call_expression" and ctx.call_name(node).rsplit("::", 1)[-1] == name:
            args = ctx.arguments(node)
            if any(i < len(args) and _mentions_password(ctx, args[i]) for i in positions):
                return True
    return False


@ts_rule(
    id="RUST-HASH-001",
    title="Password hashed with MD5/SHA-1/SHA-2 instead of a password hashing function",
    cwe=(916, 328),
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    languages=("rust",),
    query="[(call_expression) (macro_invocation)] @call",
    why="""Assistants store format!("{:x}", md5::compute(password)) or Sha256::digest(password) and call it
    hashed. These digests run billions of times per second on a GPU, so anyone who obtains the user table (SQL
    injection, a leaked backup) recovers most passwords quickly, and users reuse them elsewhere.""",
    fix="""Use the argon2 crate (Argon2::default().hash_password with a SaltString from OsRng) or bcrypt, and
    verify with verify_password; keep SHA-256 for checksums and HMAC keys.""",
)
def rust_password_hash(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    call: Node = captures["call"][0]
    fn = item_of(call)
    if fn is None or _BUILDING_BLOCK.search(ctx.text(fn)) or _pre_hash(ctx, call, fn):
        return  # an HMAC/KDF building block, or pre-hashing before argon2/bcrypt
    if call.type == "macro_invocation":  # format!("{:x}", md5::compute(password)): tokens, not a call node
        for match in _IN_MACRO.finditer(ctx.text(call)):
            if any(_password_word(w) for i in _IDENT.findall(match.group(2)) for w in words(i)):
                yield ctx.hit(call, f"password hashed with {match.group(1)}, a fast digest; use argon2 or bcrypt")
                return
        return
    name = path_name(ctx, call)
    if not (_ONE_SHOT.search(name) or _NEW.search(name)):
        return
    values = _hashed(ctx, call)
    if not values:
        return
    fn_name = ctx.text(fn.child_by_field_name("name"))
    let = call.parent if call.parent is not None and call.parent.type == "let_declaration" else None
    target = bound_name(ctx, let.child_by_field_name("pattern") or let) if let is not None else ""
    algorithm = name.split("::")[-2] if "::" in name else name
    if any(_mentions_password(ctx, v) for v in values) or any(_password_word(w) for w in words(target)):
        yield ctx.hit(call, f"password hashed with {algorithm}, a fast digest; use argon2 or bcrypt")
    elif any(_password_word(w) for w in words(fn_name)) and not any(
        w in _NOT_PASSWORD for v in values for i in _IDENT.findall(ctx.text(v)) for w in words(i)
    ):
        yield ctx.hit(call, f"{fn_name}() hashes with {algorithm}, a fast digest; use argon2 or bcrypt",
                      confidence=Confidence.MEDIUM)  # fmt: skip
    elif _helper_of_passwords(ctx, fn, values):
        yield ctx.hit(call, f"{fn_name}() is given passwords and hashes them with {algorithm}; use argon2 or bcrypt",
                      confidence=Confidence.MEDIUM)  # fmt: skip
