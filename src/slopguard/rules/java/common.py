"""Helpers shared by the Java rules: call parts, literals, declarations, enclosing scopes, names."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tree_sitter import Node

from slopguard.engine.flow import Flow
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.shared.trees import ancestor, walk


def calls(pattern: str) -> str:
    """A query for method calls whose name matches ``pattern`` (filtered inside tree-sitter)."""
    return f'(method_invocation name: (identifier) @method (#match? @method "{pattern}")) @call'


def creations(pattern: str) -> str:
    """A query for ``new T(...)`` whose type name matches ``pattern`` (captured as @call)."""
    return f'(object_creation_expression type: (_) @type (#match? @type "{pattern}")) @call'


FUNCTIONS = ("method_declaration", "constructor_declaration", "lambda_expression")
CLASSES = ("class_body", "enum_body", "interface_body", "program")
_PARAMETER_LIKE = ("formal_parameter", "resource", "enhanced_for_statement", "catch_formal_parameter")
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "0": "\0", "\\": "\\", '"': '"', "'": "'"}


def method(call: Node, ctx: TSContext) -> str:
    """``executeQuery`` for ``stmt.executeQuery(sql)``."""
    return ctx.text(call.child_by_field_name("name"))


def receiver(call: Node) -> Node | None:
    return call.child_by_field_name("object")


def type_name(node: Node, ctx: TSContext) -> str:
    """``ProcessBuilder`` for ``new java.lang.ProcessBuilder(...)`` / ``new ArrayList<String>()``."""
    return ctx.compact(node.child_by_field_name("type")).split("<")[0].rsplit(".", 1)[-1]


def method_of(node: Node) -> Node | None:
    """The enclosing method or constructor (lambdas are looked through)."""
    return ancestor(node, ("method_declaration", "constructor_declaration"))


def class_of(node: Node) -> Node | None:
    """The body of the enclosing (possibly anonymous) class, or the file."""
    return ancestor(node, CLASSES)


def called_method(call: Node, ctx: TSContext) -> Node | None:
    """The declaration of the method a plain or ``this.`` call invokes in an enclosing class (same name and
    number of parameters), for following a value into the project's own helpers."""
    obj = receiver(call)
    if obj is not None and ctx.text(obj) != "this":
        return None
    name, arity = method(call, ctx), len(ctx.arguments(call))
    scope = class_of(call)
    while scope is not None:
        for node in scope.named_children:
            if node.type != "method_declaration" or ctx.text(node.child_by_field_name("name")) != name:
                continue
            params = node.child_by_field_name("parameters")
            if params is not None and len(params.named_children) == arity:
                return node
        scope = class_of(scope)
    return None


def call_sites(func: Node, ctx: TSContext) -> list[Node]:
    """The plain or ``this.`` calls in this file that invoke the method ``func`` (see ``called_method``)."""
    name = ctx.text(func.child_by_field_name("name"))

    def find() -> list[Node]:
        return [
            node
            for node in walk(ctx.tree.root_node)
            if node.type == "method_invocation"
            and method(node, ctx) == name
            and (found := called_method(node, ctx)) is not None
            and found.id == func.id
        ]

    return ctx.memo(f"java.callers.{func.id}", find)


def literal(node: Node | None, ctx: TSContext) -> str | None:
    """The value of a string literal (escapes decoded, text blocks included), else None."""
    if node is None:
        return None
    while node.type == "parenthesized_expression" and node.named_children:
        node = node.named_children[0]
    if node.type == "binary_expression":
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        a, b = literal(left, ctx), literal(right, ctx)
        return a + b if a is not None and b is not None else None
    if node.type != "string_literal":
        return None
    raw = ctx.text(node)
    body = raw[3:-3] if raw.startswith('"""') else raw[1:-1]
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), body)


def constant(node: Node | None, ctx: TSContext) -> str | None:
    """A string literal, or a variable/constant initialised with one (``Cipher.getInstance(ALGORITHM)``)."""
    value = literal(node, ctx)
    if value is not None or node is None or node.type not in ("identifier", "field_access"):
        return value
    name = ctx.text(node).rsplit(".", 1)[-1]
    decl = declaration(name, node, ctx)
    return literal(decl.value, ctx) if decl is not None else None


@dataclass(frozen=True)
class Decl:
    """Where a name is declared: its declared type (``var`` included) and initial value."""

    type: str
    value: Node | None
    node: Node


