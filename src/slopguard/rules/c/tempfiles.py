"""C-TEMP-001: temporary files at predictable names: mktemp/tmpnam/tempnam, and files created under /tmp at a
fixed name (or one made from the process id) without O_EXCL."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.c.common import base_name, callee, calls_to, string_value
from slopguard.rules.c.dataflow import function_facts
from slopguard.rules.c.formats import BUFFER_FORMAT, PRINTF_FORMAT
from slopguard.rules.shared.trees import walk

_NAMERS = frozenset({"mktemp", "_mktemp", "_wmktemp", "tmpnam", "tmpnam_r", "tempnam", "_tempnam", "_wtempnam",
                     "_wtmpnam"})  # fmt: skip
_CREATORS = frozenset({"fopen", "fopen64", "open", "open64", "creat"})
_SHARED_TMP = re.compile(r"^/(?:var/)?tmp/")


def _defined_here(ctx: TSContext, name: str) -> bool:
    """The file defines its own function of that name (a shell's builtin mktemp, a test double)."""
    for node in walk(ctx.tree.root_node, skip=frozenset({"compound_statement"})):
        if node.type == "function_declarator":
            declared = node.child_by_field_name("declarator")
            if declared is not None and ctx.text(declared) == name:
                return True
    return False


def _fixed_tmp_path(ctx: TSContext, path: Node) -> str | None:
    """The /tmp path a file is created at when it is a literal or printed from a literal format starting with
    /tmp/ (``snprintf(p, n, "/tmp/app-%d.lock", getpid())``); None otherwise, and for mktemp templates (the
    name mktemp made is reported there)."""
    value = string_value(ctx, path)
    if value is not None:
        return value if _SHARED_TMP.match(value) else None
    name = base_name(ctx, path)
    facts = function_facts(ctx, path)
    if not name or facts is None:
        return None
    formats = []
    for call in facts.calls:
        args, printer = ctx.arguments(call), callee(ctx, call)
        if printer in BUFFER_FORMAT and args and base_name(ctx, args[0]) == name:
            index = PRINTF_FORMAT[printer]
            formats.append(string_value(ctx, args[index]) if len(args) > index else None)
    values = [string_value(ctx, v) for v in facts.values.get(name, [])]
    found = formats + values
    if not found or any(f is None or not _SHARED_TMP.match(f) or "XXXXXX" in f for f in found):
        return None
    return found[0]


def _creates(ctx: TSContext, call: Node, name: str) -> bool:
    """fopen with a "w"/"a" mode; open/creat with O_CREAT and without O_EXCL."""
    args = ctx.arguments(call)
    if name.startswith("fopen"):
        mode = string_value(ctx, args[1]) if len(args) > 1 else None
        return mode is not None and mode[:1] in ("w", "a") and "x" not in mode
    if name == "creat":
        return True
    flags = ctx.text(args[1]) if len(args) > 1 else ""
    return "O_CREAT" in flags and "O_EXCL" not in flags and "O_TMPFILE" not in flags


@ts_rule(
    id="C-TEMP-001",
    title="Temporary file at a predictable name",
    cwe=377,
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    languages=("c", "cpp"),
    query=calls_to(_NAMERS, _CREATORS),
    why="""Assistants name scratch files with tmpnam(), mktemp("/tmp/fileXXXXXX") or a fixed
    fopen("/tmp/app.tmp", "w"), then open the name. Another local user can guess the name and create it first, or
    plant a symlink there to /etc/passwd or the victim's files: the program then writes into, truncates or reads
    a file the attacker chose, with its own privileges.""",
    fix="""Create and open the file in one step: mkstemp()/mkostemp() (mkdtemp() for a folder), tmpfile(), or
    open(..., O_CREAT | O_EXCL | O_NOFOLLOW, 0600) in a private directory; std::tmpfile() in C++.""",
)
def c_predictable_temp_file(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    call: Node = captures["call"][0]
    name = callee(ctx, call)
    if name in _NAMERS and not _defined_here(ctx, name):
        yield ctx.hit(call, f"{name}() returns a name another user can guess and create first (a symlink to a "
                      "file of their choice); use mkstemp() or tmpfile()")  # fmt: skip
        return
    args = ctx.arguments(call)
    if name not in _CREATORS or not args or not _creates(ctx, call, name):
        return
    path = _fixed_tmp_path(ctx, args[0])
    if path is not None:
        yield ctx.hit(call, f"{name}() creates '{path[:40]}' in the shared /tmp at a predictable name without O_EXCL; "
                      "a planted symlink redirects the write: use mkstemp()", confidence=Confidence.MEDIUM)  # fmt: skip
