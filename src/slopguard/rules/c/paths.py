"""C-PATH-001: a file opened, served or deleted at a path made from request or socket data without a containment
check (fopen/open/unlink, std::ifstream/std::ofstream, mongoose's and CivetWeb's file serving)."""

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
from slopguard.rules.c.common import callee, unwrap
from slopguard.rules.c.dataflow import FunctionFacts, arg_flow, function_facts
from slopguard.rules.c.origins import remote
from slopguard.rules.c.routes import narrow_capture
from slopguard.rules.shared.trees import walk

# name -> indexes of the path arguments
_OPENERS = {
    "fopen": (0,), "fopen64": (0,), "freopen": (0,), "_wfopen": (0,), "fopen_s": (1,), "open": (0,), "open64": (0,),
    "openat": (1,), "creat": (0,), "unlink": (0,), "remove": (0,), "rename": (0, 1), "truncate": (0,),
    "opendir": (0,), "rmdir": (0,), "mkdir": (0,), "chmod": (0,), "mg_http_serve_file": (2,), "mg_send_file": (1,),
    "mg_send_mime_file": (1,),
}  # fmt: skip
_STREAM_TYPE = re.compile(r"^(?:std::)?(?:w?ifstream|w?ofstream|w?fstream|basic_[io]?fstream<.*>)$")
_FILESYSTEM = re.compile(r"^(?:std::)?(?:filesystem|fs)::(?:remove|remove_all|rename|copy_file|resize_file)$")
# Tests in a condition that keep a name inside its folder: '..' or '/' rejected, characters allow-listed, or a
# project's own validator (is_safe_path, valid_filename, path_within_root).
_REJECTS = re.compile(
    r"\"\.\.\"|\.\./|'/'|\"/\"|strpbrk|find_first_(?:not_)?of|\bis(?:alnum|alpha|digit)\s*\("
    r"|\b\w*(?i:valid|safe|allowed|sanitiz|sanitis|legal|traversal|contained|inside|within)\w*\s*\("
)
# Resolving the path, then comparing its prefix with the root folder.
_RESOLVES = re.compile(r"\b(?:realpath|_fullpath|GetFullPathNameA?W?|(?:weakly_)?canonical|lexically_relative)\s*\(")
_PREFIX = re.compile(r"\b(?:strncmp|memcmp|strstr|starts_with|rfind|compare|mismatch|find)\s*\(|\bstd::equal\b")
# Reducing the name to its last component.
_REDUCES = re.compile(r"\b(?:basename|g_path_get_basename|PathFindFileNameA?W?)\s*\(|\.filename\(\)|strrchr\(")
_CONDITIONS = frozenset({"if_statement", "while_statement", "for_statement", "conditional_expression"})


def _stream_path(ctx: TSContext, declaration: Node, facts: FunctionFacts) -> Node | None:
    """The path given to ``std::ifstream in(path)``, ``std::ofstream out{dir + name}``; None for other types."""
    type_node = declaration.child_by_field_name("type")
    if type_node is None or not _STREAM_TYPE.match(ctx.compact(type_node)):
        return None
    for declarator in declaration.children_by_field_name("declarator"):
        if declarator.type == "init_declarator":
            value = declarator.child_by_field_name("value")
            if value is not None and value.type in ("argument_list", "initializer_list") and value.named_children:
                return value.named_children[0]
        if declarator.type == "function_declarator":  # std::ifstream in(path) parses as a function declaration
            params = declarator.child_by_field_name("parameters")
            first = params.named_children[0] if params is not None and params.named_children else None
            return _value_of(ctx, declaration, ctx.text(first), facts) if first is not None else None
    return None


def _value_of(ctx: TSContext, at: Node, name: str, facts: FunctionFacts) -> Node | None:
    """What ``name`` holds at ``at``: its last value set before it, or the parameter of that name."""
    before = [v for v in facts.values.get(name, []) if v.start_byte < at.start_byte]
    if before:
        return before[-1]
    func = ctx.function_of(at)
    params = [n for n in walk(func) if n.type == "parameter_declaration"] if func is not None else []
    return next((n for p in params for n in walk(p) if n.type == "identifier" and ctx.text(n) == name), None)


