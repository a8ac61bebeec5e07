"""Allow-list guards: request values the method only uses after checking them against a fixed set or a strict
pattern (``if (!ALLOWED_COLUMNS.contains(col)) throw ...``, ``ALLOWED.contains(c) ? c : "id"``), or only use to
look up a value in a constant map (``SORT_COLUMNS.getOrDefault(sort, "created_at")``)."""

from __future__ import annotations

import re

from tree_sitter import Node

from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.java.common import declaration, method_of
from slopguard.rules.shared.trees import ancestor, walk

_EXITS = ("throw_statement", "return_statement", "continue_statement", "break_statement")


def _membership(name: str) -> re.Pattern[str]:
    """``SET.contains(name)``, ``MAP.containsKey(name)``, ``name.matches("[a-z]+")``, ``P.matcher(name).matches()``
    and ``EnumSet``/``Set.of(...).contains(name)``: the value is one the code chose, or fits a pattern."""
    n = re.escape(name)
    return re.compile(
        rf"[\w$.)\]]\.(?:contains|containsKey)\({n}\)|(?<![\w$.]){n}\.matches\(\"|\.matcher\({n}\)\.matches\(\)"
    )


def _negated(condition: str, pattern: re.Pattern[str]) -> bool:
    """``!ALLOWED.contains(x)``, possibly one of several ``||`` alternatives (never ``&&``-ed with another test,
    which would let the value through when that test fails)."""
    return any(
        part.lstrip("(").startswith("!") and "&&" not in part and pattern.search(part) for part in condition.split("||")
    )


def _exits(block: Node | None) -> bool:
    if block is None:
        return False
    if block.type in _EXITS:
        return True
    return block.type == "block" and any(c.type in _EXITS for c in block.named_children)


def _guarded(name: str, at: Node, ctx: TSContext) -> bool:
    """A check on ``name`` encloses ``at`` (``if (SET.contains(x)) { ... at ... }``) or precedes it and leaves the
    method when it fails (``if (!SET.contains(x)) throw ...``)."""
    pattern = _membership(name)
    node = ancestor(at, ("if_statement", "method_declaration", "lambda_expression"))
    while node is not None and node.type == "if_statement":
        consequence = node.child_by_field_name("consequence")
        condition = ctx.compact(node.child_by_field_name("condition"))
        inside = consequence is not None and consequence.start_byte <= at.start_byte < consequence.end_byte
        if inside and pattern.search(condition) and not _negated(condition, pattern) and "||" not in condition:
            return True
        node = ancestor(node, ("if_statement", "method_declaration", "lambda_expression"))
    func = method_of(at)
    if func is None:
        return False
    for stmt in walk(func):
        if stmt.start_byte >= at.start_byte:
            break
        if (
            stmt.type == "if_statement"
            and _exits(stmt.child_by_field_name("consequence"))
            and _negated(ctx.compact(stmt.child_by_field_name("condition")), pattern)
        ):
            return True
    return False


def _chosen(node: Node, ctx: TSContext) -> bool:
    """``SET.contains(x) ? x : "id"``: the request value is taken only when it is a member."""
    condition, chosen, fallback = (node.child_by_field_name(f) for f in ("condition", "consequence", "alternative"))
    if condition is None or chosen is None or fallback is None or chosen.type != "identifier":
        return False
    return ctx.tainted(fallback) is None and bool(_membership(ctx.text(chosen)).search(ctx.compact(condition)))


def _reassigned(name: str, at: Node, ctx: TSContext) -> bool:
    func = method_of(at)
    return func is not None and any(
        n.type == "assignment_expression" and ctx.text(n.child_by_field_name("left")) == name for n in walk(func)
    )


_MAP_FACTORIES = re.compile(r"^(?:java\.util\.)?(?:Map|ImmutableMap|EnumMap)\.(?:of|ofEntries|entry)$|^Map\.entry$")


def _constant_map(node: Node | None, ctx: TSContext) -> bool:
    """A field initialised with ``Map.of("date", "created_at", ...)``: every key and value a literal."""
    if node is None or node.type != "identifier":
        return False
    decl = declaration(ctx.text(node), node, ctx)
    if decl is None or decl.node.type != "variable_declarator" or decl.value is None:
        return False
    if decl.node.parent is None or decl.node.parent.type != "field_declaration":
        return False
    stack = [decl.value]
    while stack:
        part = stack.pop()
        if part.type == "method_invocation" and _MAP_FACTORIES.match(ctx.call_name(part)):
            stack += ctx.arguments(part)
        elif part.type not in ("string_literal", "decimal_integer_literal", "true", "false"):
            return False
    return True


def constant_lookup(node: Node, ctx: TSContext) -> bool:
    """``SORT_COLUMNS.get(sort)`` / ``.getOrDefault(sort, "created_at")`` on a constant map: the code's own
    value (or the constant default), never the request's text."""
    if node.type != "method_invocation" or ctx.text(node.child_by_field_name("name")) not in ("get", "getOrDefault"):
        return False
    args = ctx.arguments(node)
    default_fixed = len(args) == 1 or (len(args) == 2 and ctx.tainted(args[1]) is None)
    return default_fixed and _constant_map(node.child_by_field_name("object"), ctx)


def allow_listed(expr: Node, at: Node, ctx: TSContext, depth: int = 0) -> bool:
    """Every piece of ``expr`` that carries request data was checked against an allow-list or strict pattern
    before ``at`` (following local variables to their initial values)."""
    if depth > 6 or ctx.tainted(expr) is None:
        return True
    if (expr.type == "ternary_expression" and _chosen(expr, ctx)) or constant_lookup(expr, ctx):
        return True
    if expr.type == "identifier":
        name = ctx.text(expr)
        if _guarded(name, at, ctx):
            return True
        decl = declaration(name, expr, ctx)
        if decl is None or decl.value is None or decl.node.type != "variable_declarator":
            return False
        if _reassigned(name, at, ctx):
            return False
        return allow_listed(decl.value, at, ctx, depth + 1)
    if expr.type in ("binary_expression", "parenthesized_expression", "argument_list"):
        return all(allow_listed(child, at, ctx, depth + 1) for child in expr.named_children)
    if expr.type == "method_invocation" and ctx.text(expr.child_by_field_name("name")) in ("format", "formatted"):
        pieces = list(ctx.arguments(expr))
        obj = expr.child_by_field_name("object")
        if obj is not None and ctx.text(expr.child_by_field_name("name")) == "formatted":
            pieces.append(obj)
        return all(allow_listed(piece, at, ctx, depth + 1) for piece in pieces)
    return False
