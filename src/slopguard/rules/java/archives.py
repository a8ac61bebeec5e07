"""JAVA-ZIPSLIP-001: archive entry names (ZipEntry, JarEntry, commons-compress entries) resolved into a path and
written without a containment check."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.java.common import (
    calls,
    creations,
    declaration,
    declared_type,
    method,
    method_of,
    receiver,
    type_name,
)
from slopguard.rules.shared.trees import walk

_ENTRY_TYPES = frozenset(
    {"ZipEntry", "JarEntry", "ZipArchiveEntry", "TarArchiveEntry", "ArchiveEntry", "SevenZArchiveEntry",
     "ArjArchiveEntry", "CpioArchiveEntry"}
)  # fmt: skip
_NEXT_ENTRY = re.compile(r"\.(?:getNextEntry|getNextJarEntry|getNextZipEntry|getNextTarEntry)\(\)$")
_FILES_WRITERS = frozenset(
    {"copy", "write", "writeString", "newOutputStream", "newBufferedWriter", "move", "createFile",
     "createSymbolicLink", "createLink", "copyInputStreamToFile", "copyToFile", "writeByteArrayToFile",
     "writeStringToFile"}
)  # fmt: skip
_WRITER_TYPES = frozenset({"FileOutputStream", "FileWriter", "RandomAccessFile", "PrintWriter"})
_FILES = re.compile(r"^(?:java\.nio\.file\.)?Files$|^(?:org\.apache\.commons\.io\.)?FileUtils$")
# Only the last element of the name is kept: Paths.get(name).getFileName(), FilenameUtils.getName(name).
_REDUCERS = frozenset({"getFileName", "FilenameUtils.getName", "getBaseName"})
# normalize()/getCanonicalPath() + startsWith(), or a '..' test on the name.
_CONTAINMENT = re.compile(r"\.startsWith\(")
_CANONICAL = re.compile(r"getCanonical(?:Path|File)\(|toRealPath\(|\.normalize\(\)")
_DOTS = re.compile(r"\.(?:contains|indexOf|startsWith)\(\s*\"\.\.")


def _archive_entry(node: Node | None, ctx: TSContext) -> bool:
    """``entry`` declared ``ZipEntry entry`` or ``var entry = zip.getNextEntry()``."""
    if node is None or node.type not in ("identifier", "field_access"):
        return node is not None and node.type == "method_invocation" and bool(_NEXT_ENTRY.search(ctx.compact(node)))
    if declared_type(node, ctx) in _ENTRY_TYPES:
        return True
    decl = declaration(ctx.text(node).rsplit(".", 1)[-1], node, ctx)
    return decl is not None and decl.value is not None and bool(_NEXT_ENTRY.search(ctx.compact(decl.value)))


def _entry_name(node: Node, ctx: TSContext) -> bool:
    """``entry.getName()`` on an archive entry."""
    return node.type == "method_invocation" and method(node, ctx) == "getName" and _archive_entry(receiver(node), ctx)


def _local_values(name: str, at: Node, ctx: TSContext) -> list[Node]:
    """The values a local variable is given in its method: its initialiser and every assignment."""
    func = method_of(at)
    decl = declaration(name, at, ctx)
    if func is None or decl is None or decl.node.type != "variable_declarator":
        return []
    values = [decl.value] if decl.value is not None else []
    for node in walk(func):
        if node.type == "assignment_expression" and ctx.text(node.child_by_field_name("left")) == name:
            right = node.child_by_field_name("right")
            if right is not None:
                values.append(right)
    return values


def _is_writer(node: Node, ctx: TSContext) -> bool:
    if node.type == "object_creation_expression":
        return type_name(node, ctx) in _WRITER_TYPES
    if node.type != "method_invocation":
        return False
    name = method(node, ctx)
    if name == "transferTo":
        return True
    obj = receiver(node)
    return name in _FILES_WRITERS and obj is not None and bool(_FILES.match(ctx.compact(obj)))


def carries_entry_name(node: Node, ctx: TSContext, hops: int = 0) -> bool:
    """The expression holds an archive entry's name (through up to three local variables), not reduced to its
    last element; writers nested in it are left out (they are reported themselves)."""
    if node.type == "method_invocation":
        if _entry_name(node, ctx):
            return True
        if method(node, ctx) in _REDUCERS or ctx.call_name(node) in _REDUCERS:
            return False
    if node.type == "identifier":
        if hops >= 3 or _archive_entry(node, ctx):
            return False
        return any(carries_entry_name(v, ctx, hops + 1) for v in _local_values(ctx.text(node), node, ctx))
    return any(not _is_writer(c, ctx) and carries_entry_name(c, ctx, hops) for c in node.named_children)


def _contained(at: Node, ctx: TSContext) -> bool:
    func = method_of(at)
    if func is None:
        return False
    text = ctx.text(func)
    return bool((_CONTAINMENT.search(text) and _CANONICAL.search(text)) or _DOTS.search(text))


@ts_rule(
    id="JAVA-ZIPSLIP-001",
    title="Archive entry name used as a file path without a containment check (zip slip)",
    cwe=22,
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    languages=("java",),
    query=calls("^(" + "|".join(sorted(_FILES_WRITERS | {"transferTo"})) + ")$")
    + " "
    + creations("(" + "|".join(sorted(_WRITER_TYPES)) + ")$"),
    why="""Assistants unpack uploaded bundles with while ((entry = zip.getNextEntry()) != null) {
    Files.copy(zip, dest.resolve(entry.getName())); }. Entry names are chosen by whoever built the archive: one
    named ../../webapps/ROOT/shell.jsp or /etc/cron.d/job is written outside the target directory, overwriting
    code, configuration or scheduled jobs on the server.""",
    fix="""Resolve and normalise each entry against the target and refuse anything outside it:
    Path out = dest.resolve(entry.getName()).normalize(); if (!out.startsWith(dest)) throw ...; or keep only
    the last name element (Paths.get(entry.getName()).getFileName()).""",
)
def java_zip_slip(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    call: Node = captures["call"][0]
    if not _is_writer(call, ctx) or _contained(call, ctx):
        return
    args = ctx.arguments(call)
    if call.type == "method_invocation" and method(call, ctx) == "transferTo":
        args = [a for a in args if a.type in ("identifier", "field_access")]  # a Path or File, not a stream
    if any(not _is_writer(a, ctx) and carries_entry_name(a, ctx) for a in args):
        yield ctx.hit(call, "archive entry name written as a path; '../' in the entry escapes the target directory")
