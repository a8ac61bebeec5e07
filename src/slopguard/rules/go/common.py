"""Helpers shared by the Go rules: imports, literals, bindings, enclosing functions, the names values are given."""

from __future__ import annotations

import re

from tree_sitter import Node

from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.shared.trees import ancestor, walk

# A call of a package function or a method: ``fmt.Sprintf(..)``, ``db.Query(..)``, ``rand.Intn(..)``.
CALL = "(call_expression function: (selector_expression operand: (_) @recv field: (field_identifier) @method)) @call"
FUNCTIONS = ("function_declaration", "method_declaration", "func_literal")
_BINDINGS = ("short_var_declaration", "assignment_statement", "var_spec", "const_spec")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "'": "'"}


def is_test(ctx: TSContext) -> bool:
    return ctx.path.endswith("_test.go") or "/testdata/" in ctx.path.replace("\\", "/")


def function_of(node: Node) -> Node | None:
    return ancestor(node, FUNCTIONS)


def function_name(ctx: TSContext, fn: Node | None) -> str:
    """A function's name, or the name a function literal is bound to (``genToken := func() ..``)."""
    if fn is None:
        return ""
    name = fn.child_by_field_name("name")
    if name is not None:
        return ctx.text(name)
    parent = fn.parent.parent if fn.parent is not None and fn.parent.type == "expression_list" else fn.parent
    if parent is not None and parent.type in _BINDINGS:
        target = parent.child_by_field_name("left") or parent.child_by_field_name("name")
        return ctx.text(target)
    return ""


def unwrap(node: Node) -> Node:
    while node.type in ("parenthesized_expression", "expression_list", "literal_element") and node.named_children:
        node = node.named_children[0]
    return node


# ----- imports ------------------------------------------------------------------------------------------
def imports(ctx: TSContext) -> dict[str, str]:
    """Local package name -> import path (``mrand`` -> ``math/rand``, ``rand`` -> ``math/rand/v2``)."""
    return ctx.memo("go.imports", lambda: _read_imports(ctx))


def _read_imports(ctx: TSContext) -> dict[str, str]:
    found: dict[str, str] = {}
    for node in walk(ctx.tree.root_node):
        if node.type == "import_spec":
            path = string_value(ctx, node.child_by_field_name("path")) or ""
            alias = node.child_by_field_name("name")
            segments = [s for s in path.split("/") if not re.fullmatch(r"v\d+", s)]
            local = ctx.text(alias) if alias is not None else (segments[-1] if segments else path)
            found[local.split(".")[0] if alias is None else local] = path
        elif node.type in FUNCTIONS:
            break
    return found


def package_of(ctx: TSContext, node: Node | None) -> str | None:
    """The import path a package identifier names, else None."""
    if node is None or node.type not in ("identifier", "package_identifier"):
        return None
    return imports(ctx).get(ctx.text(node))


def package_call(ctx: TSContext, call: Node) -> tuple[str, str] | None:
    """(import path, function) for ``pkg.Func(..)``; None for method calls and local functions."""
    callee = call.child_by_field_name("function")
    if callee is None or callee.type != "selector_expression":
        return None
    path = package_of(ctx, callee.child_by_field_name("operand"))
    return (path, ctx.text(callee.child_by_field_name("field"))) if path is not None else None


# ----- literals and bindings ----------------------------------------------------------------------------
def string_value(ctx: TSContext, node: Node | None) -> str | None:
    """The value of a string literal (raw or interpreted, ``+`` of literals included), else None."""
    if node is None:
        return None
    node = unwrap(node)
    if node.type == "raw_string_literal":
        return ctx.text(node)[1:-1]
    if node.type == "interpreted_string_literal":
        return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), ctx.text(node)[1:-1])
    if node.type == "binary_expression" and ctx.text(node.child_by_field_name("operator")) == "+":
        left = string_value(ctx, node.child_by_field_name("left"))
        right = string_value(ctx, node.child_by_field_name("right"))
        return left + right if left is not None and right is not None else None
    return None


