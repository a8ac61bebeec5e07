"""Reads of a local map or list at a constant key, replayed from the writes before them.

``map.put("keyA", "safe"); map.put("keyB", param); bar = map.get("keyA")`` reads ``"safe"``; ``list.add("a");
list.add(param); list.add("b"); list.remove(0); list.get(1)`` reads ``"b"``. This holds only when the whole life of
the container is visible: a local created empty in the same function, written only by statements that run, in
order, before the read and outside any loop, and otherwise only read at constant keys. Anything else (the
container passed to a call, stored, iterated, filled in a loop or a branch) answers None: the caller falls back
to treating the container as one value.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from tree_sitter import Node

from slopguard.engine.treesitter.folding import LOOPS, UNKNOWN_VALUE, Folder, Step, Value

_READS = frozenset({"get", "getOrDefault", "at", "elementAt"})
_MAP_WRITES = frozenset({"put", "set"})
_APPENDS = frozenset({"add", "push", "addLast", "offer", "append"})
_REMOVE_FIRST = frozenset({"shift", "removeFirst", "poll", "pollFirst"})
_REMOVE_LAST = frozenset({"pop", "removeLast", "pollLast"})
_CREATIONS = frozenset({"object_creation_expression", "new_expression"})
_DECLARATORS = frozenset({"variable_declarator"})


class _Absent:
    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Final = _Absent()  # the key was never written: the read gives null/undefined
Parts = Callable[[Node], tuple[Node, str, list[Node]] | None]  # call -> (receiver, method, arguments)


def read_at_constant(
    call: Node, function: Node, parts: Parts, folder: Folder, text: Callable[[Node], str]
) -> Node | _Absent | None:
    """The expression stored at the constant key ``call`` reads, ``ABSENT``, or None when that is not known."""
    found = parts(call)
    if found is None:
        return None
    receiver, method, args = found
    if receiver.type != "identifier" or method not in _READS or not args:
        return None
    key = folder.fold(args[0])
    if key is UNKNOWN_VALUE:
        return None
    writes = _writes(text(receiver), call, function, parts, folder, text)
    if writes is None:
        return None
    if all(m in _MAP_WRITES for _, m, _ in writes):
        value = _replay_map(writes, key, folder)
    else:
        value = _replay_list(writes, key, folder)
    if value is ABSENT and method == "getOrDefault" and len(args) > 1:
        return args[1]
    return value


def _writes(
    name: str, read: Node, function: Node, parts: Parts, folder: Folder, text: Callable[[Node], str]
) -> list[tuple[Node, str, list[Node]]] | None:
    """The calls that fill the container before ``read``, in order; None when its life is not all visible."""
    writes: list[tuple[Node, str, list[Node]]] = []
    created = False
    stack = [function]
    while stack:
        node = stack.pop()
        stack.extend(node.named_children)
        if node.type != "identifier" or text(node) != name:
            continue
        parent = node.parent
        if parent is not None and parent.type in _DECLARATORS and _empty_creation(parent.child_by_field_name("value")):
            created = _field_is(parent, "name", node)
            if not created:
                return None
            continue
        call = _call_on(node, parts)
        if call is None:
            return None
        _, method, args = call
        if method in _READS and call[0].id == node.id:
            continue  # another read
        statement = _statement_of(parts, node)
        if statement is None or statement.start_byte >= read.start_byte:
            return None
        if not _runs_before(statement, read, function, folder):
            return None
        writes.append((statement, method, args))
    if not created:
        return None
    writes.sort(key=lambda w: w[0].start_byte)
    return writes


def _call_on(node: Node, parts: Parts) -> tuple[Node, str, list[Node]] | None:
    """The call whose receiver is ``node``, if any."""
    current = node.parent
    for _ in range(2):  # method_invocation(object) / call_expression(member_expression(object))
        if current is None:
            return None
        found = parts(current)
        if found is not None and found[0].id == node.id:
            return found
        current = current.parent
    return None


def _statement_of(parts: Parts, receiver: Node) -> Node | None:
    """The expression statement that is exactly the call on ``receiver`` (a write whose result is unused)."""
    current = receiver.parent
    while current is not None and current.type != "expression_statement":
        found = parts(current)
        if found is not None and found[0].id == receiver.id:
            parent = current.parent
            return parent if parent is not None and parent.type == "expression_statement" else None
        current = current.parent
    return None


def _runs_before(statement: Node, read: Node, function: Node, folder: Folder) -> bool:
    """``statement`` runs exactly once, before ``read``, whenever ``read`` runs."""
    block = statement.parent
    if block is None or not (block.start_byte <= read.start_byte and read.end_byte <= block.end_byte):
        return False
    current: Node | None = block
    while current is not None and current.id != function.id:
        if current.type in LOOPS:
            return False
        current = current.parent
    return folder.path(statement, block) is Step.ALWAYS


def _empty_creation(value: Node | None) -> bool:
    if value is None:
        return False
    if value.type in _CREATIONS:
        arguments = value.child_by_field_name("arguments")
        return arguments is None or not arguments.named_children
    return value.type == "array" and not value.named_children


def _field_is(parent: Node, field: str, node: Node) -> bool:
    child = parent.child_by_field_name(field)
    return child is not None and child.id == node.id


def _replay_map(writes: list[tuple[Node, str, list[Node]]], key: Value, folder: Folder) -> Node | _Absent | None:
    stored: Node | _Absent = ABSENT
    for _, _, args in writes:
        if len(args) != 2:
            return None
        written = folder.fold(args[0])
        if written is UNKNOWN_VALUE:
            return None
        if written == key:
            stored = args[1]
    return stored


def _replay_list(writes: list[tuple[Node, str, list[Node]]], index: Value, folder: Folder) -> Node | None:
    items: list[Node] = []
    for _, method, args in writes:
        if method in _APPENDS and len(args) == 1:
            items.append(args[0])
        elif method == "add" and len(args) == 2:
            at = folder.fold(args[0])
            if not isinstance(at, int) or isinstance(at, bool) or not 0 <= at <= len(items):
                return None
            items.insert(at, args[1])
        elif method == "remove" and len(args) == 1:
            at = folder.fold(args[0])
            if not isinstance(at, int) or isinstance(at, bool) or not 0 <= at < len(items):
                return None
            items.pop(at)
        elif method in _REMOVE_FIRST and not args and items:
            items.pop(0)
        elif method in _REMOVE_LAST and not args and items:
            items.pop()
        else:
            return None
    if not isinstance(index, int) or isinstance(index, bool) or not -len(items) <= index < len(items):
        return None
    return items[index]


__all__ = ["ABSENT", "read_at_constant"]
