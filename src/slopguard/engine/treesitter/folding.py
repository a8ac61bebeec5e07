"""Constant folding and branch liveness for every tree-sitter language.

:class:`Folder` computes the value of constant expressions (``(7 * 42) - num > 200`` with ``int num = 86``,
``"ABC".charAt(1)``) and, from them, whether a statement runs whenever its parent does: the branch of an ``if``,
a ternary or a ``switch`` on a constant that is always taken, the one that never is. Node kinds are those of the
grammars slopguard ships (Java, JavaScript/TypeScript, Go, C/C++, Rust); an unknown construct is a branch that
may or may not run, never one that always does.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from enum import Enum
from typing import Final

from tree_sitter import Node


class _Unknown:
    """The value of an expression that does not fold."""

    def __repr__(self) -> str:
        return "UNKNOWN_VALUE"


UNKNOWN_VALUE: Final = _Unknown()
Value = bool | int | float | str | _Unknown


class Step(Enum):
    """Whether a child runs whenever its parent does."""

    ALWAYS = "always"
    MAYBE = "maybe"
    NEVER = "never"


IFS = frozenset({"if_statement", "if_expression", "ternary_expression", "conditional_expression"})
LOOPS = frozenset(
    {"for_statement", "enhanced_for_statement", "while_statement", "do_statement", "for_in_statement",
     "for_expression", "while_expression", "loop_expression", "for_range_loop"}
)  # fmt: skip
_LOOP_HEADS = frozenset({"init", "initializer", "left", "right", "value", "type", "name", "pattern"})
SWITCHES = frozenset({"switch_expression", "switch_statement", "expression_switch_statement"})
_CASES = frozenset(
    {"switch_block_statement_group", "switch_rule", "switch_case", "switch_default", "case_statement",
     "expression_case", "default_case"}
)  # fmt: skip
_BRANCHY = frozenset(
    {"catch_clause", "except_clause", "match_arm", "match_block", "communication_case", "type_case",
     "select_statement", "lambda_expression", "arrow_function", "function_expression", "closure_expression",
     "func_literal"}
)  # fmt: skip
TRIES = frozenset({"try_statement", "try_with_resources_statement", "try_expression"})
_SHORT_CIRCUIT = frozenset({"&&", "||", "??", "and", "or"})
_JUMPS = frozenset(
    {"break_statement", "return_statement", "throw_statement", "continue_statement", "yield_statement",
     "goto_statement"}
)  # fmt: skip
_INTEGERS = frozenset(
    {"decimal_integer_literal", "hex_integer_literal", "octal_integer_literal", "binary_integer_literal",
     "integer_literal", "int_literal"}
)  # fmt: skip
_FLOATS = frozenset({"decimal_floating_point_literal", "float_literal"})
_NUMBERS = frozenset({"number", "number_literal"})
_STRINGS = frozenset({"string_literal", "string", "interpreted_string_literal", "raw_string_literal"})
_CHARS = frozenset({"character_literal", "char_literal", "rune_literal"})
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "0": "\0", "\\": "\\", '"': '"', "'": "'", "`": "`"}
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
_MAX_FOLD_DEPTH = 40


def _unquote(text: str) -> str | None:
    for quote in ('"""', '"', "'", "`"):
        if len(text) >= 2 * len(quote) and text.startswith(quote) and text.endswith(quote):
            body = text[len(quote) : -len(quote)]
            return _ESCAPE.sub(lambda m: _ESCAPES.get(m.group(1), m.group(1)), body)
    return None


def _number(text: str) -> int | float | None:
    clean = text.replace("_", "").rstrip("lLuU")
    try:
        return int(clean, 0) if not re.fullmatch(r"0\d+", clean) else int(clean, 8)
    except ValueError:
        pass
    try:
        return float(clean.rstrip("fFdD"))
    except ValueError:
        return None


