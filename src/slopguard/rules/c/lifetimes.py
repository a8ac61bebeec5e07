"""Following a pointer after ``free``/``delete`` along the straight-line path that continues from it, for the
double-free and use-after-free rules.

The path is the rest of the block that releases the pointer and, when that block can fall through (it ends in no
``return``/``goto``/``break``/``continue``/``exit``), the statements after the enclosing ``if``/block, up to the
end of the function or loop body; a ``goto`` on the way continues at its label (``free(buf); goto fail; ...
fail: free(buf);``), a ``break`` after the loop or switch it leaves. The walk stops where the pointer (or the
object holding it) is assigned again or its address is taken.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from tree_sitter import Node

from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.c.common import callee, definitions, unwrap
from slopguard.rules.shared.trees import walk

RELEASERS = frozenset({"free", "g_free", "cfree"})
_JUMPS = frozenset({"return_statement", "goto_statement", "break_statement", "continue_statement", "throw_statement"})
_NO_RETURN = frozenset({"exit", "_exit", "abort", "longjmp", "siglongjmp", "err", "errx", "pthread_exit"})
_PASS_THROUGH = frozenset({"if_statement", "else_clause", "labeled_statement", "compound_statement"})
_POINTERS = frozenset({"identifier", "field_expression"})
_BREAKABLE = frozenset({"for_statement", "for_range_loop", "while_statement", "do_statement", "switch_statement"})


@dataclass(frozen=True)
class Release:
    """``free(s->buffer)`` / ``delete s``: the call, and the pointer expression (compact text) it releases."""

    node: Node
    pointer: str
    base: str  # ``s`` for ``s->buffer`` (assigning ``s`` ends the walk too)


@dataclass(frozen=True)
class Event:
    """The first thing that happens to a released pointer on the path: used again, or released again."""

    node: Node
    released_again: bool


def release_of(ctx: TSContext, node: Node) -> Release | None:
    """The release a ``free(p)`` call or ``delete p`` expression performs, if its argument is a plain pointer; a
    call of a function of this file that always releases one of its parameters (``release(img)``) counts too."""
    if node.type == "call_expression" and (index := _releasing_helpers(ctx).get(callee(ctx, node))) is not None:
        args = ctx.arguments(node)
        return _released(ctx, node, args[index] if index < len(args) else None)
    return _release(ctx, node)


def _release(ctx: TSContext, node: Node) -> Release | None:
    """``free(p)`` / ``delete p``."""
    if node.type == "delete_expression":
        target = node.named_children[-1] if node.named_children else None
    elif node.type == "call_expression" and callee(ctx, node) in RELEASERS and len(ctx.arguments(node)) == 1:
        target = ctx.arguments(node)[0]
    else:
        return None
    return _released(ctx, node, target)


def _released(ctx: TSContext, node: Node, target: Node | None) -> Release | None:
    target = unwrap(target) if target is not None else None
    if target is None or target.type not in _POINTERS:
        return None
    base = target
    while base.type == "field_expression" and (inner := base.child_by_field_name("argument")) is not None:
        base = unwrap(inner)
    return Release(node, ctx.compact(target), ctx.text(base) if base.type == "identifier" else "")


def _releasing_helpers(ctx: TSContext) -> dict[str, int]:
    """The file's functions whose body releases a parameter in a statement of its own, on every path:
    ``void release(Image *img) { free(img->pixels); delete img; }`` -> {"release": 0}."""
    return ctx.memo("c.releasing_helpers", lambda: _find_releasing_helpers(ctx))


def _find_releasing_helpers(ctx: TSContext) -> dict[str, int]:
    helpers: dict[str, int] = {}
    for definition in definitions(ctx):
        names = definition.parameters
        for statement in definition.body.named_children:
            if _jumps(ctx, statement) or statement.type not in ("expression_statement", "declaration", "comment"):
                break  # a return, branch or loop first: later statements may not run
            release = _release(ctx, statement.named_children[0]) if statement.type == "expression_statement" else None
            if release is not None and release.pointer in names:
                helpers[definition.name] = names.index(release.pointer)
                break
    return helpers


def _statement(node: Node) -> Node | None:
    """The statement holding ``node`` that sits directly in a block, if or label."""
    while node.parent is not None and node.parent.type not in _PASS_THROUGH | {"for_statement", "while_statement"}:
        node = node.parent
        if node.type == "function_definition":
            return None
    return node if node.parent is not None else None


def _jumps(ctx: TSContext, statement: Node) -> bool:
    if statement.type in _JUMPS:
        return True
    if statement.type == "expression_statement" and statement.named_children:
        call = statement.named_children[0]
        return call.type == "call_expression" and callee(ctx, call) in _NO_RETURN
    return False


def _label(ctx: TSContext, goto: Node) -> Node | None:
    """The ``name:`` statement a ``goto name;`` jumps to, in the same function."""
    name = ctx.text(goto.child_by_field_name("label"))
    function = goto.parent
    while function is not None and function.type != "function_definition":
        function = function.parent
    if function is None or not name:
        return None
    return next(
        (
            n
            for n in walk(function)
            if n.type == "labeled_statement" and ctx.text(n.child_by_field_name("label")) == name
        ),
        None,
    )


def _path(ctx: TSContext, start: Node, followed: set[int] | None = None) -> Iterator[Node]:
    """The statements that run after ``start`` when it falls through, and after a ``goto`` on the way: the
    labelled cleanup and what follows it (each label followed once)."""
    followed = set() if followed is None else followed
    current = start
    while current.parent is not None:
        parent = current.parent
        if parent.type == "compound_statement":
            for sibling in parent.named_children[current.parent.named_children.index(current) + 1 :]:
                yield sibling
                target = _label(ctx, sibling) if sibling.type == "goto_statement" else None
                if target is not None and target.id not in followed:
                    followed.add(target.id)
                    yield target
                    yield from _path(ctx, target, followed)
                exited = _broken(sibling) if sibling.type == "break_statement" else None
                if exited is not None and exited.id not in followed:
                    followed.add(exited.id)
                    yield from _path(ctx, exited, followed)  # break: on after the loop or switch
                if _jumps(ctx, sibling):
                    return
        elif parent.type not in _PASS_THROUGH:
            return  # loop bodies, switch cases, the function body's end
        current = parent


def _broken(statement: Node) -> Node | None:
    """The loop or switch a ``break`` leaves."""
    node = statement.parent
    while node is not None and node.type not in _BREAKABLE:
        if node.type in ("function_definition", "lambda_expression"):
            return None
        node = node.parent
    return node


def _context(ctx: TSContext, occurrence: Node, release: Release) -> str:
    """How an occurrence of the pointer (or its base) is used: 'reset', 'ignore' or 'use'."""
    parent = occurrence.parent
    if parent is None:
        return "ignore"
    if parent.type == "assignment_expression" and parent.child_by_field_name("left") == occurrence:
        return "reset"
    if parent.type == "pointer_expression" and ctx.text(parent).startswith("&"):
        return "reset"  # handed out by address: a callee may set it again
    for up in (parent, parent.parent):
        if up is not None and up.type in ("sizeof_expression", "alignof_expression"):
            return "ignore"
    operator = parent.child_by_field_name("operator") if parent.type == "binary_expression" else None
    if operator is not None and operator.type in ("==", "!="):
        return "ignore"  # comparing the old address (p == NULL) reads no memory
    truth_test = parent.parent is not None and parent.parent.type in ("if_statement", "while_statement")
    return "ignore" if parent.type in ("condition_clause", "parenthesized_expression") and truth_test else "use"


def events(ctx: TSContext, release: Release) -> Iterator[Event]:
    """Every read of the released pointer on the path after its release, up to the point where it is assigned
    again, handed out by address or released again (that release is the last event)."""
    statement = _statement(release.node)
    if statement is None:
        return
    for node in _path(ctx, statement):
        for inner in walk(node):
            if inner.type == "assignment_expression":
                left = inner.child_by_field_name("left")
                if left is not None and ctx.compact(left) in (release.pointer, release.base):
                    right = inner.child_by_field_name("right")
                    used = _uses(ctx, right, release) if right is not None else None
                    if used is not None:
                        yield used
                    return
            found = release_of(ctx, inner)
            if found is not None and found.pointer == release.base and release.base != release.pointer:
                return  # the object holding the pointer is released: its own walk takes over
            if found is not None and found.pointer == release.pointer:
                yield Event(inner, released_again=True)
                return
            if inner.type in _POINTERS and ctx.compact(inner) in (release.pointer, release.base):
                verdict = _context(ctx, inner, release)
                if verdict == "reset":
                    return
                if verdict == "use" and ctx.compact(inner) == release.pointer and not _inside_release(ctx, inner):
                    yield Event(inner, released_again=False)


def _inside_release(ctx: TSContext, node: Node) -> bool:
    parent = node.parent
    while parent is not None and parent.type in ("argument_list", "parenthesized_expression", "cast_expression"):
        parent = parent.parent
    return parent is not None and release_of(ctx, parent) is not None


def _uses(ctx: TSContext, expression: Node, release: Release) -> Event | None:
    """``node = node->next`` after ``free(node)``: the right side reads the released memory."""
    for inner in walk(expression):
        if inner.type in _POINTERS and ctx.compact(inner) == release.pointer and _context(ctx, inner, release) == "use":
            return Event(inner, released_again=False)
    return None
