"""C-BUF-003..004: scanf's %s without a width, and realpath() into a buffer shorter than PATH_MAX."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.c.common import PATH_MAX, base_name, callee, calls_to, const_int, is_null, string_value
from slopguard.rules.c.dataflow import array_of, function_facts
from slopguard.rules.c.formats import SCANF_FORMAT, scanf_specs

_FROM_STRING = frozenset({"sscanf", "vsscanf", "swscanf"})
_PATH_MAX_NAMES = ("PATH_MAX", "MAXPATHLEN", "MAX_PATH", "_MAX_PATH", "FILENAME_MAX")


@ts_rule(
    id="C-BUF-003",
    title="scanf-family %s or %[ conversion without a field width",
    cwe=(120, 242),
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    languages=("c", "cpp"),
    query=calls_to(SCANF_FORMAT),
    why="""scanf("%s", name) is how assistants read a word in C. Without a width the conversion stores however
    many characters the input has: a long word from stdin, a file or a network buffer overflows the
    destination exactly like gets().""",
    fix="""Give every %s and %[ a width one less than the buffer (char name[32] -> "%31s"), use %ms to let scanf
    allocate, or read the line with fgets and parse it.""",
)
def c_scanf_string(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    call = captures["call"][0]
    name = callee(ctx, call)
    if name not in SCANF_FORMAT:
        return
    args = ctx.arguments(call)
    index = SCANF_FORMAT[name]
    fmt = string_value(ctx, args[index]) if len(args) > index else None
    if fmt is None:
        return
    for spec in scanf_specs(fmt):
        if spec.conv not in "sS[" or spec.width is not None or spec.allocates or spec.argument is None:
            continue
        position = index + 1 + spec.argument
        target = args[position] if position < len(args) else None
        decl = array_of(ctx, target) if target is not None else None
        if (
            name in _FROM_STRING
            and decl is not None
            and decl.size is not None
            and _source_fits(ctx, args[0], decl.size)
        ):
            continue
        conv = "[...]" if spec.conv == "[" else spec.conv
        where = f"{decl.name}[{decl.size_text}]" if decl is not None else f"'{ctx.text(target)[:40]}'"
        width = f"%{decl.size - 1}{conv}" if decl is not None and decl.size else "a field width"
        yield ctx.hit(
            call,
            f"{name}() stores a %{conv} field of any length into {where}; use {width} (or %m{conv})",
            confidence=Confidence.MEDIUM if name in _FROM_STRING else Confidence.HIGH,
        )
        return


def _source_fits(ctx: TSContext, source: Node, size: int) -> bool:
    """sscanf from a string no longer than the destination cannot overflow it."""
    literal = string_value(ctx, source)
    if literal is not None:
        return len(literal.encode()) < size
    decl = array_of(ctx, source)
    return decl is not None and decl.size is not None and decl.size <= size


@ts_rule(
    id="C-BUF-004",
    title="realpath() into a buffer shorter than PATH_MAX",
    cwe=(785, 120),
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    languages=("c", "cpp"),
    query=calls_to(["realpath"]),
    why="""realpath(path, resolved) writes up to PATH_MAX bytes into resolved and cannot be told its size.
    Assistants pass a char resolved[256] or a small malloc(), and a deep or attacker-made path (symlinks, long
    directory names) overflows it. Passing NULL, which makes realpath allocate the result, is the safe form.""",
    fix="""Call realpath(path, NULL) and free() the result, or pass a buffer declared char resolved[PATH_MAX].""",
)
def c_realpath(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    call = captures["call"][0]
    args = ctx.arguments(call)
    if callee(ctx, call) != "realpath" or len(args) != 2 or is_null(ctx, args[1]):
        return
    decl = array_of(ctx, args[1])
    if decl is not None:
        if any(n in decl.size_text for n in _PATH_MAX_NAMES) or (decl.size or 0) >= PATH_MAX or decl.size is None:
            return
        yield ctx.hit(call, f"realpath() writes up to PATH_MAX ({PATH_MAX}) bytes into {decl.name}[{decl.size_text}]; "
                      "pass NULL to have it allocate the result")  # fmt: skip
        return
    size = _allocated_size(ctx, args[1])
    if size is not None and not any(n in size for n in _PATH_MAX_NAMES):
        yield ctx.hit(call, f"realpath() writes up to PATH_MAX ({PATH_MAX}) bytes into a buffer allocated with {size}; "
                      "pass NULL to have it allocate the result")  # fmt: skip


def _allocated_size(ctx: TSContext, node: Node) -> str | None:
    """The size expression of a local pointer allocated with a constant size smaller than PATH_MAX."""
    name = base_name(ctx, node)
    facts = function_facts(ctx, node)
    if not name or facts is None:
        return None
    for value in facts.values.get(name, []):
        call = value.named_children[-1] if value.type == "cast_expression" else value
        if call.type != "call_expression" or callee(ctx, call) not in ("malloc", "calloc", "alloca", "xmalloc"):
            continue
        sizes = ctx.arguments(call)
        total = 1
        for size in sizes:
            number = const_int(ctx, size)
            if number is None:
                return None
            total *= number
        if sizes and total < PATH_MAX:
            return ctx.text(call)
    return None
