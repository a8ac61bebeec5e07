"""Expressions of a tree-sitter-python tree as the ``ast`` nodes of this interpreter, positions kept.

Used only for code the host ``ast`` cannot parse (newer syntax): every node gets the line and byte column that
``ast.parse`` would give it, so findings point at the same place whichever interpreter runs the scan.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

from tree_sitter import Node

from slopguard.engine.python.ts_nodes import Span, Unsupported, field, named, only, span, text
from slopguard.engine.python.ts_strings import literal, string

_BINARY: dict[str, type[ast.operator]] = {
    "+": ast.Add, "-": ast.Sub, "*": ast.Mult, "@": ast.MatMult, "/": ast.Div, "%": ast.Mod, "//": ast.FloorDiv,
    "**": ast.Pow, "|": ast.BitOr, "&": ast.BitAnd, "^": ast.BitXor, "<<": ast.LShift, ">>": ast.RShift,
}  # fmt: skip
_PRECEDENCE = {
    "|": 1, "^": 2, "&": 3, "<<": 4, ">>": 4, "+": 5, "-": 5, "*": 6, "@": 6, "/": 6, "%": 6, "//": 6, "**": 7,
}  # fmt: skip
AUGMENTED = {f"{op}=": kind for op, kind in _BINARY.items()}
_COMPARE: dict[str, type[ast.cmpop]] = {
    "<": ast.Lt, "<=": ast.LtE, "==": ast.Eq, "!=": ast.NotEq, "<>": ast.NotEq, ">=": ast.GtE, ">": ast.Gt,
    "in": ast.In, "not in": ast.NotIn, "is": ast.Is, "is not": ast.IsNot,
}  # fmt: skip
_UNARY: dict[str, type[ast.unaryop]] = {"+": ast.UAdd, "-": ast.USub, "~": ast.Invert}
_CONSTANTS = {"true": True, "false": False, "none": None, "ellipsis": ...}


def expr(node: Node) -> ast.expr:
    """One expression, as read (``Load`` context)."""
    if node.is_missing or node.type == "ERROR":
        raise Unsupported(node, "syntax error")
    convert = _EXPRESSIONS.get(node.type)
    if convert is None:
        raise Unsupported(node, f"unsupported syntax ({node.type})")
    return convert(node)


def target(node: Node, ctx: ast.expr_context | None = None) -> ast.expr:
    """An assignment, ``for``, ``with ... as`` or comprehension target (``Store``), or a ``del`` target."""
    return _with_context(expr(node), ctx or ast.Store())


def _with_context(node: ast.expr, ctx: ast.expr_context) -> ast.expr:
    if isinstance(node, ast.Name | ast.Attribute | ast.Subscript):
        node.ctx = ctx
    elif isinstance(node, ast.Starred):
        node.ctx = ctx
        _with_context(node.value, ctx)
    elif isinstance(node, ast.Tuple | ast.List):
        node.ctx = ctx
        for element in node.elts:
            _with_context(element, ctx)
    return node


def _name(node: Node) -> ast.expr:
    return ast.Name(text(node), ast.Load(), **span(node))


def _number(node: Node) -> ast.expr:
    raw = text(node).rstrip("lL")  # Python 2 long suffix
    return ast.Constant(literal(node, raw), **span(node))


def _constant(node: Node) -> ast.expr:
    return ast.Constant(_CONSTANTS[node.type], **span(node))


def _attribute(node: Node) -> ast.expr:
    name = text(field(node, "attribute"))
    return _lifted(node, expr(field(node, "object")), lambda base: ast.Attribute(base, name, ast.Load()))


def _lifted(node: Node, base: ast.expr, build: Callable[[ast.expr], ast.expr]) -> ast.expr:
    """``build(base)`` placed at ``node``. Tree-sitter reads ``*f(x)`` as a call of ``*f``: the star is moved out."""
    where = span(node)
    if isinstance(base, ast.Starred) and (base.lineno, base.col_offset) == (where["lineno"], where["col_offset"]):
        inner = _placed(build(base.value), where)
        inner.lineno, inner.col_offset = base.value.lineno, base.value.col_offset
        return ast.Starred(inner, ast.Load(), **where)
    return _placed(build(base), where)


def _placed(node: ast.expr, where: Span) -> ast.expr:
    node.lineno, node.col_offset = where["lineno"], where["col_offset"]
    node.end_lineno, node.end_col_offset = where["end_lineno"], where["end_col_offset"]
    return node


def _slice(node: Node) -> ast.expr:
    parts = node.children_by_field_name("subscript")
    items = [_slice_item(p) for p in parts]
    trailing = node.children[-2] if node.children[-2].type == "," else None
    if len(items) == 1 and trailing is None:
        return items[0]
    return ast.Tuple(items, ast.Load(), **span(parts[0], trailing or parts[-1]))


def _slice_item(node: Node) -> ast.expr:
    if node.type != "slice":
        return expr(node)
    bounds: list[ast.expr | None] = [None, None, None]
    position = 0
    for child in node.children:
        if child.type == ":":
            position += 1
        elif child.is_named and child.type != "comment":
            bounds[position] = expr(child)
    return ast.Slice(bounds[0], bounds[1], bounds[2], **span(node))


def _subscript(node: Node) -> ast.expr:
    index = _slice(node)
    return _lifted(node, expr(field(node, "value")), lambda base: ast.Subscript(base, index, ast.Load()))


def arguments(node: Node) -> tuple[list[ast.expr], list[ast.keyword]]:
    """Positional and keyword arguments of a call or class header."""
    args: list[ast.expr] = []
    keywords: list[ast.keyword] = []
    for child in named(node):
        if child.type == "keyword_argument":
            keywords.append(ast.keyword(text(field(child, "name")), expr(field(child, "value")), **span(child)))
        elif child.type == "dictionary_splat":
            keywords.append(ast.keyword(None, expr(only(child)), **span(child)))
        else:
            args.append(expr(child))
    return args, keywords


def _call(node: Node) -> ast.expr:
    func, given = expr(field(node, "function")), field(node, "arguments")
    if given.type == "generator_expression":
        args, keywords = [expr(given)], list[ast.keyword]()
    else:
        args, keywords = arguments(given)
    return _lifted(node, func, lambda base: ast.Call(base, args, keywords))


def _starred(node: Node) -> ast.expr:
    return ast.Starred(expr(only(node)), ast.Load(), **span(node))


def _elements(node: Node) -> list[ast.expr]:
    return [expr(c) for c in named(node)]


def _list(node: Node) -> ast.expr:
    return ast.List(_elements(node), ast.Load(), **span(node))


def _tuple(node: Node) -> ast.expr:
    elements = _elements(node)
    if node.type == "tuple_pattern" and len(elements) == 1 and not any(c.type == "," for c in node.children):
        return elements[0]  # `(x) = value`: brackets around one target are only brackets
    return ast.Tuple(elements, ast.Load(), **span(node))


def _set(node: Node) -> ast.expr:
    return ast.Set(_elements(node), **span(node))


def _dictionary(node: Node) -> ast.expr:
    keys: list[ast.expr | None] = []
    values: list[ast.expr] = []
    for child in named(node):
        if child.type == "pair":
            keys.append(expr(field(child, "key")))
            values.append(expr(field(child, "value")))
        else:
            keys.append(None)
            values.append(expr(only(child)))
    return ast.Dict(keys, values, **span(node))


def _generators(node: Node) -> list[ast.comprehension]:
    found: list[ast.comprehension] = []
    for child in named(node)[1:]:
        if child.type == "for_in_clause":
            rights = child.children_by_field_name("right")
            iterable = expr(rights[0]) if len(rights) == 1 else ast.Tuple([expr(r) for r in rights], ast.Load())
            is_async = int(child.children[0].type == "async")
            found.append(ast.comprehension(target(field(child, "left")), iterable, [], is_async))
        elif child.type == "if_clause" and found:
            found[-1].ifs.append(expr(only(child)))
        else:
            raise Unsupported(child, "unexpected comprehension clause")
    return found


def _list_comprehension(node: Node) -> ast.expr:
    return ast.ListComp(expr(field(node, "body")), _generators(node), **span(node))


def _set_comprehension(node: Node) -> ast.expr:
    return ast.SetComp(expr(field(node, "body")), _generators(node), **span(node))


def _generator_expression(node: Node) -> ast.expr:
    return ast.GeneratorExp(expr(field(node, "body")), _generators(node), **span(node))


def _dictionary_comprehension(node: Node) -> ast.expr:
    pair = field(node, "body")
    return ast.DictComp(expr(field(pair, "key")), expr(field(pair, "value")), _generators(node), **span(node))


def _parenthesized(node: Node) -> ast.expr:
    return expr(only(node))


def _binary(node: Node) -> ast.expr:
    """A chain of binary operators, regrouped by Python's precedence (the grammar ranks ``^`` above ``&``)."""
    operands: list[tuple[ast.expr, Span]] = []
    operators: list[str] = []
    _flatten(node, operands, operators)
    position = 0

    def climb(lowest: int) -> tuple[ast.expr, Span]:
        nonlocal position
        left = operands[position]
        while position < len(operators) and _PRECEDENCE[operators[position]] >= lowest:
            op = operators[position]
            position += 1
            right = climb(_PRECEDENCE[op] + (op != "**"))  # `**` groups to the right
            where = Span(
                lineno=left[1]["lineno"],
                col_offset=left[1]["col_offset"],
                end_lineno=right[1]["end_lineno"],
                end_col_offset=right[1]["end_col_offset"],
            )
            left = ast.BinOp(left[0], _BINARY[op](), right[0], **where), where
        return left

    return climb(0)[0]


