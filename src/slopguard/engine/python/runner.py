"""Walk one parsed Python tree once and hand each node to the rules that asked for its type."""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence

from slopguard.engine.python.context import FunctionNode, PyContext
from slopguard.engine.registry import Hit, PyCheck, Rule


def run_python_rules(ctx: PyContext, rules: Sequence[Rule[PyCheck]]) -> Iterator[tuple[Rule[PyCheck], Hit]]:
    """Yield every (rule, hit) for the file. The walk is iterative, in source order."""
    dispatch: dict[type[ast.AST], list[Rule[PyCheck]]] = {}
    for rule in rules:
        for node_type in rule.node_types:
            dispatch.setdefault(node_type, []).append(rule)
    # Each entry: node, enclosing function, enclosing statement.
    stack: list[tuple[ast.AST, FunctionNode | None, ast.stmt | None]] = [(ctx.tree, None, None)]
    while stack:
        node, func, stmt = stack.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            ctx.record_import(node)
        if isinstance(node, ast.stmt):
            stmt = node
        wanted = dispatch.get(type(node))
        if wanted:
            ctx.function, ctx.statement = func, stmt
            for rule in wanted:
                for hit in rule.check(node, ctx):
                    yield rule, hit
        inner = node if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) else func
        if isinstance(node, ast.ClassDef):
            for child in node.body:
                if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                    ctx.class_of[id(child)] = node
        children = list(ast.iter_child_nodes(node))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            # Decorators and defaults run in the enclosing scope; the body in the function's own.
            outer = [*node.decorator_list, *node.args.defaults, *(d for d in node.args.kw_defaults if d)]
            stack.extend((c, inner, None) for c in reversed(node.body))
            stack.extend((c, func, stmt) for c in reversed(outer))
            continue
        stack.extend((c, inner, stmt) for c in reversed(children))
