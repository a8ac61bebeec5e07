"""RUST-PATH-001: files read, written or deleted at a path built from request data without a containment check."""

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
from slopguard.rules.rust.common import function_of, method, path_name, root_identifier
from slopguard.rules.rust.web import checked
from slopguard.rules.shared.trees import walk

_FS = re.compile(
    r"^(?:(?:std|tokio|async_std)::)?fs::(?:read|read_to_string|read_dir|write|remove_file|remove_dir|remove_dir_all"
    r"|create_dir|create_dir_all|copy|rename|metadata|File::open|File::create|OpenOptions)$"
    r"|^(?:(?:std|tokio|async_std)::fs::)?File::(?:open|create|options)$|(?:^|::)NamedFile::open(?:_async)?$"
    r"|^(?:tokio::fs|fs)::\w+$"
)
_CONTAINMENT = re.compile(r"starts_with|strip_prefix|canonicalize|\"\.\.\"|ParentDir|file_name|(?i:allow|valid|safe)")


def _contained(ctx: TSContext, arg: Node) -> bool:
    """Checked in a condition, or produced by a helper of this file that checks containment."""
    if checked(ctx, arg, _CONTAINMENT) or "file_name()" in ctx.text(arg):
        return True
    root = root_identifier(arg)
    scope = function_of(arg)
    if root is None or scope is None:
        return False
    helpers = set()
    for let in walk(scope):
        if let.type == "let_declaration" and re.search(rf"\b{re.escape(ctx.text(root))}\b",
                                                        ctx.text(let.child_by_field_name("pattern"))):  # fmt: skip
            helpers |= {ctx.call_name(c) for c in walk(let) if c.type == "call_expression"}
    for item in walk(ctx.tree.root_node):
        if item.type == "function_item" and ctx.text(item.child_by_field_name("name")) in helpers:
            return bool(re.search(r"starts_with|strip_prefix", ctx.text(item)))
    return False


@ts_rule(
    id="RUST-PATH-001",
    title="File path built from request data (path traversal)",
    cwe=22,
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    languages=("rust",),
    query="(call_expression) @call",
    why="""For downloads and uploads assistants write fs::read(Path::new(ROOT).join(&name)) or
    NamedFile::open(format!("./files/{}", path)). Path::join keeps '..' (and replaces the base entirely when
    the input is absolute), so name=../../etc/passwd or /etc/shadow reads, overwrites or deletes any file the
    service can reach.""",
    fix="""Reduce the name to Path::new(&name).file_name(), or join, canonicalize and check starts_with(root)
    before opening; reject absolute paths and '..' components.""",
)
def rust_path_traversal(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    call: Node = captures["call"][0]
    name = path_name(ctx, call)
    if not _FS.search(name) and method(ctx, call) != "open":
        return
    if not name and "OpenOptions" not in ctx.text(call):
        return
    args = ctx.arguments(call)
    for arg in args[:2] if name.endswith(("copy", "rename")) else args[:1]:
        flow = ctx.flow(arg)
        if flow.tainted and not _contained(ctx, arg):
            yield ctx.hit(call, f"file path built from {describe(flow)}; '..' in it reaches files outside the folder")
            return
