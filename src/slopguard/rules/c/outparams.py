"""The file's own functions that copy from one parameter into another: ``form_value(qs, "zone", out, n)`` formats
a part of ``qs`` into ``out``, ``url_decode(dst, src)`` copies ``src`` into ``dst`` character by character. A call
of such a function hands the input its read argument holds to the buffer its written argument names."""

from __future__ import annotations

from tree_sitter import Node

from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.c.common import COPIERS, base_name, callee, declared_name, definitions, unwrap
from slopguard.rules.c.formats import BUFFER_FORMAT, PRINTF_FORMAT
from slopguard.rules.shared.trees import walk

# written parameter index -> the parameter indexes it is filled from
Summary = dict[int, frozenset[int]]
_ROUNDS = 4  # local aliases followed: p = qs; v = p + k + 1; snprintf(out, n, "%s", v)


def out_parameters(ctx: TSContext) -> dict[str, Summary]:
    """Function name -> which of its parameters it fills from which others (functions defined in this file)."""
    return ctx.memo("c.out_parameters", lambda: _summaries(ctx))


def _summaries(ctx: TSContext) -> dict[str, Summary]:
    found: dict[str, Summary] = {}
    for definition in definitions(ctx):
        summary = _summary(ctx, definition.body, definition.parameters)
        if summary:
            found[definition.name] = summary
    return found


def _summary(ctx: TSContext, body: Node, params: list[str]) -> Summary:
    aliases: dict[str, set[str]] = {}
    writes: list[tuple[str, list[Node]]] = []
    for node in walk(body):
        if node.type in ("init_declarator", "assignment_expression"):
            target = node.child_by_field_name("declarator" if node.type == "init_declarator" else "left")
            value = node.child_by_field_name("value" if node.type == "init_declarator" else "right")
            if target is None or value is None:
                continue
            written = _element_of(ctx, target)
            if written:  # out[j++] = *p, *out++ = c
                writes.append((written, [value]))
            elif local := (declared_name(ctx, target) if node.type == "init_declarator" else base_name(ctx, target)):
                aliases.setdefault(local, set()).update(_reads(ctx, value))
        elif node.type == "call_expression":
            writes.extend(_call_writes(ctx, node))
    summary: dict[int, set[int]] = {}
    for buffer, sources in writes:
        if buffer not in params:
            continue
        read = _expand({n for s in sources for n in _reads(ctx, s)}, aliases)
        filled_from = {params.index(n) for n in read if n in params and n != buffer}
        if filled_from:
            summary.setdefault(params.index(buffer), set()).update(filled_from)
    return {index: frozenset(indexes) for index, indexes in summary.items()}


def _call_writes(ctx: TSContext, call: Node) -> list[tuple[str, list[Node]]]:
    """What a copy or format call writes and what it reads: ``snprintf(out, n, "%.*s", len, p)`` -> out <- p."""
    name, args = callee(ctx, call), ctx.arguments(call)
    if len(args) < 2:
        return []
    if name in COPIERS:
        return [(base_name(ctx, args[0]), args[1:2])]
    if name in BUFFER_FORMAT:
        return [(base_name(ctx, args[0]), args[PRINTF_FORMAT[name] + 1 :])]
    if name == "sscanf":
        return [(base_name(ctx, target), args[:1]) for target in args[2:]]
    return []


def _element_of(ctx: TSContext, target: Node) -> str:
    """``out`` for ``out[j]``, ``out[j++]``, ``*out`` and ``*out++``; "" for anything else."""
    target = unwrap(target)
    if target.type == "subscript_expression" and target.named_children:
        return base_name(ctx, target.named_children[0])
    if target.type == "pointer_expression" and ctx.text(target).startswith("*") and target.named_children:
        inner = unwrap(target.named_children[-1])
        if inner.type == "update_expression" and inner.named_children:
            inner = unwrap(inner.named_children[0])
        return base_name(ctx, inner)
    return ""


def _reads(ctx: TSContext, node: Node) -> set[str]:
    """The variables an expression reads (outside ``sizeof``), called functions left out."""
    names = set()
    for child in walk(node, skip=frozenset({"sizeof_expression"})):
        parent = child.parent
        called = parent is not None and parent.type == "call_expression" and parent.children[0] == child
        if child.type == "identifier" and not called:
            names.add(ctx.text(child))
    return names


def _expand(names: set[str], aliases: dict[str, set[str]]) -> set[str]:
    """``names`` and what the locals among them were set from, a few assignments deep."""
    seen = set(names)
    for _ in range(_ROUNDS):
        more = {n for name in seen for n in aliases.get(name, ())} - seen
        if not more:
            break
        seen |= more
    return seen
