"""C-BUF-005: copies whose length is measured on the source (strlen(src), src.size()) instead of the destination."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.c.common import callee, calls_to, is_null, string_value, unwrap
from slopguard.rules.c.dataflow import FunctionFacts, function_facts, read_names
from slopguard.rules.c.sizing import allocated_with_room, sized_for

# name -> (destination, source, length) argument indexes
_COPIES = {"memcpy": (0, 1, 2), "memmove": (0, 1, 2), "strncpy": (0, 1, 2), "stpncpy": (0, 1, 2),
           "strncat": (0, 1, 2), "wcsncpy": (0, 1, 2), "wmemcpy": (0, 1, 2)}  # fmt: skip
_VIEWS = re.compile(r"(?:\.|->)(?:c_str|data)\(\)$")
# std::min(src.size(), sizeof dst - 1), MIN(len, cap): a length clamped to the room left.
_CLAMPED = re.compile(r"(?:^|[^\w.>])(?:std::)?(?:min|MIN|MIN2|min_t|fmin|umin|imin|g_min)\s*\(")


def _measures(length: str, source: str) -> bool:
    """``strlen(src) + 1``, ``std::strlen(src)``, ``strlen(s.c_str())``, ``strlen((const char *)src)``,
    ``src.size()``: a length read off the source."""
    quoted = re.escape(source)
    return bool(
        re.search(rf"\b(?:std::)?(?:strlen|wcslen)\((?:\([^()]*\))?{quoted}(?:(?:\.|->)(?:c_str|data)\(\))?\)", length)
        or re.search(rf"(?:^|[^\w.>]){quoted}(?:\.|->)(?:size|length)\(\)", length)
    )


def source_sized(ctx: TSContext, call: Node) -> str | None:
    """The source-measured length of a copy into a buffer that was not sized from that source, else None."""
    indexes = _COPIES.get(callee(ctx, call))
    args = ctx.arguments(call)
    if indexes is None or len(args) <= max(indexes):
        return None
    dst, src, length = (args[i] for i in indexes)
    source = _VIEWS.sub("", ctx.compact(unwrap(src)))
    text = ctx.compact(length)
    facts = function_facts(ctx, call)
    if not source or facts is None or sized_for(ctx, dst, [src]):
        return None
    if _CLAMPED.search(text) or _literal_only(ctx, facts, unwrap(src)):
        return None
    if allocated_with_room(ctx, dst, length):
        return None  # buf = malloc(name_size + dir_size); memcpy(buf + name_size, dir, dir_size)
    if _measures(text, source):
        return ctx.text(length)
    bare = unwrap(length)
    if bare.type != "identifier":
        return None
    name = ctx.text(bare)
    values = facts.values.get(name, [])
    texts = [ctx.compact(v) for v in values]
    if not texts or not all(_measures(t, source) and not _CLAMPED.search(t) for t in texts):
        return None
    if name in facts.params or _checked(ctx, facts, name):
        return None  # clamped or checked somewhere in the function
    return f"{name} = {ctx.text(values[0])}"


def _checked(ctx: TSContext, facts: FunctionFacts, name: str) -> bool:
    """``name`` is compared somewhere in the function, or a total it is part of is held against a limit:
    ``rlen = plen + vlen; if (rlen > len) return -1;`` (not a counter run down to zero: ``i = len; i > 0``)."""
    pattern = re.compile(rf"\b{re.escape(name)}\b")
    if any(pattern.search(ctx.text(c)) for c in facts.comparisons):
        return True
    totals = {other for other, values in facts.values.items() if any(name in read_names(ctx, v) for v in values)}
    return any(_held_against_limit(ctx, c, totals) for c in facts.comparisons)


def _held_against_limit(ctx: TSContext, comparison: Node, totals: set[str]) -> bool:
    sides = [comparison.child_by_field_name(f) for f in ("left", "right")]
    if sides[0] is None or sides[1] is None:
        return False
    for side, other in ((sides[0], sides[1]), (sides[1], sides[0])):
        if ctx.text(unwrap(side)) in totals and unwrap(other).type != "number_literal":
            return True
    return False


def _literal_only(ctx: TSContext, facts: FunctionFacts, src: Node) -> bool:
    """A source that only ever holds string literals (``rep = "&lt;"`` in an escaper's switch): its length is
    fixed by the code, not by input."""
    if string_value(ctx, src) is not None and src.type in ("string_literal", "concatenated_string"):
        return True
    name = ctx.text(src) if src.type == "identifier" else ""
    values = facts.values.get(name, []) if name not in facts.params else []
    literal = [v for v in values if not is_null(ctx, v)]
    return bool(literal) and all(unwrap(v).type in ("string_literal", "concatenated_string") for v in literal)


@ts_rule(
    id="C-BUF-005",
    title="Copy length taken from the source instead of the destination",
    cwe=(805, 120),
    severity=Severity.HIGH,
    confidence=Confidence.MEDIUM,
    languages=("c", "cpp"),
    query=calls_to(_COPIES),
    why="""Assistants "fix" strcpy by writing memcpy(dst, src, strlen(src) + 1) or strncpy(dst, src, strlen(src)).
    The bound is the length of the data, not the room in the destination, so a longer name, header or packet
    field overflows the buffer exactly as strcpy did (and strncpy sized that way does not even terminate it).""",
    fix="""Bound the copy by the destination: snprintf(dst, sizeof dst, "%s", src), or n = strnlen(src,
    sizeof dst - 1); memcpy(dst, src, n); dst[n] = '\\0'; or allocate the destination from the source length.""",
)
def copy_sized_by_source(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    call: Node = captures["call"][0]
    length = source_sized(ctx, call)
    if length is not None:
        yield ctx.hit(call, f"{callee(ctx, call)}() copies '{length[:40]}' bytes: the source's length, not the room "
                      "in the destination")  # fmt: skip
