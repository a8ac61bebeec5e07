"""C-RAND-001: rand(), random() and C++'s std::mt19937 making a token, session id, password, key or share code."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.c.common import base_name, callee, calls_to, declared_name
from slopguard.rules.shared.names import is_password_word, words
from slopguard.rules.shared.randomness import PLAY_PURPOSES, SECRET_PURPOSES

_RAND = frozenset({"rand", "random", "rand_r", "drand48", "erand48", "lrand48", "nrand48", "mrand48", "jrand48"})
# Deterministic C++ engines (std::random_device is the one that reads the OS's entropy).
_ENGINE = re.compile(
    r"^(?:std::)?(?:mt19937(?:_64)?|default_random_engine|minstd_rand0?|ranlux(?:24|48)(?:_base)?|knuth_b)$"
)
_STRONG = SECRET_PURPOSES | {"session", "sessionid", "sid", "password", "passwd", "credential", "credentials"}
_GAME = PLAY_PURPOSES | frozenset({"shuffle", "shard", "bucket", "partition", "worker", "noise", "particle", "maze"})
_JOINED = re.compile(
    r"(?:api|secret|private|access|signing|session|encryption|aes|hmac|auth)key"
    r"|(?:reset|verify|verification|auth|share|invite|access|pairing|login|confirm|confirmation|recovery)code"
    r"|sessionid|shareid|sharelink"
)
_TARGETS = frozenset({"init_declarator", "assignment_expression", "return_statement"})


def _purpose(names: list[str]) -> str | None:
    """'strong' when a name says token/secret/password/session, 'game' when it says dice/jitter/shuffle."""
    ws = [w for n in names for w in words(n)]
    if any(w in _GAME for w in ws):
        return "game"
    if any(w in _STRONG or (is_password_word(w) and w != "pass") or w.endswith(("token", "secret")) for w in ws):
        return "strong"
    return "strong" if _JOINED.search("".join(ws)) else None


def _function_name(ctx: TSContext, node: Node) -> str:
    func = ctx.function_of(node)
    declarator = func.child_by_field_name("declarator") if func is not None else None
    while declarator is not None and declarator.type != "function_declarator":
        declarator = declarator.child_by_field_name("declarator")
    name = declarator.child_by_field_name("declarator") if declarator is not None else None
    return ctx.text(name).split("::")[-1] if name is not None else ""


def _target(ctx: TSContext, node: Node) -> str:
    """The variable a random value is stored in: ``token`` for ``token[i] = set[rand() % n]``, ``pin = ...``."""
    parent = node.parent
    while parent is not None and parent.type not in _TARGETS and parent.type != "compound_statement":
        parent = parent.parent
    if parent is None or parent.type == "return_statement":
        return ""
    target = parent.child_by_field_name("declarator" if parent.type == "init_declarator" else "left")
    if target is None:
        return ""
    while target.type in ("subscript_expression", "field_expression") and target.named_children:
        field = target.child_by_field_name("field")
        if field is not None:
            return ctx.text(field)
        target = target.named_children[0]
    return declared_name(ctx, target) or base_name(ctx, target)


@ts_rule(
    id="C-RAND-001",
    title="rand()/random()/std::mt19937 used for a token, session id, password or key",
    cwe=(338, 330),
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    languages=("c", "cpp"),
    query=f"{calls_to(_RAND)} (declaration type: (_) @type) @decl",
    why="""Assistants fill session ids, reset tokens, share codes, temporary passwords and keys with
    charset[rand() % n] after srand(time(NULL)), or with std::mt19937 in C++. The seed is the current second and
    the generator's state can be rebuilt from a few outputs, so an attacker who sees one token, or knows roughly
    when it was made, computes the others and takes over sessions and accounts.""",
    fix="""Draw secrets from the operating system: getrandom(buf, n, 0) or arc4random_buf on Linux/BSD,
    RAND_bytes (OpenSSL) or randombytes_buf (libsodium), BCryptGenRandom on Windows; map bytes onto a charset
    with rejection sampling (arc4random_uniform, randombytes_uniform).""",
)
def c_weak_random(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    if "decl" in captures:
        decl: Node = captures["decl"][0]
        if not _ENGINE.match(ctx.compact(captures["type"][0])) or ctx.function_of(decl) is None:
            return
        names = [_function_name(ctx, decl)]
        what = ctx.compact(captures["type"][0])
        node = decl
    else:
        node = captures["call"][0]
        if callee(ctx, node) not in _RAND:
            return
        names = [_target(ctx, node), _function_name(ctx, node)]
        what = f"{callee(ctx, node)}()"
    first = _purpose(names[:1])
    purpose = first if first is not None else _purpose(names[1:])
    if purpose == "strong":
        yield ctx.hit(node, f"{what} is predictable (its seed and state can be recovered); a token, password or key "
                      "needs getrandom(), arc4random_buf or RAND_bytes")  # fmt: skip
