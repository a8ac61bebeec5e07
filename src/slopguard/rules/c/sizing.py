"""Whether a destination buffer was allocated with room for what is copied into it (``p = malloc(strlen(a) +
strlen(b) + 2); sprintf(p, "%s/%s", a, b)``), for the copy and format rules."""

from __future__ import annotations

import re

from tree_sitter import Node

from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.c.common import base_name, is_null, string_value, unwrap
from slopguard.rules.c.dataflow import FunctionFacts, array_of, function_facts, read_names
from slopguard.rules.shared.trees import walk

_ALLOCATOR = re.compile(r"(?i)alloc")  # malloc, calloc, xmalloc, g_malloc, a project's own *_alloc


def sized_for(ctx: TSContext, dst: Node, sources: list[Node]) -> bool:
    """``dst`` was allocated in this function with room computed from the length of every non-literal source:
    ``char *p = malloc(strlen(a) + strlen(b) + 2); sprintf(p, "%s/%s", a, b);``. The length may come through a
    variable set once and only grown (``n = strlen(a); p = malloc(n + 1)``); a source that is itself a buffer
    allocated here counts when the destination's size adds up the same lengths (``a = malloc(n + 3); ...
    b = malloc(strlen(c) + n + 1); strcpy(b, a)``); a write at an offset (``strcpy(p + n, c)``) needs the offset
    in the size too."""
    target, offset = _offset_write(ctx, dst)
    name = base_name(ctx, target)
    facts = function_facts(ctx, dst)
    if not name or facts is None or offset is None:
        return False
    needed = [s for s in sources if string_value(ctx, s) is None]
    for value in facts.values.get(name, []):
        lengths = read_names(ctx, value)
        text = " ".join([ctx.compact(value), *(ctx.compact(v) for n in lengths for v in _length_values(facts, n))])
        from_buffers = [s for s in needed if _sized_like(ctx, facts, s, lengths)]
        if not offset <= lengths or ("strlen(" not in text and "sizeof" not in text and not from_buffers):
            continue
        if all(_measures(ctx, text, s) or s in from_buffers for s in needed):
            return True
    return False


def _measures(ctx: TSContext, size: str, source: Node) -> bool:
    """The size expression ``size`` (compacted) counts the source's length: ``strlen(src)`` or
    ``strlen((const char *)src)``, or ``sizeof(src)`` of a source that is an array (never of a pointer)."""
    name = re.escape(ctx.compact(unwrap(source)))
    if re.search(rf"strlen\((?:\([^()]*\))?{name}\)", size):
        return True
    return array_of(ctx, source) is not None and re.search(rf"sizeof\(?{name}(?![\w\[.(>-])", size) is not None


def _offset_write(ctx: TSContext, dst: Node) -> tuple[Node, frozenset[str] | None]:
    """``p + n + 2`` -> (p, {"n"}); ``p`` -> (p, {}); an offset with no variable in it (``p + 1``) -> (p, None)."""
    node, offset = unwrap(dst), frozenset[str]()
    while node.type == "binary_expression" and ctx.text(node.child_by_field_name("operator")) == "+":
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        if left is None or right is None:
            break
        node, offset = unwrap(left), offset | read_names(ctx, right)
    return (dst, offset) if node == unwrap(dst) else (node, offset or None)


def _length_values(facts: FunctionFacts, name: str) -> list[Node]:
    """The value of a length variable set once and otherwise only grown (``n += 2``); [] for any other name."""
    plain = [v for v in facts.values.get(name, []) if not _grows(v)]
    return plain if len(plain) == 1 and name not in facts.params else []


def _grows(value: Node) -> bool:
    """The right-hand side of ``n += ...`` or ``n *= ...``."""
    parent = value.parent
    operator = parent.child_by_field_name("operator") if parent is not None else None
    grown = operator is not None and operator.type in ("+=", "*=")
    return grown and parent is not None and parent.type == "assignment_expression"


