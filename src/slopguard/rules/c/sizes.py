"""C-SIZE-001: a fixed-size array written with a length that is not derived from its size."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.c.common import ArrayDecl, callee, calls_to, const_int, is_macro, unwrap
from slopguard.rules.c.copies import source_sized
from slopguard.rules.c.dataflow import FunctionFacts, arg_flow, array_of, function_facts
from slopguard.rules.c.sizing import allocated_with_room
from slopguard.rules.shared.trees import walk

# name -> (index of the buffer written, index of the length it is told)
_SINKS: dict[str, tuple[int, int]] = {
    "fgets": (0, 1), "fgetws": (0, 1), "snprintf": (0, 1), "vsnprintf": (0, 1), "swprintf": (0, 1),
    "strncpy": (0, 2), "stpncpy": (0, 2), "strncat": (0, 2), "strlcpy": (0, 2), "strlcat": (0, 2),
    "memcpy": (0, 2), "memmove": (0, 2), "memset": (0, 2), "bzero": (0, 1), "explicit_bzero": (0, 1),
    "read": (1, 2), "pread": (1, 2), "recv": (1, 2), "recvfrom": (1, 2), "readlink": (1, 2),
    "getcwd": (0, 1), "gethostname": (0, 1), "strftime": (0, 1), "fread": (0, 2),
}  # fmt: skip
# Lengths counted in bytes (the others count elements of a char or wchar_t array).
_BYTES = frozenset({"memcpy", "memmove", "memset", "bzero", "explicit_bzero", "read", "pread", "recv", "recvfrom"})
_NARROW = {"unsignedchar": 256, "uint8_t": 256, "u_char": 256, "u8": 256, "guint8": 256,
           "unsignedshort": 65536, "uint16_t": 65536, "u_short": 65536, "u16": 65536, "guint16": 65536}  # fmt: skip
_MIN = frozenset({"min", "MIN", "MIN2", "min_t", "fmin", "umin", "imin", "std::min", "g_min"})


@ts_rule(
    id="C-SIZE-001",
    title="Fixed-size buffer written with a length not derived from sizeof",
    cwe=787,
    severity=Severity.HIGH,
    confidence=Confidence.MEDIUM,
    languages=("c", "cpp"),
    query=calls_to(_SINKS),
    why="""Assistants declare char buf[64] and then write fgets(buf, 128, f), memcpy(buf, src, len) or
    read(fd, buf, n) with a length typed separately or taken from the input. When the number is larger than
    the array, or is a length nobody compared with the array's size, the call writes past the buffer: a
    stack or heap overflow that a long line, packet or file turns into a crash or code execution.""",
    fix="""Derive the length from the destination: fgets(buf, sizeof buf, f); memcpy(buf, src, MIN(len,
    sizeof buf)), or reject len > sizeof buf before the copy; use one named constant for the declaration and
    every length.""",
)
def c_buffer_size(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    call = captures["call"][0]
    name = callee(ctx, call)
    args = ctx.arguments(call)
    if name not in _SINKS or len(args) <= max(_SINKS[name]):
        return
    buffer, length = (args[i] for i in _SINKS[name])
    if name == "fread" and not _unit_size(ctx, args[1]):
        return
    decl = array_of(ctx, buffer)
    if decl is None or decl.size is None or not (decl.byte or name == "fgetws" or name in _BYTES):
        return
    where = f"{decl.name}[{decl.size_text}]"
    text = ctx.compact(length)
    if "sizeof" in text and not _element_count(ctx, length, decl):
        problem = _sizeof_problem(ctx, name, decl, length)
        if problem:
            yield ctx.hit(call, f"{name}() {problem}", confidence=Confidence.HIGH)
        return
    number = const_int(ctx, length)
    if number is not None:
        if (decl.byte or name == "fgetws") and (number >= decl.size if name == "strncat" else number > decl.size):
            yield ctx.hit(
                call,
                f"{name}() is told {decl.name} holds {number} but it is declared {where}: use sizeof {decl.name}",
                confidence=Confidence.HIGH,
            )
        return
    facts = function_facts(ctx, call)
    if facts is None or text in (decl.size_text, f"{decl.size_text}-1") or _bounded(ctx, facts, length, decl):
        return
    if source_sized(ctx, call) is not None:
        return  # a length measured on the source: C-BUF-005 reports it
    if allocated_with_room(ctx, buffer, length):
        return  # s = malloc(sizeof(*s) + len); memcpy(s->path, path, len + 1) into a trailing char path[1]
    flow = arg_flow(ctx, length)
    origin = f" (from {flow.origin})" if flow.tainted else ""
    yield ctx.hit(
        call,
        f"{name}() writes '{ctx.text(length)[:40]}'{origin} bytes into {where}, and that length is never checked "
        f"against sizeof {decl.name} in this function",
        confidence=Confidence.HIGH if flow.tainted else Confidence.MEDIUM,
    )


def _element_count(ctx: TSContext, length: Node, decl: ArrayDecl) -> bool:
    """``count * sizeof(Rgba)`` / ``sizeof *p * n``: a number of elements times the size of one, where the
    number is a variable; the length then is as large as the count, not derived from the array's size."""
    node = unwrap(length)
    operator = node.child_by_field_name("operator") if node.type == "binary_expression" else None
    if operator is None or operator.type != "*":
        return False
    sides = [unwrap(s) for s in (node.child_by_field_name("left"), node.child_by_field_name("right")) if s]
    sizes = [s for s in sides if s.type == "sizeof_expression"]
    counts = [s for s in sides if s.type != "sizeof_expression"]
    if len(sizes) != 1 or len(counts) != 1 or const_int(ctx, counts[0]) is not None or "sizeof" in ctx.text(counts[0]):
        return False
    operand = sizes[0].child_by_field_name("value")
    measured = array_of(ctx, unwrap(operand)) if operand is not None else None
    return measured is None or measured.name != decl.name  # sizeof of the array itself sizes the whole array


