"""JS-PATH-001: request data in fs.* paths and in res.sendFile/res.download (path traversal)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.flow import describe
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.javascript.common import (
    enclosing_function,
    is_response,
    method,
    option,
    receiver,
    resolve,
    resolved_call,
    unwrap,
    within,
)
from slopguard.rules.javascript.request_data import roots
from slopguard.rules.shared.trees import walk

_FS_MODULES = frozenset({"fs", "fs/promises", "fs-extra", "graceful-fs", "fs-extra/esm"})
_FS_RECEIVERS = frozenset({"fs", "fsp", "fsPromises", "fse", "fs.promises", "fsExtra"})
_ONE_PATH = frozenset(
    {"readFile", "readFileSync", "createReadStream", "createWriteStream", "writeFile", "writeFileSync",
     "appendFile", "appendFileSync", "unlink", "unlinkSync", "rm", "rmSync", "rmdir", "rmdirSync", "readdir",
     "readdirSync", "stat", "statSync", "lstat", "lstatSync", "access", "accessSync", "open", "openSync",
     "exists", "existsSync", "mkdir", "mkdirSync", "truncate", "truncateSync", "chmod", "chmodSync", "opendir",
     "readJson", "readJsonSync", "writeJson", "writeJsonSync", "outputFile", "outputFileSync", "remove",
     "removeSync", "pathExists", "ensureFile", "ensureDir", "emptyDir", "readlink"}
)  # fmt: skip
_TWO_PATHS = frozenset({"copyFile", "copyFileSync", "rename", "renameSync", "cp", "cpSync", "copy", "copySync",
                        "move", "moveSync", "link", "linkSync", "symlink", "symlinkSync"})  # fmt: skip
_UPLOADED = re.compile(r"^(?:req|request)\.files?\b.*\.(?:path|filename|destination)$")
_IDENT = re.compile(r"[A-Za-z_$][\w$]*")


def _sink(ctx: TSContext, call: Node) -> tuple[str, list[Node]] | None:
    """(label, path arguments) of a file-system or download call."""
    args = ctx.arguments(call)
    name = method(ctx, call)
    if not args:
        return None
    if name in ("sendFile", "download") and is_response(ctx, receiver(call)):
        if any(option(ctx, opts, "root") is not None for opts in args[1:]):
            return None  # send() refuses '..' once a root is set
        return f"res.{name}()", args[:1]
    if name not in _ONE_PATH and name not in _TWO_PATHS:
        return None
    found = resolved_call(ctx, call)
    obj = receiver(call)
    if not ((found is not None and found[0] in _FS_MODULES) or ctx.compact(obj) in _FS_RECEIVERS):
        return None
    return f"fs.{name}()", args[:2] if name in _TWO_PATHS else args[:1]


def _guarded(ctx: TSContext, call: Node, path_arg: Node) -> bool:
    """The handler checks the resolved path: ``if (!full.startsWith(root))`` or rejects '..'."""
    scope = enclosing_function(call)
    if scope is None:
        return False
    body = ctx.text(scope)
    names = set(_IDENT.findall(ctx.text(path_arg)))
    value = resolve(ctx, path_arg)
    if value is not None:
        names |= set(_IDENT.findall(ctx.text(value)))
    for name in names - {"path", "req", "request", "query", "params", "body", "join", "resolve", "__dirname"}:
        guard = rf"\b{re.escape(name)}\s*\.\s*(?:startsWith\(|(?:includes|indexOf)\(\s*['\"]\.\.)"
        if re.search(guard, body):
            return True
    return bool(re.search(r"relative\([^)]*\)[\s\S]{0,80}startsWith\(\s*['\"]\.\.", body))


# Checks that pin a value to a known shape or set: ID_PATTERN.test(id), ALLOWED.has(name), isUUID(id).
_SHAPE_CHECKS = frozenset({"test", "has", "includes", "isUUID", "isUuid", "uuidValidate", "isMongoId", "isInt"})
_CHECKER_NAME = re.compile(r"^(?:isValid|isSafe|isAllowed|isKnown)\w*$")
_EXITS = frozenset({"return_statement", "throw_statement"})
_NOT_VALUES = frozenset({"path", "req", "request", "ctx", "res", "__dirname", "process"})


def _shape_checked(ctx: TSContext, condition: Node, values: set[str]) -> bool:
    """Whether ``condition`` tests one of ``values`` (names or request fields, as written) against a pattern,
    an allow-list or a validator: the argument is the value itself, not something derived (``path.extname(x)``)."""
    for node in walk(condition):
        if node.type != "call_expression":
            continue
        name, args = method(ctx, node), ctx.arguments(node)
        if args and (name in _SHAPE_CHECKS or _CHECKER_NAME.match(name)) and ctx.compact(unwrap(args[0])) in values:
            return True
    return False


def _validated(ctx: TSContext, call: Node, path_arg: Node) -> bool:
    """The handler lets the request value through only in a known shape: ``if (!ID.test(req.params.id)) return
    res.status(400).end()`` before the call, or the call inside ``if (ALLOWED.has(name)) { ... }``."""
    scope = enclosing_function(call)
    if scope is None:
        return False
    values = {n for n in roots(ctx, path_arg) if n not in _NOT_VALUES}
    values |= {ctx.compact(n) for n in walk(path_arg) if n.type == "member_expression" and ctx.flow(n).tainted}
    for node in walk(scope):
        if node.start_byte >= call.start_byte:
            break
        condition = node.child_by_field_name("condition") if node.type == "if_statement" else None
        consequence = node.child_by_field_name("consequence") if condition is not None else None
        if condition is None or consequence is None or not _shape_checked(ctx, condition, values):
            continue
        exits = consequence.type in _EXITS or any(c.type in _EXITS for c in consequence.named_children)
        if exits or within(call, consequence):
            return True
    return False


@ts_rule(
    id="JS-PATH-001",
    title="File path built from request data (path traversal)",
    cwe=22,
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    languages=("javascript", "typescript"),
    query="(call_expression) @call",
    why="""Assistants serve or store files with fs.readFile(path.join(__dirname, 'uploads', req.params.name))
    or res.sendFile(path.join(dir, req.query.file)), trusting path.join to keep the result inside the folder.
    It does not: '../../etc/passwd' or '..%2f' walks out of it, so an attacker reads configuration and keys,
    or overwrites and deletes files the process can reach.""",
    fix="""Reduce the name with path.basename(), pass a root to res.sendFile(name, { root: dir }), or resolve
    the full path and reject it unless full.startsWith(path.resolve(dir) + path.sep).""",
)
def path_traversal(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    call: Node = captures["call"][0]
    found = _sink(ctx, call)
    if found is None:
        return
    label, paths = found
    for arg in paths:
        flow = ctx.flow(arg)
        if not flow.tainted or _UPLOADED.match(flow.origin) or flow.origin.startswith("process.argv"):
            continue  # multer's own file names; a command-line tool opening the files it is given
        if _guarded(ctx, call, arg) or _validated(ctx, call, arg):
            continue
        yield ctx.hit(
            call,
            f"{label} opens a path built from {describe(flow)}; '..' walks out of the intended folder",
        )
        return
