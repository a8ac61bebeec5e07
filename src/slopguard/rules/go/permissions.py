"""GO-PERM-001: files and directories created or chmod-ed world-writable (0777, 0666)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.go.common import CALL, bound_values, function_of, imports, is_test, package_call, unwrap
from slopguard.rules.shared.trees import any_of

# Where the permission bits are: os.WriteFile(name, data, perm), os.MkdirAll(name, perm), os.Chmod(name, mode)...
_MODE_ARGUMENT = {"WriteFile": 2, "OpenFile": 2, "Mkdir": 1, "MkdirAll": 1, "Chmod": 1}
_OTHERS_WRITE = 0o002
_GO_INT = re.compile(r"^(?:0[oO]?([0-7_]+)|0[xX]([0-9a-fA-F_]+)|([1-9][0-9_]*|0))$")


def _mode(ctx: TSContext, node: Node, depth: int = 0) -> int | None:
    """The value of a permission argument: ``0777``, ``0o666``, ``os.FileMode(0777)``, a constant holding one."""
    node = unwrap(node)
    text = ctx.compact(node)
    match = _GO_INT.match(text)
    if match is not None:
        octal, hexa, decimal = match.groups()
        if octal is not None:
            return int(octal.replace("_", ""), 8)
        return int(hexa.replace("_", ""), 16) if hexa is not None else int(decimal.replace("_", ""))
    if depth > 3:
        return None
    if node.type == "call_expression" and re.match(
        r"^(?:os|fs)\.FileMode$", ctx.compact(node.child_by_field_name("function"))
    ):
        args = ctx.arguments(node)
        return _mode(ctx, args[0], depth + 1) if len(args) == 1 else None
    if node.type == "identifier":
        scope = function_of(node)
        for where in (scope, ctx.tree.root_node) if scope is not None else (ctx.tree.root_node,):
            bound = bound_values(ctx, text, where)
            if bound:
                return _mode(ctx, bound[0][0], depth + 1) if len(bound) == 1 else None
    return None


@ts_rule(
    id="GO-PERM-001",
    title="File or directory made world-writable (0777, 0666)",
    cwe=(732, 276),
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    languages=("go",),
    query=f"({CALL} (#any-of? @method {any_of(sorted(_MODE_ARGUMENT))}))",
    why="""When a write fails with "permission denied", assistants reach for os.Chmod(path, 0777) or create
    upload folders, configuration and key files with os.MkdirAll(dir, 0777) / os.WriteFile(path, data, 0666).
    Every local user and every other service on the host can then replace the file: swap a script or a
    template that the application runs, plant a config, or read and alter stored secrets.""",
    fix="""Give the owner what it needs and nothing to others: 0o600 for secrets and data files, 0o644 for
    public files, 0o700 or 0o750 for directories; fix ownership with a group instead of opening the mode.""",
)
def go_world_writable(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    if is_test(ctx):
        return
    call: Node = captures["call"][0]
    method = ctx.text(captures["method"][0])
    args = ctx.arguments(call)
    found = package_call(ctx, call)
    if found in (("os", method), ("io/ioutil", method)):
        index = _MODE_ARGUMENT[method]
    elif found is None and method == "Chmod" and len(args) == 1 and "os" in imports(ctx):
        index = 0  # f.Chmod(0777) on an *os.File
    else:
        return
    if len(args) <= index:
        return
    mode = _mode(ctx, args[index])
    if mode is None or not mode & _OTHERS_WRITE:
        return
    if method == "Chmod":
        yield ctx.hit(call, f"Chmod to {mode:#o} lets every user on the host modify it; use 0o600/0o644 or 0o750")
    else:
        yield ctx.hit(call, f"{method} with mode {mode:#o}: world-writable unless the umask strips it; use "
                            "0o600/0o644 (files) or 0o750 (directories)", confidence=Confidence.MEDIUM)  # fmt: skip
