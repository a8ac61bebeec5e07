"""Calls to functions defined in the same file: which function a call runs, and what that function returns.

Only calls that cannot mean anything else are resolved: ``helper(x)``, ``this.helper(x)`` and
``new Local().helper(x)`` where exactly one function of that name and arity is declared in the file (for ``new
Local()``: in the class ``Local`` of this file). A call on any other object (``thing.doSomething(x)``) may run code
from elsewhere and stays unresolved.
"""

from __future__ import annotations

from collections.abc import Callable

from tree_sitter import Node

from slopguard.engine.treesitter.spec import LanguageSpec

_CLASSES = frozenset({"class_declaration", "class", "class_definition", "enum_declaration", "record_declaration"})
_RETURNS = frozenset({"return_statement", "return_expression"})
# A Rust block's last expression (no semicolon) is its value; only plain ones are read (branches are not).
_RUST_TAILS = frozenset(
    {"call_expression", "macro_invocation", "identifier", "field_expression", "reference_expression",
     "binary_expression", "string_literal", "try_expression", "await_expression"}
)  # fmt: skip


class Callees:
    """The functions of one file by name, for resolving calls to them."""

    def __init__(self, root: Node, spec: LanguageSpec, text: Callable[[Node], str]) -> None:
        self._spec = spec
        self._text = text
        self._by_name: dict[str, list[Node]] = {}
        stack = [root]
        while stack:
            node = stack.pop()
            stack.extend(node.named_children)
            if node.type in spec.functions:
                name = node.child_by_field_name("name")
                if name is not None:
                    self._by_name.setdefault(text(name), []).append(node)
            elif node.type == "variable_declarator":  # const helper = (x) => ...
                value, name = node.child_by_field_name("value"), node.child_by_field_name("name")
                if value is not None and name is not None and value.type in spec.functions:
                    self._by_name.setdefault(text(name), []).append(value)

    def resolve(self, call: Node, arity: int) -> Node | None:
        """The one function of this file that ``call`` runs, if it can only be that one."""
        found = self._name_and_owner(call)
        if found is None:
            return None
        name, owner = found
        candidates = [f for f in self._by_name.get(name, []) if self._arity(f) == arity]
        if owner is not None:
            candidates = [f for f in candidates if self._class_name(f) == owner]
        return candidates[0] if len(candidates) == 1 else None

    def _name_and_owner(self, call: Node) -> tuple[str, str | None] | None:
        if call.type == "method_invocation":
            obj, name = call.child_by_field_name("object"), call.child_by_field_name("name")
            if name is None:
                return None
            if obj is None or obj.type == "this":
                return self._text(name), None
            if obj.type == "object_creation_expression":  # new Local().helper(x)
                kind = obj.child_by_field_name("type")
                return (self._text(name), self._text(kind)) if kind is not None else None
            return None
        fields = self._spec.calls.get(call.type)
        callee = call.child_by_field_name(fields[0]) if fields and fields[1] else None
        if callee is None:
            return None
        if callee.type in self._spec.identifiers:
            return self._text(callee), None
        if callee.type == "member_expression":
            obj, prop = callee.child_by_field_name("object"), callee.child_by_field_name("property")
            if obj is not None and obj.type == "this" and prop is not None:
                return self._text(prop), None
        return None

    def _arity(self, function: Node) -> int:
        params = function.child_by_field_name("parameters")
        if params is None:
            return 0 if function.child_by_field_name("parameter") is None else 1
        if any(c.type == "spread_parameter" for c in params.named_children):
            return -1  # varargs: not matched by count
        return sum(1 for c in params.named_children if c.type != "comment")

    def _class_name(self, function: Node) -> str | None:
        current = function.parent
        while current is not None and current.type not in _CLASSES:
            current = current.parent
        name = current.child_by_field_name("name") if current is not None else None
        return self._text(name) if name is not None else None

    def returned(self, function: Node) -> list[Node]:
        """The expressions ``function`` returns (an arrow function's expression body included)."""
        body = function.child_by_field_name("body")
        if body is None:
            return []
        if body.type not in ("block", "statement_block", "constructor_body"):
            return [body]
        found: list[Node] = []
        stack = list(body.named_children)
        while stack:
            node = stack.pop()
            if node.type in self._spec.functions or node.type in _CLASSES:
                continue
            if node.type in _RETURNS:
                value = next((c for c in node.named_children if c.type != "comment"), None)
                if value is not None:
                    found.append(value)
                continue
            stack.extend(node.named_children)
        tail = next((c for c in reversed(body.named_children) if "comment" not in c.type), None)
        if self._spec.name == "rust" and tail is not None and tail.type in _RUST_TAILS:
            found.append(tail)
        return found


__all__ = ["Callees"]
