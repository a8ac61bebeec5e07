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
from slopguard.rules.c.common import (
    STRINGS,
    base_name,
    callee,
    calls_to,
    declared_name,
    function_name,
    string_value,
    unwrap,
)
from slopguard.rules.c.formats import PRINTF_FORMAT
from slopguard.rules.shared.names import is_password_word, words
from slopguard.rules.shared.randomness import PLAY_PURPOSES, SECRET_PURPOSES
from slopguard.rules.shared.trees import walk

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
# Text made from random values that names something a holder can use: a share link's id, a portal code.
_IDENTIFIER_WORDS = frozenset({"id", "ids", "uid", "uuid", "guid", "link", "code", "ticket", "voucher", "coupon",
                               "slug", "url", "handle", "ref"})  # fmt: skip
_NOT_SECRET = frozenset({"request", "trace", "span", "correlation", "log", "debug", "test", "color", "colour",
                         "tmp", "temp", "file", "filename", "error", "status", "exit", "country"})  # fmt: skip
_ALPHABET = re.compile(r"(?i)alphabet|charset|chars|letters|digits|symbols|alnum|alphanum|hex|base(?:32|36|58|62|64)")
_HEX_MANIPULATOR = re.compile(r"\b(?:std::)?hex\b")
_HEX_CONVERSION = re.compile(r"%[-+ #0]*\d*(?:hh|h|ll|l|j|z|t)?[xX]|%[-+ #0]*\d*(?:PRIx\d+)")
# What a random value may sit in inside an index: CHARS[rand() % n], kAlphabet[dist(gen)] (C++'s index list).
_INDEX_PARTS = frozenset({"binary_expression", "parenthesized_expression", "cast_expression", "argument_list",
                          "call_expression", "subscript_argument_list"})  # fmt: skip
_NAMED = frozenset({"init_declarator", "function_declarator"})  # std::mt19937 gen(seed) may parse as either
_TARGETS = frozenset({"init_declarator", "assignment_expression", "return_statement"})
# Calls that wait: a random value handed to them spreads retries (jitter), it is no secret.
_WAITS = re.compile(
    r"^(?:std::this_thread::)?(?:sleep|usleep|nanosleep|Sleep|SleepEx|sleep_for|g_usleep|msleep|"
    r"poll|alarm)$"
)


def _purpose(names: list[str]) -> str | None:
    """'strong' when a name says token/secret/password/session, 'game' when it says dice/jitter/shuffle."""
    ws = [w for n in names for w in words(n)]
    if any(w in _GAME for w in ws):
        return "game"
    if any(w in _STRONG or (is_password_word(w) and w != "pass") or w.endswith(("token", "secret")) for w in ws):
        return "strong"
    return "strong" if _JOINED.search("".join(ws)) else None


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


def _waits(ctx: TSContext, node: Node) -> bool:
    """The random value is an argument of a call that sleeps: ``usleep(base + rand() % 250)``."""
    parent = node.parent
    while parent is not None and parent.type not in ("expression_statement", "compound_statement"):
        if parent.type == "call_expression" and parent != node and _WAITS.match(ctx.compact(parent.children[0])):
            return True
        parent = parent.parent
    return False


def _engine_uses(ctx: TSContext, decl: Node) -> list[Node]:
    """Where a C++ engine's output is drawn in its function: ``gen()`` calls and ``dist(gen)`` calls."""
    func = ctx.function_of(decl)
    engines = {
        declared_name(ctx, d.child_by_field_name("declarator") or d) if d.type in _NAMED else declared_name(ctx, d)
        for d in decl.children_by_field_name("declarator")
    } - {""}
    uses = []
    for node in walk(func) if func is not None else []:
        if node.type != "identifier" or ctx.text(node) not in engines or node.start_byte < decl.end_byte:
            continue
        parent = node.parent
        if parent is not None and parent.type == "argument_list":
            parent = parent.parent
        if parent is not None and parent.type == "call_expression":
            uses.append(parent)
    return uses


def _builds_identifier(ctx: TSContext, use: Node, names: list[str]) -> bool:
    """A random value made into text that names something (an id, link, code or ticket): it indexes an
    alphabet (``CODE_CHARS[rand() % n]``), is streamed in hex (``id << std::hex << gen()``) or printed with %x."""
    around = [n for n in (*names, _stream_name(ctx, use)) if n]
    ws = {w for n in around for w in words(n)}
    if not ws & _IDENTIFIER_WORDS or ws & _NOT_SECRET:
        return False
    return _indexes_alphabet(ctx, use) or _printed_in_hex(ctx, use)


def _indexes_alphabet(ctx: TSContext, use: Node) -> bool:
    node = use
    while node.parent is not None and node.parent.type in _INDEX_PARTS:
        node = node.parent
    parent = node.parent
    if parent is None or parent.type != "subscript_expression" or parent.named_children[0] == node:
        return False
    array = unwrap(parent.named_children[0])
    if array.type in STRINGS:
        return True
    name = ctx.text(array) if array.type in ("identifier", "field_expression") else ""
    return bool(_ALPHABET.search(name))


def _printed_in_hex(ctx: TSContext, use: Node) -> bool:
    node = use
    while node.parent is not None and node.parent.type in (
        "binary_expression",
        "parenthesized_expression",
        "cast_expression",
    ):
        node = node.parent
        operator = node.child_by_field_name("operator")
        if operator is not None and operator.type == "<<" and _HEX_MANIPULATOR.search(ctx.text(node)):
            return True
    call = node.parent.parent if node.parent is not None and node.parent.type == "argument_list" else None
    index = PRINTF_FORMAT.get(callee(ctx, call), -1) if call is not None else -1
    args = ctx.arguments(call) if call is not None and index >= 0 else []
    fmt = string_value(ctx, args[index]) if 0 <= index < len(args) else None
    return fmt is not None and bool(_HEX_CONVERSION.search(fmt))


def _stream_name(ctx: TSContext, use: Node) -> str:
    """``id`` for ``id << std::hex << gen()``: the stream a value is written into."""
    node = use
    while node.parent is not None and node.parent.type == "binary_expression":
        node = node.parent
    while node.type == "binary_expression" and (left := node.child_by_field_name("left")) is not None:
        node = left
    return ctx.text(node) if node.type == "identifier" and node != use else ""


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
        names = [function_name(ctx, decl)]
        what = ctx.compact(captures["type"][0])
        uses = _engine_uses(ctx, decl)
        node = uses[0] if uses else decl  # reported where the engine is drawn from, not where it is declared
    else:
        node = captures["call"][0]
        if callee(ctx, node) not in _RAND or _waits(ctx, node):
            return
        names = [_target(ctx, node), function_name(ctx, node)]
        what = f"{callee(ctx, node)}()"
        uses = [node]
    first = _purpose(names[:1])
    purpose = first if first is not None else _purpose(names[1:])
    built = next((use for use in uses if _builds_identifier(ctx, use, names)), None) if purpose is None else None
    if built is not None:  # reported where the value is made into the id or code
        purpose, node = "strong", built
    if purpose == "strong":
        yield ctx.hit(node, f"{what} is predictable (its seed and state can be recovered); a token, password or key "
                      "needs getrandom(), arc4random_buf or RAND_bytes")  # fmt: skip
