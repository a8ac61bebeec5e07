"""Walk one parsed Python tree once and hand each node to the rules that asked for its type (a call only to the
Call rules whose words it shows, see :mod:`slopguard.engine.python.call_index`).

Statements are walked in source order (so imports are known before they are used), each statement's
expressions with an explicit stack (so deeply nested expressions cannot exhaust the call stack), under the
file's time budget (:mod:`slopguard.engine.budget`).
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator, Sequence
from typing import cast

from slopguard.engine.budget import check as check_budget
from slopguard.engine.budget import check_now
from slopguard.engine.hit import Hit
from slopguard.engine.python.call_index import call_index
from slopguard.engine.python.context import FunctionNode, PyContext
from slopguard.engine.python.fields import NOT_WALKED, child_fields
from slopguard.engine.registry import PyCheck, Rule

_BLOCK_FIELDS = ("body", "handlers", "orelse", "cases", "finalbody")  # statement lists, walked in this order
_REVERSED_FIELDS: dict[type[ast.AST], tuple[str, ...]] = {}
_STATEMENT_FIELDS: dict[type[ast.AST], tuple[tuple[str, ...], tuple[str, ...]]] = {}
# The expression walk looks at the clock once every this many nodes (a clock read per node would cost more).
_STRIDE = 256

Visit = Callable[[ast.AST, FunctionNode | None, ast.stmt | None], None]


def _reversed_fields(kind: type[ast.AST]) -> tuple[str, ...]:
    """The child fields of ``kind``, last first: pushed in this order, children come off the stack in order."""
    fields = _REVERSED_FIELDS[kind] = child_fields(kind)[::-1]
    return fields


def _statement_fields(kind: type[ast.AST]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The expression fields and the statement-list fields of a statement (or except handler, match case)."""
    found = _STATEMENT_FIELDS.get(kind)
    if found is None:
        fields = child_fields(kind)
        found = _STATEMENT_FIELDS[kind] = (
            tuple(f for f in fields if f not in _BLOCK_FIELDS),
            tuple(f for f in _BLOCK_FIELDS if f in fields),
        )
    return found


class _Walker:
    def __init__(self, ctx: PyContext, rules: Sequence[Rule[PyCheck]], every_call: bool) -> None:
        self.ctx = ctx
        self.dispatch: dict[type[ast.AST], list[Rule[PyCheck]]] = {}
        for rule in rules:
            for node_type in rule.node_types:
                self.dispatch.setdefault(node_type, []).append(rule)
        self.calls = call_index(self.dispatch.get(ast.Call, []), every_call=every_call)
        # What the expression walk does on reaching a node of each type that some rule takes.
        self.handlers: dict[type[ast.AST], Visit] = dict.fromkeys(self.dispatch, self.visit)
        if ast.Call in self.handlers:
            self.handlers[ast.Call] = cast(Visit, self.visit_call)
        self.skip = NOT_WALKED - self.dispatch.keys()  # leaves no rule takes are never pushed
        self.hits: list[tuple[Rule[PyCheck], Hit]] = []
        self.ticks = 0  # expression nodes walked since the clock was last read

    def visit(self, node: ast.AST, func: FunctionNode | None, stmt: ast.stmt | None) -> None:
        wanted = self.dispatch.get(type(node))
        if wanted:
            self.run(wanted, node, func, stmt)

    def visit_call(self, node: ast.Call, func: FunctionNode | None, stmt: ast.stmt | None) -> None:
        wanted = self.calls.rules_for(node, self.ctx)
        if wanted:
            self.run(wanted, node, func, stmt)

    def run(
        self, rules: Sequence[Rule[PyCheck]], node: ast.AST, func: FunctionNode | None, stmt: ast.stmt | None
    ) -> None:
        ctx = self.ctx
        ctx.function, ctx.statement = func, stmt
        for rule in rules:
            for hit in rule.check(node, ctx):
                self.hits.append((rule, hit))

    def expressions(self, roots: list[ast.AST], func: FunctionNode | None, stmt: ast.stmt | None) -> None:
        """Visit ``roots`` and everything below them in pre-order (the hot loop of a scan: kept lean). Leaves no
        rule takes are never pushed: most nodes are names and constants."""
        handlers, skip, reversed_fields = self.handlers, self.skip, _REVERSED_FIELDS
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
            handler = handlers.get(kind)
            if handler is not None:
                handler(node, func, stmt)
            fields = reversed_fields.get(kind)
            if fields is None:
                fields = _reversed_fields(kind)
            for name in fields:
                value = getattr(node, name, None)
                if isinstance(value, list):
                    for child in reversed(value):
                        if type(child) not in skip and isinstance(child, ast.AST):
                            push(child)
                elif type(value) not in skip and isinstance(value, ast.AST):
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
            expression_fields, block_fields = _statement_fields(type(node))
            exprs: list[ast.AST] = []
            skip = self.skip
            for name in expression_fields:
                value = getattr(node, name, None)
                if isinstance(value, list):
                    exprs.extend(v for v in value if type(v) not in skip and isinstance(v, ast.AST))
                elif type(value) not in skip and isinstance(value, ast.AST):
                    exprs.append(value)
            if exprs:
                self.expressions(exprs, func, here)
            for name in block_fields:
                value = getattr(node, name, None)
                if isinstance(value, list) and value:
                    self.block(value, func, here)


def run_python_rules(
    ctx: PyContext, rules: Sequence[Rule[PyCheck]], *, every_call: bool = False
) -> Iterator[tuple[Rule[PyCheck], Hit]]:
    """Every (rule, hit) for the file. ``every_call`` runs each Call rule on every call, ignoring the rules'
    ``calls`` words (slower, same findings: the reference the call index is tested against)."""
    walker = _Walker(ctx, rules, every_call)
    walker.visit(ctx.tree, None, None)
    walker.block(list(ctx.tree.body), None)
    return iter(walker.hits)
