"""What the taint tracker knows about a value beyond its trust: its constant value, the items of a list built in
place, the entries of a dict or ``configparser`` filled at constant keys, and the value a base64 text encodes.

``d["a"] = "safe"; d["b"] = param; bar = d["a"]`` leaves ``bar`` constant; ``lst.pop(0)`` shifts the items;
``"x" if 7 * 18 + num > 200 else param`` folds when ``num`` is a known number. A :class:`Known` flow is an
ordinary :class:`Flow` whose level already covers what it holds, so code that ignores the extra knowledge
stays correct; joins and unknown operations drop it (aliases of a container lose it too).
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from slopguard.engine.flow import Flow, Level, join

_MAX_TEXT = 4096  # folded strings longer than this are not kept
_MAX_ITEMS = 64


class _Nothing:
    """No constant value is known (``None`` is a value)."""

    def __repr__(self) -> str:
        return "NOTHING"


NOTHING: Any = _Nothing()
Entries = tuple[tuple[Hashable, Flow], ...]


@dataclass(frozen=True, slots=True)
class Known(Flow):
    """A flow with what is known about the value: a constant, list items, mapping entries or an encoded value."""

    value: Any = NOTHING
    items: tuple[Flow, ...] | None = None
    entries: Entries | None = None
    encoded: Flow | None = None
    rest: Flow | None = None


def plain(flow: Flow) -> Flow:
    """The flow without the extra knowledge (for an alias of a container, or after an unknown operation)."""
    return Flow(flow.level, flow.built, flow.text, flow.origin) if isinstance(flow, Known) else flow


def constant(value: object) -> Flow:
    text = isinstance(value, str | bytes)
    if text and len(value) > _MAX_TEXT:  # type: ignore[arg-type]
        return Flow(Level.CONST, text=True)
    return Known(Level.CONST, text=text, value=value)


def value_of(flow: Flow) -> Any:
    return flow.value if isinstance(flow, Known) else NOTHING


def known(flow: Flow) -> bool:
    return value_of(flow) is not NOTHING


def items_of(flow: Flow) -> tuple[Flow, ...] | None:
    return flow.items if isinstance(flow, Known) else None


def entries_of(flow: Flow) -> Entries | None:
    return flow.entries if isinstance(flow, Known) else None


def encoded_of(flow: Flow) -> Flow | None:
    return flow.encoded if isinstance(flow, Known) else None


def container(flows: Iterable[Flow]) -> Flow:
    """A list/tuple/dict carries its items' taint but is not itself a string."""
    flow = join(flows)
    return Flow(flow.level, flow.built, False, flow.origin)


def sequence(items: Sequence[Flow]) -> Flow:
    """A list whose items are known by position."""
    flow = container(items)
    if len(items) > _MAX_ITEMS:
        return flow
    return Known(flow.level, flow.built, False, flow.origin, items=tuple(items))


def mapping(entries: Entries, rest: Flow | None = None) -> Flow:
    """A dict (or a ``ConfigParser``) whose entries are known by constant key; ``rest`` is what any other key
    holds (a parser that may have read a file holds unknown values)."""
    flow = container([*(f for _, f in entries), *([rest] if rest is not None else [])])
    if len(entries) > _MAX_ITEMS:
        return flow
    return Known(flow.level, flow.built, False, flow.origin, entries=entries, rest=rest)


def rest_of(flow: Flow) -> Flow | None:
    return flow.rest if isinstance(flow, Known) else None


def encoding(inner: Flow, safe: Flow) -> Flow:
    """Base64 (or hex) text of ``inner``: harmless as it stands, ``inner`` again once decoded."""
    return Known(safe.level, safe.built, True, safe.origin, encoded=inner)


def lookup(entries: Entries, key: Hashable) -> Flow | None:
    for k, flow in entries:
        if k == key:
            return flow
    return None


def store(entries: Entries, key: Hashable, flow: Flow) -> Entries:
    return (*((k, f) for k, f in entries if k != key), (key, flow))


def index(items: tuple[Flow, ...], key: object) -> Flow | None:
    if isinstance(key, int) and not isinstance(key, bool) and -len(items) <= key < len(items):
        return items[key]
    return None


def same(flows: Sequence[Flow]) -> Flow:
    """Flows from several paths: kept whole when every path agrees, joined otherwise."""
    first = flows[0]
    if isinstance(first, Known) and all(f == first for f in flows[1:]):
        return first
    return join(flows)


# ----- folding ------------------------------------------------------------------------------------------
_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod, ast.Div: operator.truediv, ast.BitAnd: operator.and_, ast.BitOr: operator.or_,
}  # fmt: skip
_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt,
    ast.GtE: operator.ge, ast.In: lambda a, b: a in b, ast.NotIn: lambda a, b: a not in b,
    ast.Is: operator.is_, ast.IsNot: operator.is_not,
}  # fmt: skip
_SCALARS = (str, bytes, int, float, bool, type(None))


def _small(value: object) -> bool:
    if isinstance(value, str | bytes):
        return len(value) <= _MAX_TEXT
    if isinstance(value, int):
        return value.bit_length() <= 256
    return isinstance(value, _SCALARS)


def fold_binary(op: ast.operator, left: Any, right: Any) -> Any:
    """``left op right`` for known scalars, or NOTHING (string repetition and huge numbers are not folded)."""
    func = _BINARY.get(type(op))
    if func is None or left is NOTHING or right is NOTHING or not (_small(left) and _small(right)):
        return NOTHING
    if isinstance(op, ast.Mult) and (isinstance(left, str | bytes) or isinstance(right, str | bytes)):
        return NOTHING
    if isinstance(op, ast.Mod) and isinstance(left, str | bytes):
        return NOTHING  # printf-style formatting: not needed, and easy to get wrong
    try:
        result = func(left, right)
    except (TypeError, ValueError, ArithmeticError):
        return NOTHING
    return result if _small(result) else NOTHING


def fold_compare(ops: Sequence[ast.cmpop], values: Sequence[Any]) -> Any:
    if any(v is NOTHING for v in values):
        return NOTHING
    try:
        for op, left, right in zip(ops, values, values[1:], strict=False):
            if not _COMPARE[type(op)](left, right):
                return False
    except (TypeError, ValueError, KeyError):
        return NOTHING
    return True


def fold_subscript(value: Any, key: Any) -> Any:
    """``"ABC"[1]`` or ``"help me"[4:-2]`` for a known string."""
    if not isinstance(value, str | bytes) or key is NOTHING:
        return NOTHING
    try:
        return value[key]
    except (TypeError, IndexError):
        return NOTHING


def constant_slice(e: ast.expr, fold: Callable[[ast.expr], Any]) -> Any:
    """A subscript's key when it is known: a constant, a folded expression or a slice of them."""
    if isinstance(e, ast.Slice):
        parts = [fold(p) if p is not None else None for p in (e.lower, e.upper, e.step)]
        return NOTHING if any(p is NOTHING for p in parts) else slice(*parts)
    return fold(e)


def matches(pattern: ast.pattern, value: Any) -> bool | None:
    """Whether a ``match`` case's pattern matches a known value (None: cannot tell)."""
    if isinstance(pattern, ast.MatchValue) and isinstance(pattern.value, ast.Constant):
        return bool(pattern.value.value == value)
    if isinstance(pattern, ast.MatchSingleton):
        return pattern.value is value
    if isinstance(pattern, ast.MatchOr):
        found = [matches(p, value) for p in pattern.patterns]
        return True if any(found) else None if None in found else False
    if isinstance(pattern, ast.MatchAs) and pattern.pattern is None:
        return True  # case _ / case name
    return None