def _unit_size(ctx: TSContext, node: Node) -> bool:
    """fread(buf, 1, n, f) and fread(buf, sizeof(char), n, f) count bytes in their third argument."""
    return const_int(ctx, node) == 1 or ctx.compact(node) in ("sizeof(char)", "sizeof(unsignedchar)", "sizeof(uint8_t)")


def _sizeof_problem(ctx: TSContext, name: str, decl: ArrayDecl, length: Node) -> str:
    """strncat(buf, s, sizeof buf) (its length is the space left), or sizeof of a larger array than the target."""
    length = unwrap(length)
    if length.type != "sizeof_expression":
        return ""
    operand = length.child_by_field_name("value")
    if operand is None:
        return ""
    other = array_of(ctx, unwrap(operand))
    if other is not None and other.name == decl.name:
        if name == "strncat":
            return (
                f"is given sizeof {decl.name}, but its length is the space left: sizeof {decl.name} - strlen(...) - 1"
            )
        return ""
    if other is not None and other.size is not None and decl.size is not None and other.size > decl.size:
        return f"writes sizeof {other.name} ({other.size}) bytes into {decl.name}[{decl.size_text}]"
    return ""


def _identifiers(ctx: TSContext, node: Node) -> set[str]:
    """Variables a length reads (not called function names, not sizeof operands)."""
    names: set[str] = set()
    for child in walk(node, skip=frozenset({"sizeof_expression"})):
        if child.type == "identifier" and child.parent is not None and child.parent.type != "call_expression":
            names.add(ctx.text(child))
    return names


def _is_bound(ctx: TSContext, node: Node, decl: ArrayDecl) -> bool:
    """An expression that can serve as a limit: sizeof, a MACRO, the declared size, a number larger than 1."""
    for child in walk(node):
        if child.type == "sizeof_expression" or is_macro(ctx, child) or ctx.text(child) == decl.size_text:
            return True
        if child.type == "number_literal" and (const_int(ctx, child) or 0) > 1:
            return True
    return False


def _limits(ctx: TSContext, comparison: Node, names: set[str], decl: ArrayDecl) -> bool:
    """The comparison holds the length's variables on one side and a limit on the other: ``len >= sizeof buf``,
    ``n + 1 > NAME_MAX``; not ``off + n + 4 > total`` (a check against the input's length, not the buffer's)."""
    left, right = comparison.child_by_field_name("left"), comparison.child_by_field_name("right")
    if left is None or right is None:
        return False
    in_left, in_right = bool(names & _identifiers(ctx, left)), bool(names & _identifiers(ctx, right))
    if in_left and in_right:
        return _is_bound(ctx, comparison, decl)
    return (in_left and _is_bound(ctx, right, decl)) or (in_right and _is_bound(ctx, left, decl))


def _equated(ctx: TSContext, comparison: Node, names: set[str]) -> set[str]:
    """The variables of the other side when ``comparison`` tests the length's variables for (in)equality:
    ``bytes != qty * 2`` -> {qty}."""
    operator = comparison.child_by_field_name("operator")
    left, right = comparison.child_by_field_name("left"), comparison.child_by_field_name("right")
    if operator is None or operator.type not in ("==", "!=") or left is None or right is None:
        return set()
    ours, theirs = _identifiers(ctx, left), _identifiers(ctx, right)
    if ours != names:
        ours, theirs = theirs, ours
    return theirs - names if ours == names else set()


def _bounded(ctx: TSContext, facts: FunctionFacts, length: Node, decl: ArrayDecl) -> bool:
    """The length's variables are compared with a limit, clamped with min(), constant, or computed with sizeof."""
    names = _identifiers(ctx, length)
    if not names or all(is_macro(ctx, n) for n in walk(length) if n.type == "identifier" and ctx.text(n) in names):
        return True
    bare = unwrap(length)
    declared = facts.types.get(ctx.text(bare), "") if bare.type == "identifier" else ""
    narrow = _NARROW.get(declared.removeprefix("std::")) if declared else None
    if narrow is not None and decl.size is not None and narrow <= decl.size:
        return True  # an unsigned char length cannot exceed a 256-byte buffer
    for name in names:
        values = facts.values.get(name, [])
        if values and all(const_int(ctx, v) is not None for v in values):
            return True
        if any("sizeof" in ctx.compact(v) for v in values):
            return True
    for comparison in facts.comparisons:
        if _limits(ctx, comparison, names, decl):
            return True
    func = ctx.function_of(length)
    for comparison in walk(func) if func is not None else []:
        linked = _equated(ctx, comparison, names) if comparison.type == "binary_expression" else set()
        if linked and any(_limits(ctx, c, linked, decl) for c in facts.comparisons):
            return True  # bytes != qty * 2 after qty > MAX_REGS: bounded through the count it must match
    for call in facts.calls:
        fn = call.child_by_field_name("function")
        if fn is not None and ctx.compact(fn) in _MIN and names & _identifiers(ctx, call):
            return True
    return False
