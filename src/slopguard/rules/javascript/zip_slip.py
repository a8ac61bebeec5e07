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
from slopguard.rules.javascript.common import (
    FUNCTIONS,
    enclosing_function,
    imported,
    method,
    receiver,
    resolve,
    resolved_call,
)
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


def _checked(ctx: TSContext, call: Node, target: Node) -> bool:
    """A containment check of this write's path: the entry name reduced in place (``path.basename(entry.path)``,
    ``safeJoin(dest, entry.path)``), or a check before the write in the loop body, the callback or the functions
    around them that tests the path or the entry (``if (!target.startsWith(root + path.sep)) continue``,
    ``if (!isUnder(dest, target)) throw ...`` with ``isUnder`` a helper of this file using ``path.relative``).
    A basename or startsWith elsewhere in the handler (of the upload's own name) checks nothing here."""
    if _reduced(ctx, target):
        return True
    scope, scopes = enclosing_function(call), []
    for _ in range(3):
        if scope is None:
            break
        scopes.append(scope)
        scope = enclosing_function(scope)
    names = _entry_carriers(ctx, target)
    called = {ctx.call_name(c) for s in scopes for c in _calls(s)}
    helpers = {name for name, fn in _helpers(ctx, called).items() if _CONTAINED.search(ctx.text(fn))}
    for node in walk(scopes[-1]) if scopes else ():
        if node.start_byte >= call.start_byte:
            break
        if node.type == "for_in_statement" and ctx.text(node.child_by_field_name("left")) in names:
            check = node.child_by_field_name("right")  # for (const entry of entries.filter(e => ...))
            if check is not None and _CONTAINED.search(ctx.text(check)):
                return True
            continue
        if node.type in _CHECKS:
            check = node.child_by_field_name("condition")
        elif node.type == "call_expression" and ctx.text(node.child_by_field_name("function")) in helpers:
            check = node  # assertInside(dest, target)
        else:
            continue
        if (
            check is not None
            and _mentions(ctx, check, names)
            and (_CONTAINED.search(ctx.text(check)) or any(ctx.call_name(c) in helpers for c in _calls(check)))
        ):
            return True
    return False


_REDUCERS = re.compile(r"(?:^|\.)basename$|(?i:inside|issubpath|subdir|within|contain|safe)")
_CHECKS = frozenset({"if_statement", "ternary_expression", "while_statement"})


def _entry_carriers(ctx: TSContext, target: Node) -> set[str]:
    """The local names in a write's path that hold the entry or its name (``out``, ``entry``), not the folder."""
    parts = list(walk(target))
    for part in list(parts):
        value = resolve(ctx, part) if part.type == "identifier" else None
        if value is not None and value.id != part.id:
            parts.extend(walk(value))
    return {
        ctx.text(p)
        for p in parts
        if p.type == "identifier" and (_ENTRY_OBJECT.match(ctx.text(p)) or _names_entry(ctx, p))
    }


def _calls(node: Node) -> list[Node]:
    return [c for c in walk(node) if c.type == "call_expression"]


def _reduced(ctx: TSContext, node: Node, depth: int = 0) -> bool:
    """Whether the path passes the entry name through basename or a containment helper on its way."""
    for part in walk(node):
        if part.type == "call_expression" and _REDUCERS.search(ctx.call_name(part)) and _names_entry(ctx, part):
            return True
        if part.type == "identifier" and depth < 2:
            value = resolve(ctx, part)
            if value is not None and value.id != part.id and _reduced(ctx, value, depth + 1):
                return True
    return False


def _mentions(ctx: TSContext, node: Node, names: set[str]) -> bool:
    """Whether ``node`` uses one of ``names``, directly or through a local computed from it (``rel`` after
    ``const rel = path.relative(dest, target)``)."""
    for part in walk(node):
        if part.type != "identifier":
            continue
        if ctx.text(part) in names:
            return True
        value = resolve(ctx, part)
        if (
            value is not None
            and value.id != part.id
            and any(n.type == "identifier" and ctx.text(n) in names for n in walk(value))
        ):
            return True
    return False


def _helpers(ctx: TSContext, names: set[str]) -> dict[str, Node]:
    """Functions of this file with one of ``names`` (declarations and ``const f = (...) => ...``), by name."""
    found: dict[str, Node] = {}
    for node in walk(ctx.tree.root_node):
        if node.type not in ("function_declaration", "variable_declarator"):
            continue
        name = ctx.text(node.child_by_field_name("name"))
        value = node if node.type == "function_declaration" else node.child_by_field_name("value")
        if name in names and value is not None and value.type in FUNCTIONS:
            found[name] = value
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
    if target is None or not _names_entry(ctx, target) or _checked(ctx, call, target):
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