def _flatten(node: Node, operands: list[tuple[ast.expr, Span]], operators: list[str]) -> None:
    if node.type != "binary_operator":
        operands.append((expr(node), span(node)))
        return
    _flatten(field(node, "left"), operands, operators)
    operators.append(field(node, "operator").type)
    _flatten(field(node, "right"), operands, operators)


def _unary(node: Node) -> ast.expr:
    op = _UNARY[field(node, "operator").type]()
    return ast.UnaryOp(op, expr(field(node, "argument")), **span(node))


def _not(node: Node) -> ast.expr:
    return ast.UnaryOp(ast.Not(), expr(field(node, "argument")), **span(node))


def _boolean(node: Node) -> ast.expr:
    kind = field(node, "operator").type
    return ast.BoolOp(ast.And() if kind == "and" else ast.Or(), _operands(node, kind), **span(node))


def _operands(node: Node, kind: str) -> list[ast.expr]:
    """``a and b and c`` is one BoolOp with three values, as ``ast`` has it."""
    values: list[ast.expr] = []
    for side in (field(node, "left"), field(node, "right")):
        if side.type == "boolean_operator" and field(side, "operator").type == kind:
            values += _operands(side, kind)
        else:
            values.append(expr(side))
    return values


def _compare(node: Node) -> ast.expr:
    operands: list[ast.expr] = []
    ops: list[ast.cmpop] = []
    for index, child in enumerate(node.children):
        if node.field_name_for_child(index) == "operators":
            ops.append(_COMPARE[" ".join(text(child).split())]())
        elif child.is_named and child.type != "comment":
            operands.append(expr(child))
    return ast.Compare(operands[0], ops, operands[1:], **span(node))


