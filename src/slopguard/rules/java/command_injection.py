"""JAVA-CMDI-001: Runtime.exec / ProcessBuilder with command lines built from input, or sh -c with input."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.flow import Flow, describe
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.java.common import calls, creations, declared_type, literal, method, receiver, type_name, value_of
from slopguard.rules.shared.shell import is_script_flag, is_shell

_LIST_FACTORIES = frozenset({"of", "asList", "newArrayList", "listOf", "copyOf"})


def _argv(args: list[Node], ctx: TSContext) -> list[Node] | None:
    """The elements of the argument vector, or None when it is one opaque value (a list from elsewhere)."""
    if len(args) != 1:
        return args
    node = value_of(args[0], ctx)
    if node.type == "array_creation_expression":
        init = node.child_by_field_name("value")
        return list(init.named_children) if init is not None else None
    if node.type == "array_initializer":
        return list(node.named_children)
    if node.type == "method_invocation" and method(node, ctx) in _LIST_FACTORIES:
        return ctx.arguments(node)
    if node.type in ("string_literal", "binary_expression") or literal(node, ctx) is not None:
        return [args[0]]
    flow = ctx.flow(args[0])
    return [args[0]] if flow.text or flow.built else None


def _strings(node: Node, ctx: TSContext) -> list[str]:
    """The strings a program or flag argument may be (``a1`` set to "cmd.exe" or "sh" by the OS check)."""
    text = literal(node, ctx)
    if text is not None:
        return [text]
    values = ctx.possible_values(node)
    return [v for v in values if isinstance(v, str)] if all(isinstance(v, str) for v in values) else []


def _verdict(call: Node, args: list[Node], string_form: bool, ctx: TSContext) -> tuple[Flow, str] | None:
    """The dangerous value and what is wrong with it, or None."""
    if not args:
        return None
    if (
        string_form
        and len(args) >= 1
        and value_of(args[0], ctx).type not in ("array_creation_expression", "array_initializer")
    ):
        flow = ctx.flow(args[0])
        if flow.tainted or flow.built:
            return flow, "command line"
        return None
    argv = _argv(args, ctx)
    if argv is None:
        flow = ctx.flow(args[0])
        return (flow, "argument vector") if flow.tainted else None
    if not argv:
        return None
    programs = _strings(argv[0], ctx)
    flags = _strings(argv[1], ctx) if len(argv) > 1 else []
    shell = bool(programs) and all(is_shell(p) for p in programs) and bool(flags)
    if shell and all(is_script_flag(f) for f in flags) and len(argv) > 2:
        flow = ctx.flow(argv[2])
        if flow.dynamic:
            return flow, f"'{programs[0]} {flags[0]}' script"
        return None
    flow = ctx.flow(argv[0])
    if flow.tainted or flow.built:
        return flow, "program to run"
    return None


@ts_rule(
    id="JAVA-CMDI-001",
    title="OS command built from input",
    cwe=78,
    severity=Severity.CRITICAL,
    confidence=Confidence.HIGH,
    languages=("java",),
    query=calls("^(exec|command|parse)$") + " " + creations("ProcessBuilder$"),
    why="""Assistants run tools with Runtime.getRuntime().exec("ping -c 1 " + host) or
    new ProcessBuilder("sh", "-c", "convert " + file + " out.png"). With a shell, ';', '|' or '$(..)' in the
    request parameter runs the attacker's commands as the server; even without one, a concatenated command line
    lets them add options and arguments to the program.""",
    fix="""Run a fixed program with a fixed argument list: new ProcessBuilder("ping", "-c", "1", host) after
    validating host against an allow-list or strict pattern; never pass request data to sh -c / cmd /c, and
    prefer a Java library over shelling out.""",
)
def java_command_injection(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    node: Node = captures["call"][0]
    args = ctx.arguments(node)
    what: str
    if node.type == "object_creation_expression":
        if type_name(node, ctx) != "ProcessBuilder":
            return
        verdict, what = _verdict(node, args, False, ctx), "new ProcessBuilder"
    else:
        name = method(node, ctx)
        obj = receiver(node)
        if obj is None:
            return
        if name == "exec" and (ctx.compact(obj).endswith("getRuntime()") or declared_type(obj, ctx) == "Runtime"):
            verdict, what = _verdict(node, args, True, ctx), "Runtime.exec"
            environment = ctx.tainted(args[1]) if verdict is None and len(args) > 1 else None
            if environment is not None:  # exec(cmd, envp): PATH, LD_PRELOAD ... chosen by the request
                verdict = environment, "environment"
        elif name == "command" and args and declared_type(obj, ctx) == "ProcessBuilder":
            verdict, what = _verdict(node, args, False, ctx), "ProcessBuilder.command"
        elif name == "parse" and ctx.text(obj).endswith("CommandLine"):
            verdict, what = _verdict(node, args, True, ctx), "CommandLine.parse"
        else:
            return
    if verdict is None:
        return
    flow, part = verdict
    yield ctx.hit(
        node,
        f"{what}: the {part} is built from {describe(flow)}; run a fixed program with a fixed argument list",
        severity=Severity.CRITICAL if flow.tainted else Severity.HIGH,
        confidence=Confidence.HIGH if flow.tainted else Confidence.MEDIUM,
    )
