"""GO-PATH-001: files opened, served or deleted at a path built from request data without a containment check."""

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
from slopguard.rules.go.archives import holds_entry_name
from slopguard.rules.go.common import CALL, bound_values, function_of, is_test, package_call, unwrap
from slopguard.rules.go.web import checked, request_flow
from slopguard.rules.shared.trees import any_of

_OS_SINKS = frozenset({"Open", "OpenFile", "ReadFile", "WriteFile", "Create", "Remove", "RemoveAll", "ReadDir",
                       "Stat", "Lstat", "Mkdir", "MkdirAll", "Chmod", "Rename", "Truncate"})  # fmt: skip
_CONTEXT_SINKS = frozenset({"File", "FileAttachment", "Attachment", "SendFile", "Download", "Inline"})
_HELPER_CHECK = re.compile(r"HasPrefix|filepath\.Rel\(|IsLocal\(")
_JOINS = frozenset({("path/filepath", "Join"), ("path", "Join"), ("fmt", "Sprintf")})
_CONTAINMENT = re.compile(r"HasPrefix|filepath\.Rel|\.Rel\(|IsLocal|\"\.\.\"|(?i:allow|valid|safe|contains)")


def _paths(ctx: TSContext, call: Node, method: str) -> list[Node]:
    args = ctx.arguments(call)
    target = package_call(ctx, call)
    if target is not None:
        if target[0] in ("os", "io/ioutil") and method in _OS_SINKS:
            return args[:2] if method == "Rename" else args[:1]
        if target == ("net/http", "ServeFile") and len(args) == 3:
            return [args[2]]
        return []
    return args[:1] if method in _CONTEXT_SINKS else []


def _from_checking_helper(ctx: TSContext, path: Node) -> bool:
    """A path returned by a helper of this file that checks containment (``safePath(root, name)``)."""
    node = unwrap(path)
    scope = function_of(node)
    if node.type != "identifier" or scope is None:
        return False
    callees = {
        ctx.text(v.child_by_field_name("function")) for v, _ in bound_values(ctx, ctx.text(node), scope)
        if v.type == "call_expression"
    }  # fmt: skip
    for item in ctx.tree.root_node.named_children:
        if item.type == "function_declaration" and ctx.text(item.child_by_field_name("name")) in callees:
            return bool(_HELPER_CHECK.search(ctx.text(item)))
    return False


def _pieces_checked(ctx: TSContext, path: Node, depth: int = 0) -> bool:
    """A path joined from pieces (``filepath.Join(root, strconv.FormatInt(id, 10), name)``) whose every piece
    that carries request data is a variable checked before use (``!filepath.IsLocal(name)``) or an archive
    entry's name (left to GO-ZIPSLIP-001: one flaw, one rule)."""
    node = unwrap(path)
    if not request_flow(ctx, node).tainted:
        return True
    if checked(ctx, node, _CONTAINMENT) or _from_checking_helper(ctx, node):
        return True
    if depth > 3:
        return False
    if node.type == "binary_expression":
        parts = [node.child_by_field_name("left"), node.child_by_field_name("right")]
        return all(p is not None and _pieces_checked(ctx, p, depth + 1) for p in parts)
    if node.type == "call_expression" and package_call(ctx, node) in _JOINS:
        return all(_pieces_checked(ctx, a, depth + 1) for a in ctx.arguments(node))
    return holds_entry_name(ctx, node)  # an archive entry's name is GO-ZIPSLIP-001's to report


@ts_rule(
    id="GO-PATH-001",
    title="File path built from request data (path traversal)",
    cwe=22,
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    languages=("go",),
    query=f"({CALL} (#any-of? @method {any_of(sorted(_OS_SINKS | _CONTEXT_SINKS | {'ServeFile'}))}))",
    why="""For downloads and uploads assistants write http.ServeFile(w, r, filepath.Join(uploadDir,
    r.URL.Query().Get("name"))) or c.File("./files/" + c.Param("name")). filepath.Join cleans the path but
    keeps '..', so name=../../etc/passwd (or ../config.yaml, ../.env) reads, overwrites or deletes any file the
    service can reach.""",
    fix="""Reduce the name to filepath.Base (or look it up in a table of ids), or join, then check the result
    with filepath.Rel / filepath.IsLocal (or strings.HasPrefix on the cleaned absolute path) before opening;
    Go 1.24's os.Root confines access to a directory.""",
)
def go_path_traversal(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    if is_test(ctx):
        return
    call: Node = captures["call"][0]
    for path in _paths(ctx, call, ctx.text(captures["method"][0])):
        flow = request_flow(ctx, path)
        if flow.tainted and not _pieces_checked(ctx, path):
            yield ctx.hit(call, f"file path built from {describe(flow)}; '..' in it reaches files outside the folder")
            return