def _conditional(node: Node) -> ast.expr:
    body, test, orelse = named(node)
    return ast.IfExp(expr(test), expr(body), expr(orelse), **span(node))


def _named_expression(node: Node) -> ast.expr:
    name = field(node, "name")
    return ast.NamedExpr(ast.Name(text(name), ast.Store(), **span(name)), expr(field(node, "value")), **span(node))


def _await(node: Node) -> ast.expr:
    return ast.Await(expr(only(node)), **span(node))


def _yield(node: Node) -> ast.expr:
    values = named(node)
    if any(c.type == "from" for c in node.children):
        return ast.YieldFrom(expr(values[0]), **span(node))
    return ast.Yield(expr(values[0]) if values else None, **span(node))


def _lambda(node: Node) -> ast.expr:
    params = node.child_by_field_name("parameters")
    args = parameters(params) if params is not None else empty_arguments()
    return ast.Lambda(args, expr(field(node, "body")), **span(node))


def empty_arguments() -> ast.arguments:
    return ast.arguments([], [], None, [], [], None, [])


def _annotation(node: Node | None) -> ast.expr | None:
    return type_expr(node) if node is not None else None


def parameters(node: Node) -> ast.arguments:
    """A ``def``'s or ``lambda``'s parameter list."""
    result = empty_arguments()
    keyword_only = False
    for child in named(node):
        kind = child.type
        if kind == "positional_separator":
            result.posonlyargs, result.args = result.args, []
            continue
        if kind == "keyword_separator":
            keyword_only = True
            continue
        if kind in ("list_splat_pattern", "dictionary_splat_pattern") or (
            kind == "typed_parameter" and named(child)[0].type != "identifier"
        ):
            star = child if kind != "typed_parameter" else named(child)[0]
            annotation = _annotation(child.child_by_field_name("type"))
            name = only(star)
            arg = ast.arg(text(name), annotation, **span(name, child.child_by_field_name("type")))
            if star.type == "list_splat_pattern":
                result.vararg, keyword_only = arg, True
            else:
                result.kwarg = arg
            continue
        name_node = child if kind == "identifier" else child.child_by_field_name("name") or named(child)[0]
        if name_node.type != "identifier":
            raise Unsupported(child, "tuple parameter (Python 2)")
        annotation_node = child.child_by_field_name("type")
        arg = ast.arg(text(name_node), _annotation(annotation_node), **span(name_node, annotation_node))
        default_node = child.child_by_field_name("value")
        default = expr(default_node) if default_node is not None else None
        if keyword_only:
            result.kwonlyargs.append(arg)
            result.kw_defaults.append(default)
        else:
            result.args.append(arg)
            if default is not None:
                result.defaults.append(default)
    return result