def _declared(scope: Node, name: str, ctx: TSContext, fields_only: bool) -> Decl | None:
    nodes = scope.named_children if fields_only else walk(scope)
    for node in nodes:
        kind = node.type
        if kind in ("local_variable_declaration", "field_declaration", "constant_declaration"):
            if fields_only and kind == "local_variable_declaration":
                continue
            type_text = ctx.compact(node.child_by_field_name("type")).split("<")[0]
            for declarator in node.children_by_field_name("declarator"):
                if ctx.text(declarator.child_by_field_name("name")) == name:
                    return Decl(type_text, declarator.child_by_field_name("value"), declarator)
        elif kind == "spread_parameter" and not fields_only:
            spread = next((c for c in node.named_children if c.type == "variable_declarator"), None)
            if spread is not None and ctx.text(spread.child_by_field_name("name")) == name:
                return Decl(ctx.compact(node.named_children[0]) + "...", None, node)
        elif kind in _PARAMETER_LIKE and not fields_only and ctx.text(node.child_by_field_name("name")) == name:
            type_text = ctx.compact(node.child_by_field_name("type")).split("<")[0]
            return Decl(type_text, node.child_by_field_name("value"), node)
    return None


def declaration(name: str, at: Node, ctx: TSContext) -> Decl | None:
    """The declaration of ``name`` seen from ``at``: locals and parameters first, then fields outwards."""
    func = method_of(at)
    if func is not None:
        found = _declared(func, name, ctx, fields_only=False)
        if found is not None:
            return found
    scope = class_of(at)
    while scope is not None:
        found = _declared(scope, name, ctx, fields_only=True)
        if found is not None:
            return found
        scope = class_of(scope)
    return None


def declared_type(node: Node | None, ctx: TSContext) -> str:
    """``Random`` for a name declared ``Random rnd`` / ``var rnd = new Random()``; else the creation's type."""
    if node is None:
        return ""
    if node.type == "object_creation_expression":
        return type_name(node, ctx)
    if node.type not in ("identifier", "field_access"):
        return ""
    decl = declaration(ctx.text(node).rsplit(".", 1)[-1], node, ctx)
    if decl is None:
        return ""
    if decl.type in ("var", "") and decl.value is not None and decl.value.type == "object_creation_expression":
        return type_name(decl.value, ctx)
    return decl.type.rsplit(".", 1)[-1]


def value_of(node: Node, ctx: TSContext) -> Node:
    """A local variable's initial value when ``node`` names one (one step), else ``node`` itself."""
    if node.type == "identifier":
        decl = declaration(ctx.text(node), node, ctx)
        if decl is not None and decl.value is not None and decl.node.type != "formal_parameter":
            return decl.value
    return node


def binding_name(node: Node, ctx: TSContext) -> str | None:
    """The variable or field the expression containing ``node`` is stored in, if any."""
    current: Node | None = node
    while current is not None and current.parent is not None:
        parent = current.parent
        if parent.type == "variable_declarator":
            return ctx.text(parent.child_by_field_name("name"))
        if parent.type == "assignment_expression":
            return ctx.text(parent.child_by_field_name("left")).rsplit(".", 1)[-1]
        if parent.type.endswith(("statement", "declaration", "block")) or parent.type in FUNCTIONS:
            return None
        current = parent
    return None


def names_around(node: Node, ctx: TSContext) -> list[str]:
    """The names a value is given: the variable or field it initialises, the target it is assigned to, the
    setter/builder method it is passed to, and the enclosing method's name."""
    names: list[str] = []
    current: Node | None = node
    while current is not None and current.type not in FUNCTIONS and current.type not in CLASSES:
        parent = current.parent
        if parent is None:
            break
        if parent.type == "variable_declarator":
            names.append(ctx.text(parent.child_by_field_name("name")))
        elif parent.type == "assignment_expression":
            names.append(ctx.text(parent.child_by_field_name("left")).rsplit(".", 1)[-1])
        elif parent.type == "argument_list" and parent.parent is not None:
            if parent.parent.type == "method_invocation":
                names.append(method(parent.parent, ctx))
        elif parent.type in ("return_statement", "expression_statement", "local_variable_declaration"):
            break
        current = parent
    func = method_of(node)
    if func is not None:
        names.append(ctx.text(func.child_by_field_name("name")))
    return names


_PARAMETER_ORIGIN = re.compile(r"^parameter '?([\w$]+)'?")
_COMMAND_LINE = re.compile(r"\bString\s*(?:\[\s*\]|\.\.\.)\s*[\w$]+$")


def from_command_line(flow: Flow, at: Node, ctx: TSContext) -> bool:
    """Taint from main()'s ``String[] args`` or standard input: the user running the tool, not a remote attacker."""
    if flow.origin.startswith("System.in"):
        return True
    match = _PARAMETER_ORIGIN.match(flow.origin)
    if match is None:
        return False
    decl = declaration(match.group(1), at, ctx)
    parameter = decl is not None and decl.node.type in ("formal_parameter", "spread_parameter")
    return parameter and decl is not None and bool(_COMMAND_LINE.search(ctx.text(decl.node)))