class Folder:
    """Folds the constant expressions of one file. ``resolve`` gives the constant value of a name at a use."""

    def __init__(self, source: bytes, resolve: Callable[[Node], Value], truncating_division: bool) -> None:
        self._source = source
        self._resolve = resolve
        self._truncating = truncating_division
        self._values: dict[int, Value] = {}
        self._folding: set[int] = set()
        self._live: dict[int, frozenset[int] | None] = {}

    def _text(self, node: Node) -> str:
        return self._source[node.start_byte : node.end_byte].decode("utf-8", "replace")

    # ----- values -------------------------------------------------------------------------------
    def fold(self, node: Node | None, depth: int = 0) -> Value:
        """The constant value of ``node``, or ``UNKNOWN_VALUE``."""
        if node is None or depth > _MAX_FOLD_DEPTH:
            return UNKNOWN_VALUE
        key = node.id
        if key in self._values:
            return self._values[key]
        if key in self._folding:
            return UNKNOWN_VALUE  # a value defined in terms of itself (a loop counter)
        self._folding.add(key)
        try:
            value = self._fold(node, depth)
        finally:
            self._folding.discard(key)
        self._values[key] = value
        return value

    def _fold(self, node: Node, depth: int) -> Value:
        kind = node.type
        if kind in _INTEGERS or kind in _FLOATS or kind in _NUMBERS:
            number = _number(self._text(node))
            return UNKNOWN_VALUE if number is None else number
        if kind in ("true", "false"):
            return kind == "true"
        if kind == "boolean_literal":
            return self._text(node) == "true"
        if kind in _STRINGS or kind in _CHARS:
            if any(c.type in ("template_substitution", "interpolation") for c in node.named_children):
                return UNKNOWN_VALUE
            text = _unquote(self._text(node).lstrip("rbLuU8"))
            return UNKNOWN_VALUE if text is None else text
        if kind == "parenthesized_expression" and node.named_child_count == 1:
            return self.fold(node.named_children[0], depth + 1)
        if kind == "identifier":
            return self._resolve(node)
        if kind == "unary_expression":
            return self._unary(node, depth)
        if kind == "binary_expression":
            return self._binary(node, depth)
        if kind in ("ternary_expression", "conditional_expression"):
            branch = self.taken(node)
            if branch is None:
                return UNKNOWN_VALUE
            return self.fold(node.child_by_field_name("consequence" if branch else "alternative"), depth + 1)
        if kind in ("method_invocation", "call_expression"):
            return self._string_method(node, depth)
        return UNKNOWN_VALUE

    def _unary(self, node: Node, depth: int) -> Value:
        operator = node.child_by_field_name("operator")
        operand = node.child_by_field_name("operand") or node.child_by_field_name("argument")
        value = self.fold(operand, depth + 1)
        op = self._text(operator) if operator is not None else ""
        if isinstance(value, bool):
            return (not value) if op == "!" else UNKNOWN_VALUE
        if isinstance(value, int | float):
            return {"-": -value, "+": value, "~": ~value if isinstance(value, int) else UNKNOWN_VALUE}.get(
                op, UNKNOWN_VALUE
            )
        return UNKNOWN_VALUE

    def _binary(self, node: Node, depth: int) -> Value:
        operator = node.child_by_field_name("operator")
        op = self._text(operator) if operator is not None else ""
        left = self.fold(node.child_by_field_name("left"), depth + 1)
        if op in _SHORT_CIRCUIT and isinstance(left, bool):
            if left is (op in ("||", "or")):
                return left
            right = self.fold(node.child_by_field_name("right"), depth + 1)
            return right if isinstance(right, bool) else UNKNOWN_VALUE
        right = self.fold(node.child_by_field_name("right"), depth + 1)
        if isinstance(left, _Unknown) or isinstance(right, _Unknown):
            return UNKNOWN_VALUE
        return _apply(op, left, right, self._truncating)

    def _string_method(self, node: Node, depth: int) -> Value:
        """``"ABC".charAt(1)``, ``s.length()``, ``s.substring(1)``, ``s.toUpperCase()`` on a constant string."""
        if node.type == "method_invocation":
            receiver, name = node.child_by_field_name("object"), node.child_by_field_name("name")
        else:
            callee = node.child_by_field_name("function")
            if callee is None or callee.type != "member_expression":
                return UNKNOWN_VALUE
            receiver, name = callee.child_by_field_name("object"), callee.child_by_field_name("property")
        arguments = node.child_by_field_name("arguments")
        if receiver is None or name is None or arguments is None:
            return UNKNOWN_VALUE
        text = self.fold(receiver, depth + 1)
        if not isinstance(text, str):
            return UNKNOWN_VALUE
        args = [self.fold(a, depth + 1) for a in arguments.named_children if a.type != "comment"]
        return _call_on_string(text, self._text(name), args)

    # ----- branches -----------------------------------------------------------------------------
    def taken(self, conditional: Node) -> bool | None:
        """Which branch of an ``if``/ternary always runs: True (consequence), False (alternative), None."""
        value = self.fold(conditional.child_by_field_name("condition"))
        if isinstance(value, bool):
            return value
        return None

    def step(self, child: Node, parent: Node) -> Step:
        """Whether ``child`` runs whenever ``parent`` does."""
        kind = parent.type
        if kind in IFS:
            for field, wanted in (("consequence", True), ("alternative", False)):
                branch = parent.child_by_field_name(field)
                if branch is not None and branch.id == child.id:
                    taken = self.taken(parent)
                    if taken is None:
                        return Step.MAYBE
                    return Step.ALWAYS if taken is wanted else Step.NEVER
            return Step.ALWAYS
        if kind in LOOPS:
            return self._loop_step(child, parent)
        if child.type in _CASES:
            live = self.live_cases(parent)
            if live is None:
                return Step.MAYBE
            return Step.ALWAYS if child.id in live else Step.NEVER
        if kind in TRIES:
            part = _field_of(child, parent)
            return Step.ALWAYS if part == "resources" or child.type == "finally_clause" else Step.MAYBE
        if kind in _BRANCHY or child.type in _BRANCHY:
            return Step.MAYBE
        if kind == "binary_expression":
            operator = parent.child_by_field_name("operator")
            right = parent.child_by_field_name("right")
            if operator is not None and self._text(operator) in _SHORT_CIRCUIT and right is not None:
                return Step.MAYBE if right.id == child.id else Step.ALWAYS
        return Step.ALWAYS

    def _loop_step(self, child: Node, loop: Node) -> Step:
        field = _field_of(child, loop)
        if field in _LOOP_HEADS or (field == "condition" and loop.type != "do_statement"):
            return Step.ALWAYS
        if (
            loop.type in ("while_statement", "for_statement")
            and self.fold(loop.child_by_field_name("condition")) is False
        ):
            return Step.NEVER
        return Step.MAYBE

    def live_cases(self, body: Node) -> frozenset[int] | None:
        """The ids of the cases of a ``switch`` on a constant that run (fall-through included), else None."""
        key = body.id
        if key not in self._live:
            self._live[key] = self._live_cases(body)
        return self._live[key]

    def _live_cases(self, body: Node) -> frozenset[int] | None:
        switch = body if body.type in SWITCHES else body.parent
        if switch is None or switch.type not in SWITCHES:
            return None
        value = self.fold(switch.child_by_field_name("condition") or switch.child_by_field_name("value"))
        if isinstance(value, _Unknown):
            return None
        cases = [c for c in body.named_children if c.type in _CASES]
        entry: int | None = None
        default: int | None = None
        for index, case in enumerate(cases):
            labels = self._labels(case)
            if labels is None:
                default = index if default is None else default
                continue
            folded = [self.fold(label) for label in labels]
            if any(isinstance(v, _Unknown) for v in folded):
                return None
            if entry is None and value in folded:
                entry = index
        start = entry if entry is not None else default
        if start is None:
            return frozenset()
        live = set()
        for case in cases[start:]:
            live.add(case.id)
            if not self._falls_through(case):
                break
        return frozenset(live)

    def _labels(self, case: Node) -> list[Node] | None:
        """The label expressions of a case, None for ``default``."""
        if case.type in ("switch_default", "default_case"):
            return None
        if case.type in ("switch_block_statement_group", "switch_rule"):
            labels = [c for c in case.named_children if c.type == "switch_label"]
            if any(self._text(label).strip().startswith("default") for label in labels):
                return None
            return [e for label in labels for e in label.named_children if e.type != "comment"]
        value = case.child_by_field_name("value")
        if value is None:
            return None
        return list(value.named_children) if value.type == "expression_list" else [value]

    @staticmethod
    def _falls_through(case: Node) -> bool:
        if case.type in ("switch_rule", "expression_case", "default_case"):
            return bool(case.named_children) and case.named_children[-1].type == "fallthrough_statement"
        statements = [
            c
            for c in case.named_children
            if c.type not in ("switch_label", "comment") and c.id != _id(case.child_by_field_name("value"))
        ]
        return not statements or statements[-1].type not in _JUMPS

    def path(self, node: Node, top: Node) -> Step:
        """How surely ``node`` runs whenever ``top`` (an ancestor, or ``node`` itself) does."""
        result = Step.ALWAYS
        current = node
        while current.id != top.id and current.parent is not None:
            step = self.step(current, current.parent)
            if step is Step.NEVER:
                return Step.NEVER
            if step is Step.MAYBE:
                result = Step.MAYBE
            current = current.parent
        return result


