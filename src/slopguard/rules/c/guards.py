"""Values an allow-list check has passed where they are used: ``if (valid_hostname(name)) { ... system(cmd); }``,
``if (!is_safe_name(name)) return -1; ... system(cmd);`` and ``std::regex_match(host, kHostPattern) && ...``.

Only what runs when the check passed counts: the consequence of a passing test joined with ``&&``, the
alternative of a failing one, the statements after a failing test that leaves (return, goto, break, continue,
exit), and the right operand of ``check && ...`` or ``!check || ...``.
"""

from __future__ import annotations

import re

from tree_sitter import Node

from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.c.common import callee, is_macro
from slopguard.rules.shared.trees import walk

# A project's own checking function (valid_hostname, is_safe_name, allowed_command) or a whole-string regex match.
VALIDATOR = re.compile(
    r"(?i)(?<!in)valid|(?<!un)safe|allowed|allowlist|whitelist|permitted|(?<!il)legal|sanitiz|sanitis"
    r"|^(?:std::|boost::)?regex_match$"
)
_JUMPS = frozenset({"return_statement", "goto_statement", "break_statement", "continue_statement", "throw_statement"})
_NO_RETURN = frozenset({"exit", "_exit", "abort", "err", "errx"})
_TRANSPARENT = frozenset({"parenthesized_expression", "condition_clause"})


def validated(ctx: TSContext, at: Node, names: set[str]) -> bool:
    """Every one of ``names`` passed an allow-list check on the way to ``at``."""
    return bool(names) and all(_validated(ctx, at, name) for name in names)


def read_names(ctx: TSContext, node: Node) -> set[str]:
    """The variables an expression reads: not called functions, not ``MACRO`` constants, not ``sizeof`` operands."""
    names = set()
    for child in walk(node, skip=frozenset({"sizeof_expression"})):
        parent = child.parent
        called = parent is not None and parent.type == "call_expression" and parent.child_by_field_name("function")
        if child.type == "identifier" and called != child and not is_macro(ctx, child):
            names.add(ctx.text(child))
    return names


def _validated(ctx: TSContext, at: Node, name: str) -> bool:
    child, node = at, at.parent
    while node is not None and node.type not in ("function_definition", "lambda_expression"):
        if node.type == "if_statement":
            condition = node.child_by_field_name("condition")
            taken = child == node.child_by_field_name("consequence")
            if condition is not None and child != condition and _checks(ctx, condition, name, passed=taken):
                return True
        if node.type == "compound_statement" and _left_early(ctx, node, child, name):
            return True
        if node.type == "binary_expression" and _after_check(ctx, node, child, name):
            return True
        child, node = node, node.parent
    return False


def _after_check(ctx: TSContext, node: Node, child: Node, name: str) -> bool:
    """``valid(x) && run(x)`` / ``!valid(x) || run(x)``: the right operand runs only once the check passed."""
    operator, left = node.child_by_field_name("operator"), node.child_by_field_name("left")
    op = ctx.text(operator) if operator is not None else ""
    if left is None or child != node.child_by_field_name("right") or op not in ("&&", "||"):
        return False
    return _checks(ctx, left, name, passed=op == "&&")


def _left_early(ctx: TSContext, block: Node, statement: Node, name: str) -> bool:
    """A statement before ``statement`` in ``block`` is ``if (!valid(name)) return ...;``."""
    for earlier in block.named_children:
        if earlier == statement:
            return False
        condition = earlier.child_by_field_name("condition") if earlier.type == "if_statement" else None
        consequence = earlier.child_by_field_name("consequence") if condition is not None else None
        leaves = consequence is not None and _leaves(ctx, consequence)
        if leaves and condition is not None and _checks(ctx, condition, name, passed=False):
            return True
    return False


def _leaves(ctx: TSContext, statement: Node) -> bool:
    if statement.type == "compound_statement":
        return bool(statement.named_children) and _leaves(ctx, statement.named_children[-1])
    if statement.type in _JUMPS:
        return True
    call = (
        statement.named_children[0] if statement.type == "expression_statement" and statement.named_children else None
    )
    return call is not None and call.type == "call_expression" and callee(ctx, call) in _NO_RETURN


def _checks(ctx: TSContext, condition: Node, name: str, *, passed: bool) -> bool:
    """The condition, when it is ``passed`` (true) or failed (false), says a validator accepted ``name``."""
    for call in walk(condition):
        if call.type != "call_expression" or not VALIDATOR.search(ctx.call_name(call).rsplit(".", 1)[-1]):
            continue
        if not any(name in read_names(ctx, arg) for arg in ctx.arguments(call)):
            continue
        if _polarity(ctx, call, condition) == passed:
            return True
    return False


def _polarity(ctx: TSContext, call: Node, condition: Node) -> bool | None:
    """True when the condition being true means the call returned true (``valid(x) && y``), False when it means
    the call returned false (``!valid(x) || y``), None when the condition says neither (``valid(x) || force``)."""
    positive, joins = True, set()
    node = call
    while node != condition and node.parent is not None:
        parent = node.parent
        operator = parent.child_by_field_name("operator")
        op = ctx.text(operator) if operator is not None else ""
        if parent.type == "unary_expression" and op == "!":
            positive = not positive
        elif parent.type == "binary_expression" and op in ("&&", "||"):
            joins.add(op)
        elif parent.type == "binary_expression" and op in ("==", "!="):
            other = parent.child_by_field_name("right" if parent.child_by_field_name("left") == node else "left")
            zero = other is not None and ctx.text(other) in ("0", "false", "NULL", "nullptr")
            if not zero and ctx.text(other) not in ("1", "true"):
                return None
            positive = positive if zero == (op == "!=") else not positive
        elif parent.type not in _TRANSPARENT:
            return None
        node = parent
    if joins == {"&&"} or not joins:
        return positive if positive or not joins else None
    return positive if joins == {"||"} and not positive else None