def bound_values(ctx: TSContext, name: str, scope: Node) -> list[tuple[Node, bool]]:
    """Values assigned to ``name`` inside ``scope``: (value, appended with +=?)."""
    found: list[tuple[Node, bool]] = []
    for node in walk(scope):
        if node.type not in _BINDINGS or node.id == scope.id:
            continue
        left = node.child_by_field_name("left") or node.child_by_field_name("name")
        right = node.child_by_field_name("right") or node.child_by_field_name("value")
        if left is None or right is None:
            continue
        lefts = left.named_children if left.type == "expression_list" else [left]
        rights = right.named_children if right.type == "expression_list" else [right]
        for i, target in enumerate(lefts):
            if target.type == "index_expression":  # parts[i] = "?" fills a slice
                target = target.child_by_field_name("operand") or target
            if ctx.text(target) == name and rights:
                operator = node.child_by_field_name("operator")
                appended = operator is not None and ctx.text(operator) == "+="
                found.append((rights[i] if len(rights) == len(lefts) else rights[0], appended))
    return found


def constant(ctx: TSContext, node: Node | None) -> str | None:
    """A string literal, or a name bound once to one in the function or the file."""
    value = string_value(ctx, node)
    if value is not None or node is None or node.type != "identifier":
        return value
    scope = function_of(node)
    for where in (scope, ctx.tree.root_node) if scope is not None else (ctx.tree.root_node,):
        values = bound_values(ctx, ctx.text(node), where)
        if values:
            return string_value(ctx, values[0][0]) if len(values) == 1 else None
    return None


def filled_by_address(ctx: TSContext, node: Node) -> str | None:
    """The call that wrote into the variable or field ``node`` through its address before it (``db.Get(&p, ..)``
    for ``p.Bio``, ``row.Scan(&name)``), else None: what such a call stores (a database row) is not the zero value the
    declaration ``var p Profile`` gave. Decoders and binders are left to the taint engine, which knows them."""
    scope = function_of(node)
    if scope is None:
        return None
    name = ctx.compact(node)
    for found in walk(scope):
        if found.start_byte >= node.start_byte:
            break
        if found.type != "unary_expression" or ctx.text(found.child_by_field_name("operator")) != "&":
            continue
        operand = found.child_by_field_name("operand")
        call = found.parent.parent if found.parent is not None and found.parent.type == "argument_list" else None
        filled = ctx.compact(operand)
        if not (name == filled or name.startswith(filled + ".")) or call is None or call.type != "call_expression":
            continue
        callee = ctx.call_name(call)
        if not (ctx.spec.fillers.search(callee) or ctx.spec.binders.search(callee)):
            return callee
    return None


# ----- names --------------------------------------------------------------------------------------------
def names_around(ctx: TSContext, node: Node) -> list[str]:
    """The names a value is given: variables and fields it is assigned to, composite-literal keys, the function
    it is passed to; then the enclosing function's name (last)."""
    names: list[str] = []
    current = node
    while current.parent is not None and current.type not in FUNCTIONS:
        parent = current.parent
        if parent.type in _BINDINGS:
            target = parent.child_by_field_name("left") or parent.child_by_field_name("name")
            names += [ctx.text(t).rsplit(".", 1)[-1] for t in (target.named_children if target is not None and
                      target.type == "expression_list" else [target]) if t is not None]  # fmt: skip
            break
        if parent.type == "keyed_element" and parent.named_children:
            names.append(ctx.text(parent.named_children[0]))
            break
        if parent.type == "argument_list" and parent.parent is not None:
            callee = parent.parent.child_by_field_name("function")
            field = (
                callee.child_by_field_name("field")
                if callee is not None and callee.type == "selector_expression"
                else callee
            )
            names.append(ctx.text(field))
        if parent.type in (
            "return_statement",
            "expression_statement",
            "block",
            "if_statement",
            "for_statement",
        ):
            break
        current = parent
    names.append(function_name(ctx, function_of(node)))
    return [n for n in names if n and n != "_"]
