"""JS-CMDI-001: shell commands built from input (child_process.exec/execSync, shelljs, spawn with a shell)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.flow import Flow, describe, grade, join
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.javascript.common import imported, is_false, option, resolve, resolved_call, string_value, unwrap
from slopguard.rules.shared.shell import is_script_flag, is_shell

_SHELL_RUNNERS = {("child_process", "exec"), ("child_process", "execSync"), ("shelljs", "exec")}
_ARGV_RUNNERS = {("child_process", f) for f in ("spawn", "spawnSync", "execFile", "execFileSync")} | {
    ("execa", "execa"),
    ("execa", "execaSync"),
    ("execa", "*"),
}


def _runner(ctx: TSContext, call: Node) -> tuple[str, str] | None:
    """(module, function) of a process-spawning call, following imports and util.promisify(exec)."""
    found = resolved_call(ctx, call)
    if found is not None:
        return found
    callee = call.child_by_field_name("function")
    if callee is None or callee.type != "identifier":
        return None
    local = imported(ctx, ctx.text(callee))
    if local is not None:
        return local
    value = resolve(ctx, callee)
    if value is None or value.type != "call_expression" or not ctx.call_name(value).endswith("promisify"):
        return None
    args = ctx.arguments(value)
    if not args:
        return None
    inner = unwrap(args[0])
    if inner.type == "identifier":
        return imported(ctx, ctx.text(inner))
    if inner.type == "member_expression":
        obj = unwrap(inner.child_by_field_name("object") or inner)
        base = imported(ctx, ctx.text(obj))
        if base is None and obj.type == "call_expression" and ctx.call_name(obj) == "require":
            module = string_value(ctx, next(iter(ctx.arguments(obj)), None))  # promisify(require('cp').exec)
            base = (module.removeprefix("node:"), "*") if module is not None else None
        if base is not None and base[1] == "*":
            return base[0], ctx.text(inner.child_by_field_name("property"))
    return None


def _shell_argv(ctx: TSContext, args: list[Node]) -> bool:
    """``spawn('sh', ['-c', cmd])``: the argument vector hands a command line to a shell."""
    program = string_value(ctx, args[0]) if args else None
    if program is None or not is_shell(program) or len(args) < 2:
        return False
    argv = resolve(ctx, args[1])
    return (
        argv is not None
        and argv.type == "array"
        and any(is_script_flag(string_value(ctx, a) or "") for a in argv.named_children)
    )


@ts_rule(
    id="JS-CMDI-001",
    title="Shell command built from non-constant data",
    cwe=78,
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    languages=("javascript", "typescript"),
    query="(call_expression) @call",
    why="""Assistants shell out with exec(`convert ${file} out.png`) or execSync('ping -c 1 ' + host), or pass
    shell: true to spawn so a command line 'just works'. A shell parses the string: a filename or host with ;,
    |, $() or backticks runs the attacker's own commands on the server.""",
    fix="""Use execFile/spawn with the program and an argument array and no shell (execFile('ping', ['-c', '1',
    host])), validate values against an allow-list, and put '--' before user-supplied arguments.""",
)
def shell_command(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    call: Node = captures["call"][0]
    runner = _runner(ctx, call)
    if runner is None:
        return
    args = ctx.arguments(call)
    if not args:
        return
    flow: Flow
    if runner in _SHELL_RUNNERS:
        flow = ctx.flow(args[0])
        if not (flow.tainted or flow.built):
            return
        label = f"{runner[1]}() runs a shell command"
    elif runner in _ARGV_RUNNERS:
        opts = resolve(ctx, args[-1])
        shell = option(ctx, opts, "shell") if opts is not None and opts.type == "object" else None
        if (shell is None or is_false(shell)) and not _shell_argv(ctx, args):
            return
        command = args[:-1] if shell is not None else args[1:]
        flow = join(ctx.flow(a) for a in command)
        if not flow.dynamic:
            return
        how = "with shell: true" if shell is not None else "of a shell with -c"
        label = f"{runner[1]}() {how} runs a command"
    else:
        return
    severity, confidence = grade(flow, Severity.HIGH)
    yield ctx.hit(
        call,
        f"{label} built from {describe(flow)}; use execFile/spawn with an argument array and no shell",
        severity=severity,
        confidence=confidence,
    )