def _id(node: Node | None) -> int:
    return -1 if node is None else node.id


def _field_of(child: Node, parent: Node) -> str | None:
    for index, candidate in enumerate(parent.children):
        if candidate.id == child.id:
            return parent.field_name_for_child(index)
    return None


def _apply(op: str, left: bool | int | float | str, right: bool | int | float | str, truncating: bool) -> Value:
    numbers = isinstance(left, int | float) and isinstance(right, int | float)
    numbers = numbers and not isinstance(left, bool) and not isinstance(right, bool)
    if numbers:
        assert isinstance(left, int | float) and isinstance(right, int | float)
        return _arithmetic(op, left, right, truncating)
    if isinstance(left, str) and isinstance(right, str | int) and op == "+" and not isinstance(right, bool):
        return left + str(right) if isinstance(right, str) or len(left) != 1 else UNKNOWN_VALUE
    if isinstance(left, bool) and isinstance(right, bool) and op in ("==", "!=", "===", "!==", "&", "|", "^"):
        return {"==": left == right, "===": left == right, "!=": left != right, "!==": left != right,
                "&": left and right, "|": left or right, "^": left != right}[op]  # fmt: skip
    return UNKNOWN_VALUE


def _arithmetic(op: str, left: int | float, right: int | float, truncating: bool) -> Value:
    if op in ("/", "%") and right == 0:
        return UNKNOWN_VALUE
    integers = isinstance(left, int) and isinstance(right, int)
    if op == "/" and integers and truncating:
        quotient = abs(left) // abs(right)
        return quotient if (left >= 0) == (right >= 0) else -quotient
    if op == "%" and integers and truncating:
        return int(abs(left) % abs(right)) * (1 if left >= 0 else -1)
    table: dict[str, Callable[[], Value]] = {
        "+": lambda: left + right, "-": lambda: left - right, "*": lambda: left * right,
        "/": lambda: left / right, "%": lambda: left % right, "<": lambda: left < right, ">": lambda: left > right,
        "<=": lambda: left <= right, ">=": lambda: left >= right, "==": lambda: left == right,
        "!=": lambda: left != right, "===": lambda: left == right, "!==": lambda: left != right,
    }  # fmt: skip
    compute = table.get(op)
    return compute() if compute is not None else UNKNOWN_VALUE


