"""Is a parsed SpEL expression only ever evaluated in a ``SimpleEvaluationContext``?

Parsing SpEL runs nothing; ``getValue``/``setValue`` do, and with the default (standard) context an expression
can reach any class: ``T(java.lang.Runtime).getRuntime().exec(...)``. A ``SimpleEvaluationContext`` has no
type references, constructors or bean calls, which is the fix the rule recommends. So a parse whose result is
evaluated only there (chained, or through a local variable that does not escape the method) is not an injection.
"""

from __future__ import annotations

from tree_sitter import Node

from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.java.common import binding_name, declaration, method, method_of, receiver, value_of
from slopguard.rules.shared.trees import walk

SPEL_PARSERS = frozenset({"ExpressionParser", "SpelExpressionParser", "TemplateAwareExpressionParser"})
# The methods of org.springframework.expression.Expression that evaluate it; their first argument is the context
# when one is given (getValue(), getValue(root) and getValue(Class) use a standard context).
_EVALUATING = frozenset({"getValue", "setValue", "getValueType", "getValueTypeDescriptor", "isWritable"})
_SIMPLE_CONTEXT = "SimpleEvaluationContext"


def _simple_context(arg: Node, ctx: TSContext) -> bool:
    """``SimpleEvaluationContext.forReadOnlyDataBinding().build()``, or a variable declared as or set to one."""
    if _SIMPLE_CONTEXT in ctx.compact(arg):
        return True
    if arg.type != "identifier":
        return False
    decl = declaration(ctx.text(arg), arg, ctx)
    return decl is not None and (decl.type == _SIMPLE_CONTEXT or _SIMPLE_CONTEXT in ctx.compact(value_of(arg, ctx)))


def _safe_use(call: Node, ctx: TSContext) -> bool:
    """One call on the parsed expression: it does not evaluate, or evaluates in a simple context."""
    if method(call, ctx) not in _EVALUATING:
        return True
    args = ctx.arguments(call)
    return bool(args) and _simple_context(args[0], ctx)


def _receiver_call(node: Node) -> Node | None:
    """The call made on ``node`` (``node.getValue(...)``), if ``node`` is a call's receiver."""
    parent = node.parent
    if parent is not None and parent.type == "method_invocation" and receiver(parent) == node:
        return parent
    return None


def _local_uses(name: str, parse: Node, ctx: TSContext) -> list[Node] | None:
    """The calls made on the local variable ``name`` the parse is stored in; None when the variable escapes
    (returned, passed on, stored, captured) or is not a local of this method."""
    func = method_of(parse)
    decl = declaration(name, parse, ctx)
    if func is None or decl is None or decl.node.type != "variable_declarator" or method_of(decl.node) != func:
        return None
    uses: list[Node] = []
    for node in walk(func):
        if node.type != "identifier" or ctx.text(node) != name or node == decl.node.child_by_field_name("name"):
            continue
        parent = node.parent
        if parent is not None and parent.type == "assignment_expression" and parent.child_by_field_name("left") == node:
            continue
        use = _receiver_call(node)
        if use is None:
            return None
        uses.append(use)
    return uses


def evaluated_in_simple_context(parse: Node, ctx: TSContext) -> bool:
    """The expression ``parse`` (a SpEL ``parseExpression`` call) returns is evaluated only in a
    ``SimpleEvaluationContext``: ``parser.parseExpression(s).getValue(simple, root)``, or
    ``Expression e = parser.parseExpression(s); e.getValue(simple, root)`` with ``e`` used for nothing else."""
    chained = _receiver_call(parse)
    if chained is not None:
        return _safe_use(chained, ctx)
    name, parent = binding_name(parse, ctx), parse.parent
    if name is None or parent is None or parent.type not in ("variable_declarator", "assignment_expression"):
        return False
    uses = _local_uses(name, parse, ctx)
    return uses is not None and all(_safe_use(use, ctx) for use in uses)
