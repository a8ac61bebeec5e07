"""Calls that read input into a buffer: the C library's readers (``recv(fd, buf, n, 0)``, ``fgets(buf, n, f)``)
and the file's own helpers built on them (``read_line(fd, buf, cap)`` reading a socket byte by byte)."""

from __future__ import annotations

from tree_sitter import Node

from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.c.common import base_name, callee, declared_name, function_declarator, function_name, unwrap
from slopguard.rules.shared.trees import walk

# name -> index of the buffer it fills (-1: every argument after the format)
FILLERS = {"fgets": 0, "fgetws": 0, "gets": 0, "read": 1, "pread": 1, "recv": 1, "recvfrom": 1, "fread": 0,
           "getline": 0, "getdelim": 0, "scanf": -1, "fscanf": -1, "wscanf": -1, "fwscanf": -1,
           # request data of mongoose and CivetWeb: mg_http_get_var(&hm->query, "name", buf, sizeof buf)
           "mg_http_get_var": 2, "mg_get_http_var": 2, "mg_get_var": 3, "mg_get_var2": 3, "mg_get_cookie": 2,
           "mg_read": 1}  # fmt: skip


def reader_parameters(ctx: TSContext, name: str) -> dict[int, str]:
    """The parameters a function of this file fills with input it reads itself, by index, with the input's
    origin: ``read_line(fd, buf, cap)`` doing ``read(fd, &ch, 1); buf[n++] = ch`` -> {1: "read() input, ..."}."""
    known: dict[str, dict[int, str]] = ctx.memo("c.reader_parameters", dict)
    if name not in known:
        definition = ctx.memo("c.definitions_by_name", lambda: _definitions(ctx)).get(name)
        known[name] = _reads_into_parameters(ctx, name, definition) if definition is not None else {}
    return known[name]


def _reads_into_parameters(ctx: TSContext, name: str, definition: Node) -> dict[int, str]:
    declarator = function_declarator(definition)
    params = declarator.child_by_field_name("parameters") if declarator is not None else None
    if params is None:
        return {}
    read: dict[str, str] = {}  # variable -> the reader that filled it
    for node in walk(definition):
        reader = callee(ctx, node) if node.type == "call_expression" else ""
        args = ctx.arguments(node) if reader else []
        index = FILLERS.get(reader, -1)
        if 0 <= index < len(args) and (filled := base_name(ctx, args[index])):
            read.setdefault(filled, f"{reader}() input")
        left = node.child_by_field_name("left") if node.type == "assignment_expression" else None
        value = node.child_by_field_name("right") if left is not None else None
        element = unwrap(left) if left is not None else None  # buf[n++] = ch, *out++ = ch
        if element is None or value is None or element.type not in ("subscript_expression", "pointer_expression"):
            continue
        buffer = _written_buffer(ctx, element)
        origin = next((read[ctx.text(n)] for n in walk(value) if n.type == "identifier" and ctx.text(n) in read), "")
        if buffer and origin:
            read.setdefault(buffer, origin)
    names = [declared_name(ctx, p.child_by_field_name("declarator") or p) for p in params.named_children]
    return {i: f"{read[n]}, read by {name}()" for i, n in enumerate(names) if n in read}


def _written_buffer(ctx: TSContext, element: Node) -> str:
    """``buf`` for ``buf[n++]`` and ``*buf++``."""
    inner = unwrap(element.named_children[0]) if element.named_children else element
    if inner.type == "update_expression" and inner.named_children:
        inner = unwrap(inner.named_children[0])
    return base_name(ctx, inner)


def _definitions(ctx: TSContext) -> dict[str, Node]:
    """The file's functions by name."""
    found: dict[str, Node] = {}
    for node in walk(ctx.tree.root_node):
        if node.type == "function_definition" and (name := function_name(ctx, node.children[-1])):
            found.setdefault(name, node)
    return found
