"""Walk one parsed Python tree once and hand each node to the rules that asked for its type.

Statements are walked in source order (so imports are known before they are used), each statement's
expressions with an explicit stack (so deeply nested expressions cannot exhaust the call stack), under the
file's time budget (:mod:`slopguard.engine.budget`).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence

from slopguard.engine.budget import check as check_budget
from slopguard.engine.budget import check_now
from slopguard.engine.hit import Hit
from slopguard.engine.python.context import FunctionNode, PyContext
from slopguard.engine.registry import PyCheck, Rule

_BLOCK_FIELDS = frozenset({"body", "orelse", "finalbody", "handlers", "cases"})
_LEAVES = (ast.Constant, ast.Name, ast.expr_context, ast.alias, ast.operator, ast.cmpop, ast.unaryop, ast.boolop)
_FIELDS: dict[type[ast.AST], tuple[str, ...]] = {}
_REVERSED_FIELDS: dict[type[ast.AST], tuple[str, ...]] = {}
# The expression walk looks at the clock once every this many nodes (a clock read per node would cost more).
_STRIDE = 256


def _fields(kind: type[ast.AST]) -> tuple[str, ...]:
    fields = _FIELDS.get(kind)
    if fields is None:
        fields = () if issubclass(kind, _LEAVES) else tuple(f for f in kind._fields if f != "ctx")
        _FIELDS[kind] = fields
    return fields


def _reversed_fields(kind: type[ast.AST]) -> tuple[str, ...]:
    """The child fields of ``kind``, last first: pushed in this order, children come off the stack in order."""
    fields = _REVERSED_FIELDS[kind] = _fields(kind)[::-1]
    return fields


class _Walker:
    def __init__(self, ctx: PyContext, rules: Sequence[Rule[PyCheck]]) -> None:
        self.ctx = ctx
        self.dispatch: dict[type[ast.AST], list[Rule[PyCheck]]] = {}
        for rule in rules:
            for node_type in rule.node_types:
                self.dispatch.setdefault(node_type, []).append(rule)
        self.hits: list[tuple[Rule[PyCheck], Hit]] = []
        self.ticks = 0  # expression nodes walked since the clock was last read

    def visit(self, node: ast.AST, func: FunctionNode | None, stmt: ast.stmt | None) -> None:
        wanted = self.dispatch.get(type(node))
        if wanted:
            ctx = self.ctx
            ctx.function, ctx.statement = func, stmt
            for rule in wanted:
                for hit in rule.check(node, ctx):
                    self.hits.append((rule, hit))

    def expressions(self, roots: list[ast.AST], func: FunctionNode | None, stmt: ast.stmt | None) -> None:
        """Visit ``roots`` and everything below them in pre-order (the hot loop of a scan: kept lean)."""
        dispatch, visit, reversed_fields = self.dispatch, self.visit, _REVERSED_FIELDS
        stack = roots[::-1]
        pop, push = stack.pop, stack.append
        ticks = self.ticks
        while stack:
            node = pop()
            ticks += 1
            if ticks == _STRIDE:
                ticks = 0
                check_now()
            kind = type(node)
            if kind in dispatch:
                visit(node, func, stmt)
            fields = reversed_fields.get(kind)
            if fields is None:
                fields = _reversed_fields(kind)
            for name in fields:
                value = getattr(node, name, None)
                if isinstance(value, list):
                    for child in reversed(value):
                        if isinstance(child, ast.AST):
                            push(child)
                elif isinstance(value, ast.AST):
                    push(value)
        self.ticks = ticks

    def block(self, stmts: list[ast.AST], func: FunctionNode | None, stmt: ast.stmt | None = None) -> None:
        for node in stmts:
            check_budget()
            here = node if isinstance(node, ast.stmt) else stmt  # except handlers / match cases keep their stmt
            if isinstance(node, ast.Import | ast.ImportFrom):
                self.ctx.record_import(node)
            self.visit(node, func, here)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                outer: list[ast.AST] = [*node.decorator_list, *node.args.defaults]
                outer += [d for d in node.args.kw_defaults if d is not None]
                self.expressions(outer, func, here)
                self.block(list(node.body), node, None)
                continue
            if isinstance(node, ast.ClassDef):
                for child in node.body:
                    if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                        self.ctx.class_of[id(child)] = node
            exprs: list[ast.AST] = []
            for name in _fields(type(node)):
                value = getattr(node, name, None)
                if name in _BLOCK_FIELDS and isinstance(value, list):
                    continue
                if isinstance(value, list):
                    exprs.extend(v for v in value if isinstance(v, ast.AST))
                elif isinstance(value, ast.AST):
                    exprs.append(value)
            if exprs:
                self.expressions(exprs, func, here)
            for name in ("body", "handlers", "orelse", "cases", "finalbody"):
                value = getattr(node, name, None)
                if isinstance(value, list) and value:
                    self.block(value, func, here)


def run_python_rules(ctx: PyContext, rules: Sequence[Rule[PyCheck]]) -> Iterator[tuple[Rule[PyCheck], Hit]]:
    """Every (rule, hit) for the file."""
    walker = _Walker(ctx, rules)
    walker.visit(ctx.tree, None, None)
    walker.block(list(ctx.tree.body), None)
    return iter(walker.hits)