def _sized_like(ctx: TSContext, facts: FunctionFacts, source: Node, lengths: frozenset[str]) -> bool:
    """``source`` is a buffer allocated here once, from variables all counted in ``lengths`` (and at least one)."""
    name = ctx.text(unwrap(source)) if unwrap(source).type == "identifier" else ""
    values = facts.values.get(name, []) if name not in facts.params else []
    allocation = unwrap(values[0]) if len(values) == 1 else None
    function = allocation.child_by_field_name("function") if allocation is not None else None
    if function is None or not _ALLOCATOR.search(ctx.text(function)):
        return False
    counted = read_names(ctx, values[0])
    return bool(counted) and counted <= lengths


def allocated_with_room(ctx: TSContext, dst: Node, length: Node) -> bool:
    """``dst`` is a buffer allocated in this function (or a place in one: ``buf + n``, ``w + 1``, a struct's
    trailing array ``s->name[]`` / ``s->name[1]``) whose size counts every variable of the copy's length and of
    its offset: ``buf = malloc(name_size + dir_size); memcpy(buf + name_size, dir, dir_size)``,
    ``s = malloc(sizeof(*s) + len); memcpy(s->path, path, len + 1)``."""
    facts = function_facts(ctx, dst)
    return facts is not None and _room(ctx, facts, dst, _plain_names(ctx, length), 0)


def _room(ctx: TSContext, facts: FunctionFacts, dst: Node, needed: frozenset[str], depth: int) -> bool:
    node = unwrap(dst)
    while node.type == "binary_expression" and ctx.text(node.child_by_field_name("operator")) == "+":
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        if left is None or right is None:
            return False
        node, needed = unwrap(left), needed | read_names(ctx, right)
    if depth > 3:
        return False
    if node.type == "field_expression":
        assigned = _latest(facts.fields.get(ctx.compact(node), []), dst)
        if assigned is not None:
            return _holds_room(ctx, facts, assigned, needed, depth)
        declared = array_of(ctx, node)
        base = node.child_by_field_name("argument")
        trailing = declared is None or declared.size in (None, 0, 1)  # s->name[] or the older s->name[1]
        return trailing and base is not None and _room(ctx, facts, base, needed, depth + 1)
    name = ctx.text(node) if node.type == "identifier" and ctx.text(node) not in facts.params else ""
    value = _latest([v for v in facts.values.get(name, []) if not is_null(ctx, v)], dst)
    return value is not None and _holds_room(ctx, facts, value, needed, depth)


def _latest(values: list[Node], at: Node) -> Node | None:
    """The last of ``values`` set before ``at``."""
    before = [v for v in values if v.start_byte < at.start_byte]
    return before[-1] if before else None


def _holds_room(ctx: TSContext, facts: FunctionFacts, value: Node, needed: frozenset[str], depth: int) -> bool:
    """``value`` is an allocation whose size counts ``needed`` (directly, or through a running offset made of
    what it counts: ``len += service_len``), or a place in a buffer that is."""
    call = unwrap(value)
    function = call.child_by_field_name("function") if call.type == "call_expression" else None
    if function is None or not _ALLOCATOR.search(ctx.text(function)):
        return _room(ctx, facts, value, needed, depth + 1)
    args = call.child_by_field_name("arguments")
    counted = read_names(ctx, args) if args is not None else frozenset()
    return all(n in counted or _made_of(ctx, facts, n, counted) for n in needed)


def _made_of(ctx: TSContext, facts: FunctionFacts, name: str, counted: frozenset[str]) -> bool:
    """Every value of ``name`` is a constant, a sizeof or a sum of counted variables (a running offset)."""
    values = facts.values.get(name, []) if name not in facts.params else []
    return bool(values) and all(_plain_names(ctx, v) <= counted for v in values)


def _plain_names(ctx: TSContext, node: Node) -> frozenset[str]:
    """The variables an expression reads outside ``sizeof``."""
    if node.type == "sizeof_expression":
        return frozenset()
    inside = walk(node, skip=frozenset({"sizeof_expression"}))
    return read_names(ctx, node) & frozenset(ctx.text(n) for n in inside if n.type == "identifier")
