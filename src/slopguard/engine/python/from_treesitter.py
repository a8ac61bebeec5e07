"""Statements of a tree-sitter-python tree as a standard ``ast`` tree of this interpreter.

For code the host ``ast`` cannot read: syntax newer than the interpreter (3.12 ``type`` statements and generics,
3.14 t-strings and ``except A, B:``). Type parameters are dropped (they carry no run-time data), a ``type``
statement becomes an assignment, a t-string an f-string. A statement that cannot be expressed (Python 2
``print x``, an error node) is dropped on its own and recorded; its neighbours are still converted.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

from tree_sitter import Node

from slopguard.engine.python.ts_expressions import AUGMENTED, arguments, expr, parameters, target, type_expr
from slopguard.engine.python.ts_nodes import Span, Unsupported, code_span, field, named, only, span, text
from slopguard.engine.python.ts_patterns import case_patterns

Dropped = list[tuple[int, str]]


class Converter:
    """Converts statements; what had to be dropped is collected in ``dropped`` as (line, reason)."""

    def __init__(self) -> None:
        self.dropped: Dropped = []

    def module(self, root: Node) -> ast.Module:
        return ast.Module(self.statements(root), [])

    def block(self, node: Node) -> list[ast.stmt]:
        """The statements of a ``block``; never empty (``ast`` has no empty blocks)."""
        return self.statements(node) or [ast.Pass(**span(node))]

    def statements(self, node: Node) -> list[ast.stmt]:
        """The statements of a block or module, each converted on its own."""
        return self.each(named(node))

    def each(self, nodes: list[Node]) -> list[ast.stmt]:
        """Statements converted one by one; one that cannot be is dropped and recorded."""
        body: list[ast.stmt] = []
        for child in nodes:
            try:
                body += self.statement(child)
            except Unsupported as exc:
                self.dropped.append((child.start_point[0] + 1, exc.reason))
            except RecursionError:
                self.dropped.append((child.start_point[0] + 1, "nested too deeply"))
        return body

    def statement(self, node: Node) -> list[ast.stmt]:
        if node.type == "ERROR" or node.is_missing:
            raise Unsupported(node, "syntax error")
        convert = _STATEMENTS.get(node.type)
        if convert is None:
            raise Unsupported(node, f"unsupported syntax ({node.type})")
        result = convert(self, node)
        where = code_span(node)  # a block's trailing comments are not part of the statement
        result.end_lineno, result.end_col_offset = where["end_lineno"], where["end_col_offset"]
        return [result]

    def _suite(self, node: Node | None) -> list[ast.stmt]:
        return self.block(node) if node is not None else []

    def _else(self, node: Node) -> list[ast.stmt]:
        clause = next((c for c in node.named_children if c.type == "else_clause"), None)
        return self._suite(clause.child_by_field_name("body")) if clause is not None else []

    # ----- simple statements --------------------------------------------------------------------
    def _expression_statement(self, node: Node) -> ast.stmt:
        children = named(node)
        if len(children) > 1:
            return ast.Expr(ast.Tuple([expr(c) for c in children], ast.Load(), **span(node)), **span(node))
        child = children[0]
        if child.type == "assignment":
            return _assignment(child, node)
        if child.type == "augmented_assignment":
            op = AUGMENTED[field(child, "operator").type]()
            left = _single_target(field(child, "left"))
            return ast.AugAssign(left, op, expr(field(child, "right")), **span(node))
        return ast.Expr(expr(child), **span(node))

    def _return(self, node: Node) -> ast.stmt:
        values = named(node)
        return ast.Return(expr(values[0]) if values else None, **span(node))

    def _delete(self, node: Node) -> ast.stmt:
        value = only(node)
        items = named(value) if value.type == "expression_list" else [value]
        return ast.Delete([target(item, ast.Del()) for item in items], **span(node))

    def _raise(self, node: Node) -> ast.stmt:
        cause = node.child_by_field_name("cause")
        values = [c for c in named(node) if c != cause]
        return ast.Raise(expr(values[0]) if values else None, expr(cause) if cause else None, **span(node))

    def _assert(self, node: Node) -> ast.stmt:
        values = [expr(c) for c in named(node)]
        return ast.Assert(values[0], values[1] if len(values) > 1 else None, **span(node))

    def _global(self, node: Node) -> ast.stmt:
        return ast.Global([text(c) for c in named(node)], **span(node))

    def _nonlocal(self, node: Node) -> ast.stmt:
        return ast.Nonlocal([text(c) for c in named(node)], **span(node))

    def _pass(self, node: Node) -> ast.stmt:
        return ast.Pass(**span(node))

    def _break(self, node: Node) -> ast.stmt:
        return ast.Break(**span(node))

    def _continue(self, node: Node) -> ast.stmt:
        return ast.Continue(**span(node))

    def _import(self, node: Node) -> ast.stmt:
        return ast.Import(_aliases(node), **span(node))

    def _import_from(self, node: Node) -> ast.stmt:
        source = field(node, "module_name")
        level, module = 0, _dotted_text(source)
        if source.type == "relative_import":
            prefix = source.named_children[0]
            level = text(prefix).count(".")
            rest = source.named_children[1:]
            module = _dotted_text(rest[0]) if rest else ""
        wildcard = next((c for c in node.named_children if c.type == "wildcard_import"), None)
        names = [ast.alias("*", None, **span(wildcard))] if wildcard is not None else _aliases(node)
        return ast.ImportFrom(module or None, names, level, **span(node))

    def _future_import(self, node: Node) -> ast.stmt:
        return ast.ImportFrom("__future__", _aliases(node), 0, **span(node))

    def _type_alias(self, node: Node) -> ast.stmt:
        """``type X[T] = ...`` binds ``X``: an assignment whose value is the aliased expression."""
        left = only(field(node, "left"))
        name = named(left)[0] if left.type == "generic_type" else left
        store = ast.Name(text(name), ast.Store(), **span(name))
        return ast.Assign([store], type_expr(field(node, "right")), None, **span(node))

    # ----- compound statements ------------------------------------------------------------------
    def _if(self, node: Node) -> ast.stmt:
        clauses = node.children_by_field_name("alternative")
        orelse = self._else(node)
        for clause in reversed([c for c in clauses if c.type == "elif_clause"]):
            body = self.block(field(clause, "consequence"))
            where = code_span(node)
            where["lineno"], where["col_offset"] = clause.start_point[0] + 1, clause.start_point[1]
            orelse = [ast.If(expr(field(clause, "condition")), body, orelse, **where)]
        body = self.block(field(node, "consequence"))
        return ast.If(expr(field(node, "condition")), body, orelse, **span(node))

    def _for(self, node: Node) -> ast.stmt:
        kind = ast.AsyncFor if node.children[0].type == "async" else ast.For
        left, right = target(field(node, "left")), expr(field(node, "right"))
        return kind(left, right, self.block(field(node, "body")), self._else(node), None, **span(node))

    def _while(self, node: Node) -> ast.stmt:
        body = self.block(field(node, "body"))
        return ast.While(expr(field(node, "condition")), body, self._else(node), **span(node))

    def _try(self, node: Node) -> ast.stmt:
        body = self.block(field(node, "body"))
        handlers = [self._handler(c) for c in node.named_children if c.type in ("except_clause", "except_group_clause")]
        final = next((c for c in node.named_children if c.type == "finally_clause"), None)
        finalbody = self.block(_block_of(final)) if final is not None else []
        star = any(c.type == "except_group_clause" for c in node.named_children)
        kind = ast.TryStar if star else ast.Try
        return kind(body, handlers, self._else(node), finalbody, **span(node))

    def _handler(self, node: Node) -> ast.ExceptHandler:
        """``except A as e:``, ``except A, B:`` (3.14: a tuple of types) and ``except* A:``."""
        header = [c for c in node.children if c.type not in ("block", "comment", ":", "except", "except*")]
        types: list[ast.expr] = []
        name: str | None = None
        after_as = False
        for child in header:
            if child.type == "as":
                after_as = True
            elif child.type == "as_pattern":  # older grammars: `A as e` is one node
                types.append(expr(child.named_children[0]))
                name = text(child.named_children[-1])
            elif child.is_named:
                if after_as:
                    name = text(child)
                else:
                    types.append(expr(child))
        kind: ast.expr | None = types[0] if len(types) == 1 else None
        if len(types) > 1:
            kind = ast.Tuple(types, ast.Load(), **_between(types[0], types[-1]))
        return ast.ExceptHandler(kind, name, self.block(_block_of(node)), **code_span(node))

    def _with(self, node: Node) -> ast.stmt:
        kind = ast.AsyncWith if node.children[0].type == "async" else ast.With
        clause = next(c for c in node.named_children if c.type == "with_clause")
        items = [_with_item(item) for item in named(clause)]
        return kind(items, self.block(field(node, "body")), None, **span(node))

    def _function(self, node: Node, decorators: list[ast.expr] | None = None) -> ast.stmt:
        kind = ast.AsyncFunctionDef if node.children[0].type == "async" else ast.FunctionDef
        returns = node.child_by_field_name("return_type")
        args = parameters(field(node, "parameters"))
        body = self.block(field(node, "body"))
        name = text(field(node, "name"))
        result = kind(name, args, body, decorators or [], type_expr(returns) if returns else None, None, **span(node))
        return _without_type_params(result)

    def _class(self, node: Node, decorators: list[ast.expr] | None = None) -> ast.stmt:
        bases_node = node.child_by_field_name("superclasses")
        bases, keywords = arguments(bases_node) if bases_node is not None else ([], [])
        body = self.block(field(node, "body"))
        result = ast.ClassDef(text(field(node, "name")), bases, keywords, body, decorators or [], **span(node))
        return _without_type_params(result)

    def _decorated(self, node: Node) -> ast.stmt:
        decorators = [expr(only(c)) for c in node.named_children if c.type == "decorator"]
        definition = field(node, "definition")
        if definition.type == "class_definition":
            return self._class(definition, decorators)
        return self._function(definition, decorators)

    def _match(self, node: Node) -> ast.stmt:
        subjects = node.children_by_field_name("subject")
        trailing = any(c.type == "," for c in node.children)
        subject = expr(subjects[0])
        if len(subjects) > 1 or trailing:
            subject = ast.Tuple([expr(s) for s in subjects], ast.Load(), **span(subjects[0], subjects[-1]))
        cases = []
        for clause in field(node, "body").children_by_field_name("alternative"):
            guard = clause.child_by_field_name("guard")
            body = self.block(field(clause, "consequence"))
            cases.append(ast.match_case(case_patterns(clause), expr(only(guard)) if guard else None, body))
        return ast.Match(subject, cases, **span(node))


def _assignment(node: Node, statement: Node) -> ast.stmt:
    """``a = b = value``, ``x: int = value`` and ``x: int``."""
    annotation = node.child_by_field_name("type")
    left, right = field(node, "left"), node.child_by_field_name("right")
    if annotation is not None:
        simple = int(left.type == "identifier")
        value = expr(right) if right is not None else None
        return ast.AnnAssign(_single_target(left), type_expr(annotation), value, simple, **span(statement))
    targets = [target(left)]
    while right is not None and right.type == "assignment" and right.child_by_field_name("type") is None:
        targets.append(target(field(right, "left")))
        right = right.child_by_field_name("right")
    if right is None:
        raise Unsupported(node, "assignment without a value")
    return ast.Assign(targets, expr(right), None, **span(statement))


def _single_target(node: Node) -> ast.Name | ast.Attribute | ast.Subscript:
    """The target of ``x += 1`` or ``x: int``: a name, attribute or subscript."""
    found = target(node)
    if not isinstance(found, ast.Name | ast.Attribute | ast.Subscript):
        raise Unsupported(node, "invalid target")
    return found


def _aliases(node: Node) -> list[ast.alias]:
    found: list[ast.alias] = []
    for item in node.children_by_field_name("name"):
        if item.type == "aliased_import":
            name, alias = field(item, "name"), field(item, "alias")
            found.append(ast.alias(_dotted_text(name), text(alias), **span(item)))
        else:
            found.append(ast.alias(_dotted_text(item), None, **span(item)))
    return found


def _dotted_text(node: Node) -> str:
    return ".".join(text(part) for part in named(node)) if node.type == "dotted_name" else text(node)


def _with_item(item: Node) -> ast.withitem:
    value = field(item, "value")
    if value.type == "as_pattern":
        inner = named(value)
        return ast.withitem(expr(inner[0]), target(only(inner[-1])))
    return ast.withitem(expr(value), None)


def _block_of(node: Node) -> Node:
    block = next((c for c in node.named_children if c.type == "block"), None)
    if block is None:
        raise Unsupported(node, f"{node.type} without a body")
    return block


def _between(first: ast.expr, last: ast.expr) -> Span:
    return Span(
        lineno=first.lineno,
        col_offset=first.col_offset,
        end_lineno=last.end_lineno or last.lineno,
        end_col_offset=last.end_col_offset or last.col_offset,
    )


def _without_type_params(node: ast.stmt) -> ast.stmt:
    """PEP 695 parameters carry no run-time data: an empty list where this interpreter's ``ast`` has the field."""
    if "type_params" in type(node)._fields:
        setattr(node, "type_params", [])  # noqa: B010 - the field does not exist on every supported interpreter
    return node


_STATEMENTS: dict[str, Callable[[Converter, Node], ast.stmt]] = {
    "expression_statement": Converter._expression_statement, "return_statement": Converter._return,
    "delete_statement": Converter._delete, "raise_statement": Converter._raise,
    "assert_statement": Converter._assert, "global_statement": Converter._global,
    "nonlocal_statement": Converter._nonlocal, "pass_statement": Converter._pass,
    "break_statement": Converter._break, "continue_statement": Converter._continue,
    "import_statement": Converter._import, "import_from_statement": Converter._import_from,
    "future_import_statement": Converter._future_import, "type_alias_statement": Converter._type_alias,
    "if_statement": Converter._if, "for_statement": Converter._for, "while_statement": Converter._while,
    "try_statement": Converter._try, "with_statement": Converter._with,
    "function_definition": Converter._function, "class_definition": Converter._class,
    "decorated_definition": Converter._decorated, "match_statement": Converter._match,
}  # fmt: skip
