"""C-CMDI-001: system(), popen() and exec of ``sh -c`` with a command that is not a constant."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.c.common import COPIERS, base_name, callee, calls_to, is_null, literal_like, string_value, unwrap
from slopguard.rules.c.dataflow import arg_flow, function_facts, string_arguments
from slopguard.rules.c.formats import BUFFER_FORMAT, PRINTF_FORMAT
from slopguard.rules.c.guards import read_names, validated
from slopguard.rules.c.views import viewed_name
from slopguard.rules.shared.shell import is_script_flag, is_shell

_RUNNERS = frozenset({"system", "popen", "_popen", "_wsystem", "_wpopen"})
_EXECL = frozenset({"execl", "execlp", "execle"})
_EXECV = frozenset({"execv", "execvp", "execve", "execvpe"})


@ts_rule(
    id="C-CMDI-001",
    title="Shell command built from non-constant data",
    cwe=78,
    severity=Severity.HIGH,
    confidence=Confidence.MEDIUM,
    languages=("c", "cpp"),
    query=calls_to(_RUNNERS, _EXECL, _EXECV),
    why="""Assistants build a command line with snprintf or strcat (or std::string +) and hand it to system() or
    popen(), or run execl("/bin/sh", "sh", "-c", cmd). The shell parses the whole string: a file name, host or
    argument containing ; | $() or backquotes runs the attacker's own commands with the program's privileges.""",
    fix="""Run the program directly with fork/execv (or posix_spawn) and a fixed argv array holding each value as
    its own argument; if a shell is unavoidable, validate the value against a strict allow-list first.""",
)
def c_command_injection(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    call = captures["call"][0]
    name = callee(ctx, call)
    args = ctx.arguments(call)
    if name in _RUNNERS:
        command = args[0] if args else None
    elif name in _EXECL:
        command = _after_dash_c(ctx, args) if args and _is_shell(ctx, args[0]) else None
    elif name in _EXECV:
        command = _array_command(ctx, args[1]) if len(args) > 1 and _is_shell(ctx, args[0]) else None
    else:
        return
    if command is None or is_null(ctx, command) or literal_like(ctx, command):
        return
    flow = arg_flow(ctx, command)
    if not flow.dynamic or validated(ctx, call, _inputs(ctx, command, call)):
        return
    text = ctx.text(command)[:40]
    runner = f"{name}() through sh -c" if name not in _RUNNERS else f"{name}()"
    if flow.tainted:
        yield ctx.hit(
            call,
            f"{runner} runs a shell command holding attacker-controlled data ({flow.origin}); "
            "exec the program with a fixed argv instead",
            severity=Severity.CRITICAL,
            confidence=Confidence.HIGH,
        )
        return
    facts = function_facts(ctx, command)
    built = flow.built or (facts is not None and base_name(ctx, command) in facts.writes)
    what = "assembled from non-constant data" if built else "that is not a constant"
    yield ctx.hit(
        call,
        f"{runner} runs a shell command '{text}' {what}; shell metacharacters in it run other commands",
        severity=Severity.HIGH if built else Severity.MEDIUM,
        confidence=Confidence.MEDIUM if built else Confidence.LOW,
    )


def _is_shell(ctx: TSContext, node: Node) -> bool:
    value = string_value(ctx, node)
    return value is not None and is_shell(value)


def _after_dash_c(ctx: TSContext, args: list[Node]) -> Node | None:
    """The argument after ``"-c"`` in ``execl("/bin/sh", "sh", "-c", cmd, NULL)``."""
    for i, arg in enumerate(args[1:-1], start=1):
        if is_script_flag(string_value(ctx, arg) or ""):
            return args[i + 1]
    return None


def _array_command(ctx: TSContext, argv: Node) -> Node | None:
    """The element after ``"-c"`` in the array initialiser of ``char *argv[] = {"sh", "-c", cmd, NULL}``."""
    name = base_name(ctx, argv)
    facts = function_facts(ctx, argv)
    if not name or facts is None:
        return None
    for value in facts.values.get(name, []):
        value = unwrap(value)
        if value.type == "initializer_list":
            found = _after_dash_c(ctx, [value, *value.named_children])
            if found is not None:
                return found
    return None


def _inputs(ctx: TSContext, command: Node, call: Node) -> set[str]:
    """The non-constant variables a command is built from: those it reads, and those copied, formatted, appended
    or assigned into the buffer or string it names before ``call``."""
    facts = function_facts(ctx, command)
    name = base_name(ctx, command) or viewed_name(ctx, command)
    if facts is None or not name:
        return read_names(ctx, command)
    pieces = [*facts.appends.get(name, []), *(v for v in facts.values.get(name, []) if v.start_byte < call.start_byte)]
    for write in facts.calls:
        args, writer = ctx.arguments(write), callee(ctx, write)
        if write.start_byte > call.start_byte or not args or base_name(ctx, args[0]) != name:
            continue
        if writer in COPIERS:
            pieces += args[1:2]
        elif writer in BUFFER_FORMAT and len(args) > PRINTF_FORMAT[writer]:
            pieces += string_arguments(ctx, args[PRINTF_FORMAT[writer] :])
    return {n for piece in pieces if arg_flow(ctx, piece, facts).dynamic for n in read_names(ctx, piece)}
