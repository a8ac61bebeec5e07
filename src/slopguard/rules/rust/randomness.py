"""RUST-RAND-001: tokens, codes and passwords drawn from a predictable generator: a seeded ``StdRng``/``SmallRng``,
a non-cryptographic generator (``SmallRng``, ``fastrand``, xorshift/PCG/wyrand), or 32 random bits for a token."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.rust.common import bound_name, item_of, path_name, resolved_value
from slopguard.rules.rust.web import in_tests
from slopguard.rules.shared.names import is_password_word, words
from slopguard.rules.shared.randomness import SECRET_PURPOSES
from slopguard.rules.shared.trees import walk

_GENERATORS = r"(?:StdRng|SmallRng|ChaCha\d*Rng|XorShiftRng|X[oi]\w*shiro\w*|Pcg\w*|Lcg\w*|Mcg\w*|Isaac\w*|Hc128Rng)"
# A generator started from a seed the program chose: whoever knows or guesses the seed replays every value.
_SEEDED = re.compile(rf"(?:^|::){_GENERATORS}::(?:seed_from_u64|from_seed)$")
# Generators built for speed, not secrecy: a few outputs give their state away.
_FAST = re.compile(
    r"(?:^|::)(?:SmallRng|XorShiftRng|Xoshiro\w*|Xoroshiro\w*|Pcg\w*|WyRand|Rand32|Rand64)::\w+$"
    r"|^fastrand::(?:\w+::)?\w+$|^(?:nanorand|oorandom)::\w+(?:::\w+)?$"
)
_STRONG_SEED = re.compile(r"OsRng|getrandom|thread_rng|rand::rng\(\)|from_entropy|from_os_rng|SysRng")
_NARROW_TYPE = re.compile(r"<?(?:u8|u16|u32|i8|i16|i32)>?")
# What a value drawn so is for: secrets, one-time codes, and identifiers that grant access to whoever holds them.
_STRONG = SECRET_PURPOSES | {"code", "session", "sid", "sessionid", "voucher", "coupon", "ticket", "cookie", "key"}
_PLAY = frozenset({"game", "dice", "shuffle", "sample", "jitter", "backoff", "noise", "simulation", "test", "mock"})
# Short codes a person types are short by design; a token or key is not.
_IDENTIFIERS = frozenset({"token", "secret", "session", "sid", "sessionid", "key", "nonce", "salt", "apikey"})


def _purpose(ctx: TSContext, call: Node) -> set[str]:
    """The words of the enclosing function's name and of the names it binds: what its random values are for."""
    fn = item_of(call)
    if fn is None:
        return set()
    names = [ctx.text(fn.child_by_field_name("name"))]
    names += [bound_name(ctx, let.child_by_field_name("pattern") or let) for let in walk(fn)
              if let.type == "let_declaration"]  # fmt: skip
    return {w for n in names for w in words(n)}


def _narrow(ctx: TSContext, call: Node, name: str) -> bool:
    """``rand::random::<u32>()`` or ``let n: u32 = rand::random()``: 32 bits or fewer."""
    if name not in ("rand::random", "random"):
        return False
    callee = call.child_by_field_name("function")
    types = callee.child_by_field_name("type_arguments") if callee is not None else None
    let = call.parent
    declared = let.child_by_field_name("type") if let is not None and let.type == "let_declaration" else None
    return bool(_NARROW_TYPE.fullmatch(ctx.compact(types or declared)))


def _predictable_seed(ctx: TSContext, call: Node) -> bool:
    """The seed is not drawn from the operating system (``OsRng``, ``getrandom``, ``thread_rng``)."""
    args = ctx.arguments(call)
    if not args:
        return False
    seed = resolved_value(ctx, args[0])
    return not _STRONG_SEED.search(ctx.text(args[0]) + ctx.text(seed))


@ts_rule(
    id="RUST-RAND-001",
    title="Predictable random values for tokens, codes or passwords",
    cwe=(338, 330),
    severity=Severity.HIGH,
    confidence=Confidence.MEDIUM,
    languages=("rust",),
    query="(call_expression) @call",
    why="""For reset codes, invite tokens and temporary passwords assistants write
    SmallRng::seed_from_u64(now_millis), StdRng::seed_from_u64(42) or fastrand::alphanumeric(). A seed taken
    from the clock or the source is guessed in a few thousand tries, and fast generators (SmallRng, fastrand,
    xorshift, PCG) give their state away after a few outputs: an attacker computes the next code or token and
    takes over the account or the reservation it guards.""",
    fix="""Draw secrets from the operating system: rand::thread_rng() (rand::rng() in rand 0.9) or OsRng with
    Alphanumeric.sample_string(&mut rng, 32), or getrandom for raw bytes; use at least 128 bits for tokens.""",
)
def rust_weak_random(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    call: Node = captures["call"][0]
    name = path_name(ctx, call)
    seeded = bool(_SEEDED.search(name)) and _predictable_seed(ctx, call)
    narrow = _narrow(ctx, call, name)
    if not (seeded or narrow or _FAST.search(name)) or in_tests(ctx, call):
        return
    purpose = _purpose(ctx, call)
    if purpose & _PLAY or not (purpose & _STRONG or any(is_password_word(w) and w != "pass" for w in purpose)):
        return
    if narrow and not purpose & _IDENTIFIERS:
        return
    if seeded:
        message = f"{name}() starts from a seed an attacker can guess; every value it draws can be replayed"
    elif narrow:
        message = f"{name}() gives only a few random bits; a token needs at least 128 (use OsRng or thread_rng)"
    else:
        message = f"{name}() is a fast, predictable generator; secrets need OsRng or thread_rng"
    yield ctx.hit(call, message, confidence=Confidence.HIGH if seeded else None)