def type_expr(node: Node) -> ast.expr:
    """An annotation or the value of a ``type`` statement, read as the expression it evaluates to."""
    if node.type != "type":
        return expr(node)
    inner = only(node)
    kind = inner.type
    if kind == "generic_type":
        base, params = named(inner)
        items = [type_expr(t) for t in named(params)]
        first, last = named(params)[0], params.children[-2]  # the last type or a trailing comma
        single = len(items) == 1 and last.type != ","
        index = items[0] if single else ast.Tuple(items, ast.Load(), **span(first, last))
        return ast.Subscript(_name(base), index, ast.Load(), **span(inner))
    if kind == "union_type":  # tree-sitter may group `a | b | c` to the right; ast groups it to the left
        operands = _union_operands(inner)
        union = type_expr(operands[0])
        for operand in operands[1:]:
            union = ast.BinOp(union, ast.BitOr(), type_expr(operand), **span(operands[0], operand))
        return union
    if kind == "member_type":
        value, attr = named(inner)
        return ast.Attribute(type_expr(value), text(attr), ast.Load(), **span(inner))
    if kind == "splat_type":
        return ast.Starred(_name(only(inner)), ast.Load(), **span(inner))
    if kind == "constrained_type":  # T: bound, only inside type parameters
        return type_expr(named(inner)[0])
    return expr(inner)


def _union_operands(node: Node) -> list[Node]:
    """The operands of ``a | b | c`` in a type, however tree-sitter nested them."""
    inner = only(node) if node.type == "type" else node
    if inner.type == "union_type":
        return [o for part in named(inner) for o in _union_operands(part)]
    if inner.type == "binary_operator" and field(inner, "operator").type == "|":
        return _union_operands(field(inner, "left")) + _union_operands(field(inner, "right"))
    return [node]


def _string(node: Node) -> ast.expr:
    return string(node, expr)


_EXPRESSIONS: dict[str, Callable[[Node], ast.expr]] = {
    "identifier": _name, "integer": _number, "float": _number, "true": _constant, "false": _constant,
    "none": _constant, "ellipsis": _constant, "string": _string, "concatenated_string": _string,
    "attribute": _attribute, "subscript": _subscript, "call": _call, "list": _list, "tuple": _tuple,
    "expression_list": _tuple, "pattern_list": _tuple, "tuple_pattern": _tuple, "list_pattern": _list, "set": _set,
    "dictionary": _dictionary, "list_comprehension": _list_comprehension, "set_comprehension": _set_comprehension,
    "generator_expression": _generator_expression, "dictionary_comprehension": _dictionary_comprehension,
    "parenthesized_expression": _parenthesized, "binary_operator": _binary, "unary_operator": _unary,
    "not_operator": _not, "boolean_operator": _boolean, "comparison_operator": _compare,
    "conditional_expression": _conditional, "named_expression": _named_expression, "await": _await,
    "yield": _yield, "lambda": _lambda, "list_splat": _starred, "list_splat_pattern": _starred, "type": type_expr,
}  # fmt: skip