def _paths(ctx: TSContext, call: Node, facts: FunctionFacts) -> list[Node]:
    args = ctx.arguments(call)
    name = callee(ctx, call)
    if name in _OPENERS:
        return [args[i] for i in _OPENERS[name] if i < len(args)]
    fn = call.child_by_field_name("function")
    if fn is not None and _FILESYSTEM.match(ctx.compact(fn)):
        return args[:2] if ctx.compact(fn).endswith(("rename", "copy_file")) else args[:1]
    if fn is None or fn.type != "field_expression":
        return []
    method, receiver = fn.child_by_field_name("field"), fn.child_by_field_name("argument")
    method_name = ctx.text(method) if method is not None else ""
    stream = receiver is not None and bool(_STREAM_TYPE.match(facts.types.get(ctx.text(receiver), "")))
    if (method_name == "open" and stream) or method_name == "set_file_content":  # cpp-httplib
        return args[:1]
    return []


def _contained(ctx: TSContext, node: Node) -> bool:
    """Whether the function keeps paths inside their folder: a rejecting test, a resolve-and-compare, a basename."""
    func = ctx.function_of(node)
    if func is None:
        return False
    body = ctx.text(func)
    if _REDUCES.search(body):
        return True
    tests = " ".join(
        ctx.text(n.child_by_field_name("condition")) for n in walk(func) if n.type in _CONDITIONS
    )  # fmt: skip
    return bool(_REJECTS.search(tests)) or bool(_RESOLVES.search(body) and _PREFIX.search(tests))


def _beyond_narrow_captures(ctx: TSContext, node: Node, facts: FunctionFacts, depth: int = 0) -> bool:
    """Request data reaches the path from somewhere other than route captures that hold no path characters
    (``kReportDir / (std::string(req.matches[1]) + ".pdf")`` under the route ``/reports/(\\d+)``)."""
    node = unwrap(node)
    if narrow_capture(ctx, node) or not remote(arg_flow(ctx, node, facts)):
        return False
    parts: list[Node] = []
    if node.type == "identifier":
        earlier = [v for v in facts.values.get(ctx.text(node), []) if v.start_byte < node.start_byte]
        parts = earlier if len(earlier) == 1 else []
    elif node.type == "binary_expression":
        parts = node.named_children
    elif node.type == "call_expression" and not ctx.spec.sources.search(ctx.compact(node)):
        fn = node.child_by_field_name("function")
        receiver = fn.child_by_field_name("argument") if fn is not None and fn.type == "field_expression" else None
        parts = [*ctx.arguments(node), *([receiver] if receiver is not None else [])]
    if not parts or depth > 4:
        return True
    return any(_beyond_narrow_captures(ctx, part, facts, depth + 1) for part in parts)


@ts_rule(
    id="C-PATH-001",
    title="File path built from request or socket data (path traversal)",
    cwe=22,
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    languages=("c", "cpp"),
    query="(call_expression) @call (declaration type: (_)) @decl",
    why="""Assistant-written HTTP servers take the path of the request line (sscanf(buf, "GET %s", path)), a
    query parameter or a URL segment, join it to the document root with snprintf(full, sizeof full, "www/%s",
    path) or std::string + and open it with fopen, open or std::ifstream. '..' segments climb out of the root:
    GET /../../etc/passwd reads, and an upload or delete handler overwrites or removes, any file the server can
    reach.""",
    fix="""Resolve the joined path with realpath() (std::filesystem::weakly_canonical in C++) and refuse it unless
    it starts with the resolved root followed by '/'; or reject names holding '/' or '..', or look the name up in
    a table of served files.""",
)
def c_path_traversal(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    node: Node = captures["decl"][0] if "decl" in captures else captures["call"][0]
    facts = function_facts(ctx, node)
    if facts is None:
        return
    if "decl" in captures:
        path = _stream_path(ctx, node, facts)
        paths = [path] if path is not None else []
    else:
        paths = _paths(ctx, node, facts)
    for path in paths:
        flow = arg_flow(ctx, unwrap(path), facts)
        if remote(flow) and not _contained(ctx, node) and _beyond_narrow_captures(ctx, path, facts):
            yield ctx.hit(node, f"file path '{ctx.text(path)[:40]}' made from {describe(flow)} with no check that "
                          "it stays inside its folder; '..' reaches any file")  # fmt: skip
            return
