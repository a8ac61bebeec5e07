"""Helpers shared by the JavaScript/TypeScript rules: literals, options objects, names, module aliases."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from tree_sitter import Node

from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.shared.trees import ancestor

FUNCTIONS = frozenset(
    {"function_declaration", "function_expression", "function", "arrow_function", "method_definition",
     "generator_function_declaration", "generator_function"}
)  # fmt: skip
_WRAPPERS = frozenset(
    {"parenthesized_expression", "await_expression", "as_expression", "non_null_expression", "satisfies_expression"}
)
_TEST_PATH = re.compile(r"(?:^|/)(?:tests?|__tests__|__mocks__|spec|fixtures?)/|\.(?:test|spec)\.[cm]?[jt]sx?$")
_RESPONSE = re.compile(r"^(?:res|response|resp)(?:\.\w+\((?:[^()]|\([^()]*\))*\))*$")


def is_test_path(path: str) -> bool:
    return bool(_TEST_PATH.search(path.replace("\\", "/")))


def string_value(ctx: TSContext, node: Node | None) -> str | None:
    """The text of a string literal or a template without substitutions; None for anything else."""
    if node is None:
        return None
    if node.type == "string":
        return "".join(ctx.text(c) for c in node.named_children)
    if node.type == "template_string" and not any(c.type == "template_substitution" for c in node.named_children):
        return ctx.text(node)[1:-1]
    return None


def is_true(node: Node | None) -> bool:
    return node is not None and node.type == "true"


def is_false(node: Node | None) -> bool:
    return node is not None and node.type in ("false", "null", "undefined")


def method(ctx: TSContext, call: Node) -> str:
    """``exec`` for ``cp.exec(...)`` and for ``exec(...)``."""
    callee = call.child_by_field_name("function") or call.child_by_field_name("constructor")
    if callee is None:
        return ""
    if callee.type == "member_expression":
        return ctx.text(callee.child_by_field_name("property"))
    return ctx.text(callee) if callee.type == "identifier" else ""


def receiver(call: Node) -> Node | None:
    """The object a method is called on: ``res.status(500)`` for ``res.status(500).send(x)``."""
    callee = call.child_by_field_name("function")
    if callee is not None and callee.type == "member_expression":
        return callee.child_by_field_name("object")
    return None


def is_response(ctx: TSContext, node: Node | None) -> bool:
    """``res``, ``response``, ``res.status(404)``: an Express/Node response object."""
    return node is not None and bool(_RESPONSE.match(ctx.compact(node)))


def unwrap(node: Node) -> Node:
    """The value inside parentheses, await, TypeScript casts, and chained assignments (``a = b = value``)."""
    while True:
        if node.type == "assignment_expression" and node.child_by_field_name("right") is not None:
            node = node.child_by_field_name("right") or node
        elif node.type in _WRAPPERS and node.named_children:
            node = node.named_children[0]  # `x as T`: the expression comes first, the type last
        elif node.type == "type_assertion" and node.named_children:
            node = node.named_children[-1]  # `<T>x`: the type comes first
        else:
            return node


# ----- per-file indexes ---------------------------------------------------------------------------------
@dataclass
class _Index:
    declared: dict[str, list[Node]] = field(default_factory=dict)  # name -> values of `const name = value`
    imports: dict[str, tuple[str, str]] = field(default_factory=dict)  # local -> (module, imported name or "*")
    # name -> enclosing function id (-1: module) -> values declared there, built on first use of the name
    scoped: dict[str, dict[int, list[Node]]] = field(default_factory=dict)


def _index(ctx: TSContext) -> _Index:
    return ctx.memo("javascript.index", lambda: _read_index(ctx))


def _read_index(ctx: TSContext) -> _Index:
    index = _Index()
    for node in ctx.nodes("variable_declarator", "import_statement").nodes:
        if node.type == "variable_declarator":
            _declarator(ctx, node, index)
        elif node.type == "import_statement":
            _import(ctx, node, index)
    return index


def _required(ctx: TSContext, value: Node | None) -> tuple[str, str] | None:
    """``require('m')`` -> (m, '*'); ``require('m').x`` -> (m, x)."""
    if value is None:
        return None
    value = unwrap(value)
    if value.type == "member_expression":
        inner = _required(ctx, value.child_by_field_name("object"))
        return (inner[0], ctx.text(value.child_by_field_name("property"))) if inner and inner[1] == "*" else None
    if value.type == "call_expression" and ctx.text(value.child_by_field_name("function")) == "require":
        args = ctx.arguments(value)
        module = string_value(ctx, args[0]) if args else None
        return (module, "*") if module is not None else None
    return None


def _declarator(ctx: TSContext, node: Node, index: _Index) -> None:
    name, value = node.child_by_field_name("name"), node.child_by_field_name("value")
    if name is None or value is None:
        return
    required = _required(ctx, value)
    if name.type == "identifier":
        index.declared.setdefault(ctx.text(name), []).append(value)
        if required is not None:
            index.imports[ctx.text(name)] = required
    elif name.type == "object_pattern" and required is not None and required[1] == "*":
        for part in name.named_children:
            if part.type == "shorthand_property_identifier_pattern":
                index.imports[ctx.text(part)] = (required[0], ctx.text(part))
            elif part.type == "pair_pattern":
                key, local = part.child_by_field_name("key"), part.child_by_field_name("value")
                if local is not None and local.type == "identifier":
                    index.imports[ctx.text(local)] = (required[0], ctx.text(key))


def _import(ctx: TSContext, node: Node, index: _Index) -> None:
    module = string_value(ctx, node.child_by_field_name("source"))
    clause = next((c for c in node.named_children if c.type == "import_clause"), None)
    if module is None or clause is None:
        return
    for part in clause.named_children:
        if part.type == "identifier":
            index.imports[ctx.text(part)] = (module, "*")
        elif part.type == "namespace_import":
            for ident in part.named_children:
                index.imports[ctx.text(ident)] = (module, "*")
        elif part.type == "named_imports":
            for spec in part.named_children:
                name, alias = spec.child_by_field_name("name"), spec.child_by_field_name("alias")
                index.imports[ctx.text(alias or name)] = (module, ctx.text(name))


def imported(ctx: TSContext, local: str) -> tuple[str, str] | None:
    """Where a local name comes from: (module without 'node:', imported name or '*'), or None."""
    found = _index(ctx).imports.get(local)
    return (found[0].removeprefix("node:"), found[1]) if found else None


def resolved_call(ctx: TSContext, call: Node) -> tuple[str, str] | None:
    """(module, function) for ``cp.exec(...)``, ``exec(...)`` and ``require('fs').readFile(...)``, via imports."""
    callee = call.child_by_field_name("function")
    if callee is None:
        return None
    if callee.type == "identifier":
        found = imported(ctx, ctx.text(callee))
        return found if found is not None and found[1] != "*" else None
    if callee.type != "member_expression":
        return None
    prop = ctx.text(callee.child_by_field_name("property"))
    obj = unwrap(callee.child_by_field_name("object") or callee)
    if obj.type == "identifier":
        found = imported(ctx, ctx.text(obj))
        return (found[0], prop) if found is not None and found[1] == "*" else None
    if obj.type == "member_expression" and ctx.text(obj.child_by_field_name("property")) == "promises":
        inner = unwrap(obj.child_by_field_name("object") or obj)
        found = imported(ctx, ctx.text(inner)) if inner.type == "identifier" else None
        return (found[0] + "/promises", prop) if found is not None and found[1] == "*" else None
    required = _required(ctx, obj)
    return (required[0].removeprefix("node:"), prop) if required and required[1] == "*" else None


def resolve(ctx: TSContext, node: Node | None) -> Node | None:
    """An identifier's value (shorthand ``{ headers }`` included) when the file declares it once
    (``const opts = {...}``); other nodes as they are."""
    if node is None:
        return None
    node = unwrap(node)
    if node.type not in ("identifier", "shorthand_property_identifier"):
        return node
    index, name = _index(ctx), ctx.text(node)
    values = index.declared.get(name, [])
    if len(values) <= 1:
        return unwrap(values[0]) if values else node
    by_scope = index.scoped.get(name)
    if by_scope is None:  # once per name: a generated file declares `let r` thousands of times
        by_scope = index.scoped[name] = {}
        for v in values:
            by_scope.setdefault(getattr(enclosing_function(v), "id", -1), []).append(v)
    scope: Node | None = node
    while True:  # the declaration in the nearest enclosing scope, the last one before the use
        scope = enclosing_function(scope) if scope is not None else None
        here = by_scope.get(scope.id if scope is not None else -1, [])
        if here:
            before = [v for v in here if v.start_byte < node.start_byte]
            return unwrap((before or here)[-1])
        if scope is None:
            return node


def pairs(ctx: TSContext, obj: Node | None) -> Iterator[tuple[str, Node]]:
    """(key, value) of an object literal; shorthand ``{ secure }`` yields the identifier as its own value."""
    if obj is None or obj.type != "object":
        return
    for child in obj.named_children:
        if child.type == "pair":
            key, value = child.child_by_field_name("key"), child.child_by_field_name("value")
            if key is not None and value is not None:
                text = string_value(ctx, key)
                yield (text if text is not None else ctx.text(key)), value
        elif child.type == "shorthand_property_identifier":
            yield ctx.text(child), child


def option(ctx: TSContext, obj: Node | None, key: str) -> Node | None:
    """The value of ``key`` in an options object (an identifier is resolved to its object literal)."""
    obj = resolve(ctx, obj)
    return next((v for k, v in pairs(ctx, obj) if k == key), None)


def has_spread(ctx: TSContext, obj: Node | None) -> bool:
    obj = resolve(ctx, obj)
    return obj is not None and any(c.type == "spread_element" for c in obj.named_children)


# ----- names --------------------------------------------------------------------------------------------
def speaking_name(ctx: TSContext, node: Node | None) -> str | None:
    """What a reader calls a value: ``user.apiKey`` -> apiKey, ``req.headers['x-signature']`` -> x-signature,
    ``req.get('X-Token')`` -> X-Token, ``hmac.digest('hex')`` -> digest, ``String(token)`` -> token."""
    for _ in range(8):
        if node is None:
            return None
        node = unwrap(node)
        if node.type in ("identifier", "property_identifier", "shorthand_property_identifier"):
            return ctx.text(node)
        if node.type == "member_expression":
            return ctx.text(node.child_by_field_name("property"))
        if node.type == "subscript_expression":
            key = string_value(ctx, node.child_by_field_name("index"))
            if key is not None:
                return key
            node = node.child_by_field_name("object")
        elif node.type == "call_expression":
            name, args = method(ctx, node), ctx.arguments(node)
            if name in ("get", "header", "getHeader", "getItem", "String", "Buffer.from", "from") and args:
                key = string_value(ctx, args[0])
                if key is not None:
                    return key
                node = args[0] if name in ("String", "from") else None
            elif name in ("toString", "trim", "toLowerCase", "toUpperCase", "normalize"):
                node = receiver(node)
            else:
                return name or None
        else:
            return None
    return None


def function_name(ctx: TSContext, fn: Node | None) -> str | None:
    """A function's name, or the name it is assigned to (``const makeToken = () => ...``)."""
    if fn is None:
        return None
    name = fn.child_by_field_name("name")
    if name is not None:
        return ctx.text(name)
    parent = fn.parent
    if parent is not None and parent.type == "variable_declarator":
        return ctx.text(parent.child_by_field_name("name"))
    if parent is not None and parent.type in ("pair", "assignment_expression"):
        target = parent.child_by_field_name("key") or parent.child_by_field_name("left")
        return speaking_name(ctx, target) if target is not None else None
    return None


def enclosing_function(node: Node) -> Node | None:
    return ancestor(node, FUNCTIONS)


def within(node: Node, ancestor: Node) -> bool:
    return ancestor.start_byte <= node.start_byte and node.end_byte <= ancestor.end_byte
