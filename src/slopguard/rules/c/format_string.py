"""C-FMT-001: a printf-family or syslog call whose format string is data rather than a literal."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.c.common import callee, calls_to, literal_like
from slopguard.rules.c.dataflow import arg_flow
from slopguard.rules.c.formats import PRINTF_FORMAT, printf_arity

_RUNTIME_FORMAT = re.compile(r"^(?:fmt|std)::(?:runtime|runtime_format|vformat|vprint)$")


def _runtime_format(call: Node, name: str, ctx: TSContext) -> Iterator[Hit]:
    """``fmt::print(fmt::runtime(text))`` / ``std::vformat(text, args)``: the compile-time check switched off.

    As with printf, a format handed on together with arguments is meant to be one (a template from a table or a
    translation file): only request data reaching it is worth a finding then."""
    args = ctx.arguments(call)
    if name.endswith(("vformat", "vprint")):
        fmt, forwards = (args[-2] if len(args) >= 2 else None), True  # (stream|locale,) format, format_args
    else:
        fmt = args[0] if args else None
        outer = call.parent.parent if call.parent is not None and call.parent.type == "argument_list" else None
        forwards = outer is not None and ctx.arguments(outer)[-1] != call
    if fmt is None or literal_like(ctx, fmt):
        return
    flow = arg_flow(ctx, fmt)
    if not flow.dynamic or (forwards and not flow.tainted):
        return
    yield ctx.hit(
        call,
        f"{name}() takes '{ctx.text(fmt)[:40]}' as a format string at run time; "
        "replacement fields in it read the arguments or throw",
        confidence=Confidence.HIGH if flow.tainted else Confidence.MEDIUM,
    )


@ts_rule(
    id="C-FMT-001",
    title="Format string that is not a literal",
    cwe=134,
    severity=Severity.HIGH,
    confidence=Confidence.MEDIUM,
    languages=("c", "cpp"),
    query=calls_to(PRINTF_FORMAT)
    + " ((call_expression function: (_) @fn) @call"
    + ' (#match? @fn "^(fmt|std)::(runtime|runtime_format|vformat|vprint)$"))',
    why="""Assistants print a message with printf(msg), fprintf(stderr, err), syslog(LOG_ERR, buf) or
    snprintf(dst, n, text). The first string is a format: any %s or %x in the data reads the stack (leaking
    pointers and canaries) and %n writes to memory, so text from a user, file or peer becomes a memory-read
    and write primitive.""",
    fix="""Keep the format a literal and pass the data as an argument: printf("%s", msg), fputs(msg, stdout),
    syslog(LOG_ERR, "%s", buf), snprintf(dst, n, "%s", text).""",
)
def c_format_string(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    call = captures["call"][0]
    runtime = _RUNTIME_FORMAT.match(ctx.compact(captures["fn"][0]))
    if runtime is not None:
        yield from _runtime_format(call, runtime.group(0), ctx)
        return
    name = callee(ctx, call)
    index = PRINTF_FORMAT.get(name)
    args = ctx.arguments(call)
    if index is None or not printf_arity(name, len(args)):
        return  # a C++ library's own vsprintf(fmt, args) / sprintf(fmt, values...), not the C function
    fmt = args[index]
    if literal_like(ctx, fmt):
        return
    flow = arg_flow(ctx, fmt)
    if not flow.dynamic:
        return  # a constant chosen at run time: const char *fmt = verbose ? "%s\n" : "%.20s\n";
    # With arguments after it (or a va_list) the format is meant to be one: a table entry or a wrapper's
    # parameter, checked by the compiler at the callers. Only data reaching it is worth a finding then.
    forwards = len(args) > index + 1 or name.startswith("v")
    if forwards and not flow.tainted:
        return
    text = ctx.text(fmt)[:40]
    safe = ", ".join(ctx.text(a)[:20] for a in args[:index])
    safe = f'{name}({safe}{", " if safe else ""}"%s", {text})'
    if flow.tainted:
        yield ctx.hit(
            call,
            f"{name}() uses attacker-controlled data ({flow.origin}) as its format string; use {safe}",
            confidence=Confidence.HIGH,
        )
        return
    yield ctx.hit(call, f"{name}() uses '{text}' as its format string: a % in it reads or writes memory; use {safe}")