def _call_on_string(text: str, name: str, args: list[Value]) -> Value:
    if any(isinstance(a, _Unknown) for a in args):
        return UNKNOWN_VALUE
    if name == "charAt" and len(args) == 1 and isinstance(args[0], int) and 0 <= args[0] < len(text):
        return text[args[0]]
    if name == "length" and not args:
        return len(text)
    if name in ("toUpperCase", "toLowerCase", "trim", "strip") and not args:
        return {"toUpperCase": text.upper(), "toLowerCase": text.lower()}.get(name, text.strip())
    if name == "substring" and args and all(isinstance(a, int) and 0 <= a <= len(text) for a in args):
        bounds = [a for a in args if isinstance(a, int)]
        start, end = bounds[0], bounds[1] if len(bounds) > 1 else len(text)
        return text[start:end] if start <= end else UNKNOWN_VALUE
    if name in ("equals", "equalsIgnoreCase") and len(args) == 1 and isinstance(args[0], str):
        other = args[0]
        return text == other if name == "equals" else text.lower() == other.lower()
    if name == "isEmpty" and not args:
        return not text
    return UNKNOWN_VALUE


__all__ = ["IFS", "LOOPS", "SWITCHES", "TRIES", "UNKNOWN_VALUE", "Folder", "Step", "Value"]
