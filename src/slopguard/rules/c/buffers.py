"""C-BUF-001..002: gets() and the unbounded copy/format calls (strcpy, strcat, sprintf, vsprintf)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.c.common import ArrayDecl, callee, calls_to, string_value
from slopguard.rules.c.dataflow import arg_flow, array_of, string_arguments
from slopguard.rules.c.formats import max_printf_length, printf_arity, printf_specs, string_argument_indexes
from slopguard.rules.c.sizing import sized_for
from slopguard.rules.c.strides import fits_every_pass

_COPIES = {"strcpy": "strlcpy or snprintf", "stpcpy": "stpncpy with an explicit size", "wcscpy": "wcsncpy",
           "strcat": "strlcat or snprintf", "wcscat": "wcsncat"}  # fmt: skip
_FORMATS = frozenset({"sprintf", "vsprintf"})
Risk = tuple[Severity, Confidence, str]


@ts_rule(
    id="C-BUF-001",
    title="gets() reads input with no length limit",
    cwe=(242, 120),
    severity=Severity.CRITICAL,
    confidence=Confidence.HIGH,
    languages=("c", "cpp"),
    query=calls_to(["gets", "_getws"]),
    why="""Assistants still reach for gets() in quick command-line tools because it is the shortest way to read a
    line. gets() has no idea how big the buffer is: a longer line overwrites the stack (return address, canaries,
    neighbouring variables), the textbook exploitable overflow. It was removed from C11 and C++14 for that reason.""",
    fix="""Use fgets(buf, sizeof buf, stdin) and strip the newline, or getline() for lines of any length.""",
)
def c_gets(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    call = captures["call"][0]
    if callee(ctx, call) in ("gets", "_getws"):
        yield ctx.hit(
            call, "gets() cannot limit the line to the buffer (removed in C11); use fgets(buf, sizeof buf, stdin)"
        )


@ts_rule(
    id="C-BUF-002",
    title="Unbounded string copy or format into a buffer",
    cwe=120,
    severity=Severity.HIGH,
    confidence=Confidence.MEDIUM,
    languages=("c", "cpp"),
    query=calls_to(_COPIES, _FORMATS),
    why="""Assistants copy and build strings with strcpy, strcat and sprintf because that is what most C examples
    show. None of them knows the size of the destination: a longer argument, environment variable or network
    field writes past the buffer and corrupts the stack or heap, which attackers turn into code execution.""",
    fix="""Bound every write by the destination's size: snprintf(buf, sizeof buf, ...) (check the result for
    truncation), strlcpy/strlcat where available, or allocate from the source length (asprintf, strdup).""",
)
def c_unbounded_copy(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    call = captures["call"][0]
    name = callee(ctx, call)
    args = ctx.arguments(call)
    if not _library_call(ctx, name, args):
        return
    decl = array_of(ctx, args[0])
    if name in _FORMATS:
        risk = _format_risk(ctx, name, decl, args, call)
        fix = "use snprintf(buf, sizeof buf, ...)" if name == "sprintf" else "use vsnprintf(buf, sizeof buf, ...)"
    else:
        risk = _copy_risk(ctx, name, decl, args[0], args[1])
        fix = f"use {_COPIES[name]} bounded by the destination's size"
    if risk is None:
        return
    severity, confidence, what = risk
    yield ctx.hit(call, f"{name}() {what}; {fix}", severity=severity, confidence=confidence)


def _library_call(ctx: TSContext, name: str, args: list[Node]) -> bool:
    """The C library's function, not a C++ library's namesake: the C signature's arguments, a buffer to write
    into (never a string literal: ``sprintf("%d", n)`` is a formatting library's string-returning sprintf)."""
    fits = printf_arity(name, len(args)) if name in _FORMATS else name in _COPIES and len(args) == 2
    return fits and string_value(ctx, args[0]) is None


def _where(ctx: TSContext, dst: Node, decl: ArrayDecl | None) -> str:
    return f"{decl.name}[{decl.size_text or decl.size}]" if decl is not None else f"'{ctx.text(dst)[:40]}'"


def _copy_risk(ctx: TSContext, name: str, decl: ArrayDecl | None, dst: Node, src: Node) -> Risk | None:
    """How risky a strcpy/strcat is; None for a copy that cannot overflow: a string from an array no larger than
    the destination (``char to[PATH_MAX]`` into ``char archive[PATH_MAX]``)."""
    where = _where(ctx, dst, decl)
    literal = string_value(ctx, src)
    if sized_for(ctx, dst, [src]):
        return Severity.LOW, Confidence.LOW, f"writes into {where}, allocated from strlen() of the source"
    appends = name in ("strcat", "wcscat")
    if literal is not None:
        need = (len(literal) if name.startswith("wcs") else len(literal.encode())) + 1
        if appends or decl is None or decl.size is None:
            what = "appends a literal" if appends else "copies a literal"
            return Severity.MEDIUM, Confidence.LOW, f"{what} into {where} without checking the space left"
        if need <= decl.size:
            return Severity.LOW, Confidence.LOW, f"copies a {need}-byte literal into {where} (it fits)"
        return Severity.HIGH, Confidence.HIGH, f"copies a {need}-byte literal into {where}: it overflows"
    source = array_of(ctx, src)
    sizes = (decl.size if decl else None, source.size if source else None)
    same = decl is not None and source is not None and bool(source.size_text) and source.size_text == decl.size_text
    known = sizes[0] is not None and sizes[1] is not None and sizes[1] <= sizes[0]
    if source and not appends and (known or same):
        return None
    flow = arg_flow(ctx, src)
    verb = "appends" if appends else "copies"
    if flow.tainted:
        return Severity.HIGH, Confidence.HIGH, f"{verb} attacker-controlled data ({flow.origin}) into {where} unchecked"
    return Severity.HIGH, Confidence.MEDIUM, f"{verb} '{ctx.text(src)[:40]}' into {where} without a length check"


def _format_risk(ctx: TSContext, name: str, decl: ArrayDecl | None, args: list[Node], call: Node) -> Risk | None:
    """How risky a sprintf/vsprintf is; None for a loop's writes that step through a buffer sized for all of them
    (``sprintf(hex + 2 * i, "%02x", digest[i])`` into ``char hex[2 * N + 1]``)."""
    where = _where(ctx, args[0], decl)
    fmt = string_value(ctx, args[1])
    specs = printf_specs(fmt) if fmt is not None and name == "sprintf" else None
    if fmt is not None and specs is not None and fits_every_pass(ctx, call, fmt, specs):
        return None
    strings = string_arguments(ctx, args[1:])
    if sized_for(ctx, args[0], strings):
        return Severity.LOW, Confidence.LOW, f"formats into {where}, allocated from strlen() of its strings"
    if fmt is not None and specs is not None:
        rest = args[2:]
        literals = {i: v for i in string_argument_indexes(specs) if i < len(rest) and (v := string_value(ctx, rest[i]))}
        longest = max_printf_length(specs, fmt, literals)
        if longest is not None and decl is not None and decl.size is not None:
            if longest <= decl.size:
                return Severity.LOW, Confidence.LOW, f"writes at most {longest} bytes into {where} (it fits)"
            return Severity.HIGH, Confidence.MEDIUM, f"can write up to {longest} bytes into {where}"
        if longest is not None:
            return Severity.MEDIUM, Confidence.LOW, f"writes up to {longest} bytes into {where} of unknown size"
    tainted = next((f for s in strings if (f := arg_flow(ctx, s)).tainted), None)
    if tainted is not None:
        return Severity.HIGH, Confidence.HIGH, f"formats attacker-controlled data ({tainted.origin}) into {where}"
    if name == "vsprintf":
        return Severity.HIGH, Confidence.MEDIUM, f"formats a va_list into {where} with no size limit"
    if strings:
        return Severity.HIGH, Confidence.MEDIUM, f"formats strings of unchecked length into {where}"
    return Severity.MEDIUM, Confidence.MEDIUM, f"formats into {where} with no size limit"
