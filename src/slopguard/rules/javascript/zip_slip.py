"""JS-ZIPSLIP-001: archive entry names joined into a file path without a containment check (zip slip)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.javascript.common import enclosing_function, imported, method, receiver, resolve, resolved_call
from slopguard.rules.shared.trees import walk

_ARCHIVE_MODULES = frozenset(
    {"adm-zip", "unzipper", "yauzl", "yauzl-promise", "tar-stream", "tar", "jszip", "node-stream-zip", "unzip",
     "unzip-stream", "decompress", "tar-fs", "node-7z", "libarchive.js", "zip-lib"}
)  # fmt: skip
_FS_MODULES = frozenset({"fs", "fs/promises", "fs-extra", "graceful-fs"})
_WRITERS = frozenset(
    {"writeFile", "writeFileSync", "createWriteStream", "outputFile", "outputFileSync", "copyFile", "copyFileSync",
     "rename", "renameSync", "symlink", "symlinkSync", "appendFile", "appendFileSync"}
)  # fmt: skip
_ENTRY_OBJECT = re.compile(r"(?i)^(?:entry|zipEntry|fileEntry|archiveEntry|header|file|item|member|ent|e|f)$")
_ENTRY_FIELD = frozenset({"entryName", "fileName", "path", "name", "relativePath", "filename"})
_ENTRY_NAMES = frozenset({"entryName", "relativePath", "entryPath"})
# resolve + startsWith, path.relative, a '..' test, basename of the entry name, a helper that checks containment
_CONTAINED = re.compile(
    r"\.startsWith\s*\(|\brelative\s*\(|['\"]\.\.['\"]|\bbasename\s*\(|(?i:inside|issubpath|subdir|within|contain|safe)"
)


def _names_entry(ctx: TSContext, node: Node, depth: int = 0) -> bool:
    """Whether a path expression contains an archive entry's name (``entry.entryName``, ``header.name``)."""
    for part in walk(node):
        if part.type == "member_expression":
            obj, prop = part.child_by_field_name("object"), ctx.text(part.child_by_field_name("property"))
            if prop in _ENTRY_FIELD and obj is not None and _ENTRY_OBJECT.match(ctx.text(obj)):
                return True
        elif part.type == "identifier":
            if ctx.text(part) in _ENTRY_NAMES:
                return True
            value = resolve(ctx, part)
            if depth < 2 and value is not None and value.id != part.id and _names_entry(ctx, value, depth + 1):
                return True
    return False


def _checked(ctx: TSContext, call: Node) -> bool:
    """A containment check around the write: in the loop body, the callback or the function around them, or in
    a helper of this file they call (``if (!isUnder(dest, target)) throw ...`` with ``isUnder`` using
    ``path.relative``)."""
    scope, scopes = enclosing_function(call), []
    for _ in range(3):
        if scope is None:
            break
        scopes.append(scope)
        scope = enclosing_function(scope)
    if any(_CONTAINED.search(ctx.text(s)) for s in scopes):
        return True
    called = {
        ctx.text(c.child_by_field_name("function")) for s in scopes for c in walk(s) if c.type == "call_expression"
    }
    return any(_CONTAINED.search(ctx.text(h)) for h in _helpers(ctx, called))


def _helpers(ctx: TSContext, names: set[str]) -> list[Node]:
    """Functions of this file with one of ``names`` (declarations and ``const f = (...) => ...``)."""
    found: list[Node] = []
    for node in walk(ctx.tree.root_node):
        if node.type == "function_declaration" and ctx.text(node.child_by_field_name("name")) in names:
            found.append(node)
        elif node.type == "variable_declarator" and ctx.text(node.child_by_field_name("name")) in names:
            value = node.child_by_field_name("value")
            if value is not None and value.type in ("arrow_function", "function_expression", "function"):
                found.append(value)
    return found


@ts_rule(
    id="JS-ZIPSLIP-001",
    title="Archive entry name used as a file path without a containment check (zip slip)",
    cwe=22,
    severity=Severity.HIGH,
    confidence=Confidence.MEDIUM,
    languages=("javascript", "typescript"),
    query="(call_expression) @call",
    why="""Assistants unpack uploaded zip and tar files by looping over the entries and writing each to
    path.join(dest, entry.entryName). Entry names are chosen by whoever built the archive: '../../app/server.js'
    or an absolute path overwrites code, configuration or SSH keys outside the destination, which usually ends in
    code execution.""",
    fix="""Resolve each target (path.resolve(dest, entry.entryName)) and skip the entry unless it starts with
    path.resolve(dest) + path.sep; refuse symlink entries; or use an extractor that enforces this.""",
)
def zip_slip(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    call: Node = captures["call"][0]
    name = method(ctx, call)
    if name not in _WRITERS:
        return
    found = resolved_call(ctx, call)
    obj = receiver(call)
    if not ((found is not None and found[0] in _FS_MODULES) or ctx.text(obj) in ("fs", "fse", "fsp")):
        return
    if not ctx.memo("javascript.archives", lambda: _uses_archives(ctx)):
        return
    args = ctx.arguments(call)
    target = (
        args[-1] if name.startswith(("copyFile", "rename", "symlink")) and len(args) >= 2 else args[0] if args else None
    )
    if target is None or not _names_entry(ctx, target) or _checked(ctx, call):
        return
    yield ctx.hit(call, f"{name}() writes to a path built from an archive entry name: '../' escapes the folder")


def _uses_archives(ctx: TSContext) -> bool:
    names = {n.split("/")[0] if not n.startswith("@") else n for n in _ARCHIVE_MODULES}
    for node in walk(ctx.tree.root_node):
        if node.type == "identifier":
            origin = imported(ctx, ctx.text(node))
            if origin is not None and origin[0] in names:
                return True
    return False
