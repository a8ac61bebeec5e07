"""Heap lifetime flaws on one straight-line path: double free (C-MEM-001) and use after free (C-MEM-002)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.c.lifetimes import events, release_of
from slopguard.rules.c.temporaries import VIEWS, dangling_member_reads, dangling_pointer

# free(p); and delete p; as statements (delete_expression is C++ only, so the query names the statement).
_QUERY = "(expression_statement . (_) @release) @call"
# const char *p = (a + b).c_str(); -- a pointer into a temporary string.
_VIEW_QUERY = f"""
(init_declarator value: (call_expression function: (field_expression field: (field_identifier) @view)) @value
 (#match? @view "^({"|".join(sorted(VIEWS))})$")) @bind
(assignment_expression left: (field_expression) right: (call_expression function: (field_expression
 field: (field_identifier) @stored_view)) (#match? @stored_view "^({"|".join(sorted(VIEWS))})$")) @store
"""


@ts_rule(
    id="C-MEM-001",
    title="Pointer freed twice",
    cwe=415,
    severity=Severity.HIGH,
    confidence=Confidence.MEDIUM,
    languages=("c", "cpp"),
    query=_QUERY,
    why="""Assistants free buffers on an error branch and again in the shared cleanup at the end (free(buf);
    goto done; ... done: free(buf);), or free a pointer in a helper and once more in the caller. A second free
    corrupts the allocator's free lists; with a controlled allocation in between, attackers turn it into an
    arbitrary write and code execution.""",
    fix="""Free each allocation in exactly one place, usually the cleanup label, and set the pointer to NULL right
    after free (free(NULL) is a no-op); in C++ hold it in std::unique_ptr or a container.""",
)
def double_free(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    node: Node = captures["release"][0]
    release = release_of(ctx, node)
    # the walk ends at a second release, so a use of the pointer on the way (C-MEM-002's) does not hide it
    event = next((e for e in events(ctx, release) if e.released_again), None) if release is not None else None
    if release is not None and event is not None:
        yield ctx.hit(event.node, f"'{release.pointer}' is released again after the release on line "
                      f"{node.start_point[0] + 1}, with no reassignment in between")  # fmt: skip


@ts_rule(
    id="C-MEM-002",
    title="Pointer used after it was freed",
    cwe=416,
    severity=Severity.HIGH,
    confidence=Confidence.MEDIUM,
    languages=("c", "cpp"),
    query=_QUERY + _VIEW_QUERY,
    why="""Assistants free (or delete) an object and then still log a field of it, return it, or step to
    node->next; or free a buffer on a failure branch that then falls through to code using it; or, in C++, keep
    const char *p = (a + b).c_str(), a pointer into a temporary string destroyed at the end of that statement.
    The memory may already belong to another allocation: reads leak other data, writes corrupt it, and a freed
    object with function pointers or a vtable is a classic route to code execution.""",
    fix="""Use the object before releasing it (copy what you still need first), set the pointer to NULL after
    free, and return or jump to cleanup right after freeing on an error path; in C++ prefer std::unique_ptr,
    and keep a temporary string in a named std::string before taking c_str() of it.""",
)
def use_after_free(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    if "store" in captures:
        for read in dangling_member_reads(ctx, captures["store"][0]):
            line = captures["store"][0].end_point[0] + 1
            yield ctx.hit(read, f"'{ctx.text(read)[:40]}' points into a temporary string destroyed at the end of "
                          f"line {line}; it is read here after it was freed")  # fmt: skip
        return
    if "bind" in captures:
        dangling = dangling_pointer(ctx, captures["bind"][0], captures["value"][0])
        if dangling is not None:
            line = dangling.statement.end_point[0] + 1
            message = f"'{dangling.name}' points into a temporary string destroyed at the end of line {line}"
            yield ctx.hit(dangling.use, f"{message}; it is read here after it was freed")
        return
    node: Node = captures["release"][0]
    release = release_of(ctx, node)
    lines: set[int] = set()
    for event in events(ctx, release) if release is not None else ():
        if not event.released_again and release is not None and event.node.start_point[0] not in lines:
            lines.add(event.node.start_point[0])
            yield ctx.hit(event.node, f"'{release.pointer}' is used after it was released on line "
                          f"{node.start_point[0] + 1}")  # fmt: skip
