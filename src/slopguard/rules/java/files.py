"""JAVA-PATH-001: file paths built from request data (new File, Paths.get, Path.resolve, FileInputStream ...).

The finding is reported where the file is opened, read or written: at the Path/File construction when that
happens in the same expression (``Files.readAllBytes(root.resolve(name))``), else at the first file operation
on the local variable that holds it (``Path target = ...; file.transferTo(target);``), and at the construction
when no such operation follows. Archive entry names are JAVA-ZIPSLIP-001's."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.java.archives import carries_entry_name
from slopguard.rules.java.common import (
    calls,
    creations,
    declared_type,
    from_command_line,
    method,
    method_of,
    receiver,
    type_name,
    value_of,
)
from slopguard.rules.shared.trees import walk

_FILE_TYPES = frozenset(
    {"File", "FileInputStream", "FileOutputStream", "FileReader", "FileWriter", "RandomAccessFile",
     "FileSystemResource", "ZipFile", "JarFile"}
)  # fmt: skip
_PATH_METHODS = frozenset({"resolve", "resolveSibling", "toPath", "toFile", "getParent", "normalize", "toAbsolutePath"})
_PATH_TYPES = frozenset({"Path", "File"})
_CONTAINMENT = re.compile(r"\.startsWith\(")
_CANONICAL = re.compile(r"getCanonical(?:Path|File)\(|toRealPath\(|\.normalize\(\)")


def _path_object(arg: Node, ctx: TSContext) -> bool:
    """A Path/File already built (reported where it was built from a string)."""
    value = value_of(arg, ctx)
    if value.type == "object_creation_expression" and type_name(value, ctx) in _PATH_TYPES:
        return True
    if value.type == "method_invocation":
        name = ctx.call_name(value)
        if name in ("Paths.get", "Path.of") or method(value, ctx) in _PATH_METHODS:
            return True
    return arg.type in ("identifier", "field_access") and declared_type(arg, ctx) in _PATH_TYPES


def _guarded(node: Node, arg: Node, ctx: TSContext) -> bool:
    """The method checks containment (canonical path + startsWith), rejects '..', or validates the name."""
    func = method_of(node)
    if func is None:
        return False
    text = ctx.text(func)
    if _CONTAINMENT.search(text) and _CANONICAL.search(text):
        return True
    names = {ctx.text(n) for n in walk(arg) if n.type == "identifier"}
    for name in names:
        if re.search(rf"\b{re.escape(name)}\.(?:contains|indexOf)\(\s*\"\.\.", text):
            return True
        if re.search(rf"\b{re.escape(name)}\.matches\(", text):
            return True
    return False


def _name_only(node: Node, ctx: TSContext) -> bool:
    """``Paths.get(name).getFileName()`` / ``new File(name).getName()``: only the last element is used."""
    parent = node.parent
    if parent is None or parent.type != "method_invocation" or parent.child_by_field_name("object") != node:
        return False
    return method(parent, ctx) in ("getFileName", "getName")


def _sink(node: Node, ctx: TSContext) -> str | None:
    if node.type == "object_creation_expression":
        kind = type_name(node, ctx)
        return f"new {kind}" if kind in _FILE_TYPES else None
    name = ctx.call_name(node)
    short = method(node, ctx)
    if name in ("Paths.get", "Path.of", "java.nio.file.Paths.get", "java.nio.file.Path.of"):
        return name.rsplit(".", 2)[-2] + "." + short
    obj = receiver(node)
    if short in ("resolve", "resolveSibling") and obj is not None and _path_object(obj, ctx):
        return f"Path.{short}"
    if short in ("getRealPath", "getResourceAsStream", "getResource") and obj is not None:
        owner = ctx.compact(obj)
        if re.search(r"(?i)servletcontext|getServletContext\(\)$", owner):
            return f"ServletContext.{short}"
    if name.endswith("ResourceUtils.getFile"):
        return "ResourceUtils.getFile"
    return None


_FILES = re.compile(r"^(?:java\.nio\.file\.)?Files$|^(?:org\.apache\.commons\.io\.)?FileUtils$|^FileCopyUtils$")
# Files.* calls that only test a path or create its parent directories: the operation that matters follows.
_NOT_OPERATIONS = frozenset(
    {"exists", "notExists", "isRegularFile", "isDirectory", "isReadable", "isWritable", "isExecutable",
     "isSymbolicLink", "isHidden", "isSameFile", "createDirectories", "createDirectory"}
)  # fmt: skip
_OPENERS = _FILE_TYPES - {"File"}
_FILE_METHODS = frozenset({"delete", "createNewFile", "renameTo", "listFiles", "list", "transferTo"})
_CONVERSIONS = frozenset({"toFile", "toPath", "normalize", "toAbsolutePath", "toString", "getPath"})


def _holder(node: Node, ctx: TSContext) -> str | None:
    """The local variable the built path is stored in directly (``Path p = root.resolve(name).normalize()``)."""
    current = node
    parent = current.parent
    while parent is not None and (
        parent.type in ("parenthesized_expression", "cast_expression")
        or (parent.type == "method_invocation" and receiver(parent) == current and method(parent, ctx) in _PATH_METHODS)
    ):
        current, parent = parent, parent.parent
    if parent is None or parent.type != "variable_declarator" or parent.child_by_field_name("value") != current:
        return None
    local = parent.parent is not None and parent.parent.type == "local_variable_declaration"
    return ctx.text(parent.child_by_field_name("name")) if local else None


def _names(arg: Node, name: str, ctx: TSContext) -> bool:
    """``arg`` is the variable itself or a conversion of it (``target``, ``target.toFile()``)."""
    while arg.type == "method_invocation" and method(arg, ctx) in _CONVERSIONS:
        inner = receiver(arg)
        if inner is None:
            break
        arg = inner
    return arg.type == "identifier" and ctx.text(arg) == name


def _operation_on(name: str, node: Node, ctx: TSContext) -> Node | None:
    """The first file operation after ``node`` in its method that is given the variable ``name``: a Files.*
    call, a stream or reader opened on it, ``upload.transferTo(it)`` or ``it.delete()``."""
    func = method_of(node)
    if func is None:
        return None
    for call in walk(func):
        if call.start_byte < node.end_byte:
            continue
        if call.type not in ("object_creation_expression", "method_invocation"):
            continue
        given = any(_names(a, name, ctx) for a in ctx.arguments(call))
        if call.type == "object_creation_expression":
            if given and type_name(call, ctx) in _OPENERS:
                return call
            continue
        short, obj = method(call, ctx), receiver(call)
        if given and obj is not None and _FILES.match(ctx.compact(obj)) and short not in _NOT_OPERATIONS:
            return call
        if (given and short == "transferTo") or (short in _FILE_METHODS and obj is not None and _names(obj, name, ctx)):
            return call
    return None


@ts_rule(
    id="JAVA-PATH-001",
    title="File path built from request data",
    cwe=22,
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    languages=("java",),
    query=calls("^(get|of|resolve|resolveSibling|getRealPath|getResourceAsStream|getResource|getFile)$")
    + " "
    + creations("(" + "|".join(sorted(_FILE_TYPES)) + ")$"),
    why="""Assistants serve downloads and store uploads with new File(UPLOAD_DIR + request.getParameter("file")),
    Paths.get(baseDir, filename) or file.transferTo(new File(dir, file.getOriginalFilename())). A name such as
    ../../../etc/passwd or an absolute path walks out of the directory: the attacker reads configuration and keys,
    or overwrites application files and scripts with an upload.""",
    fix="""Resolve against a fixed base and check containment: Path p = base.resolve(name).normalize();
    if (!p.startsWith(base)) reject; or keep only the last path element (Paths.get(name).getFileName(),
    FilenameUtils.getName) and prefer server-generated names (UUID) for stored files.""",
)
def java_path_traversal(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    node: Node = captures["call"][0]
    sink = _sink(node, ctx)
    if sink is None or _name_only(node, ctx):
        return
    for arg in ctx.arguments(node):
        flow = ctx.tainted(arg)
        if flow is None or from_command_line(flow, arg, ctx) or _path_object(arg, ctx) or _guarded(node, arg, ctx):
            continue
        if carries_entry_name(arg, ctx):
            continue  # an archive entry's name: JAVA-ZIPSLIP-001
        holder = _holder(node, ctx)
        used = _operation_on(holder, node, ctx) if holder is not None else None
        if used is None:
            yield ctx.hit(node, f"{sink}() with a path from request data ({flow.origin}); '../' escapes the directory")
        else:
            message = f"file used at a path {holder} built by {sink}() from request data ({flow.origin})"
            yield ctx.hit(used, message + "; '../' escapes the directory")
        return
