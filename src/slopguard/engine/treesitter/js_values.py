"""JavaScript value shapes the taint engine relies on: arrays and strings (whose ``length`` is a number) and the
element callbacks of ``map``/``flatMap`` (whose result is what the callback returns)."""

from __future__ import annotations

import re
from collections.abc import Callable

from tree_sitter import Node

# ``xs.map((x, i) => ...)``: an array of what the callback returns for each element.
ELEMENT_MAPS = frozenset({"map", "flatMap"})
_CALLBACKS = frozenset({"arrow_function", "function_expression"})
# Methods and functions that always return an array or a string, whatever their receiver held.
_SIZED_METHODS = frozenset(
    {"map", "filter", "flatMap", "flat", "slice", "splice", "concat", "split", "sort", "reverse", "toSorted",
     "toReversed", "keys", "values", "entries", "from", "of", "join", "trim", "trimStart", "trimEnd",
     "toLowerCase", "toUpperCase", "substring", "padStart", "padEnd", "repeat", "normalize", "toString", "String"}
)  # fmt: skip
_SIZED_NODES = frozenset({"array", "template_string", "string"})


def element_callback(call: Node, method: str, arguments: list[Node]) -> Node | None:
    """The callback of ``receiver.map(callback)`` when it is written in place, else None."""
    callee = call.child_by_field_name("function")
    if callee is None or callee.type != "member_expression" or method not in ELEMENT_MAPS or not arguments:
        return None
    return arguments[0] if arguments[0].type in _CALLBACKS else None


def callback_parameters(callback: Node) -> list[Node]:
    """The parameters of a callback in order (``k => ...`` has one, written without parentheses)."""
    params = callback.child_by_field_name("parameters")
    if params is not None:
        return [p for p in params.named_children if p.type != "comment"]
    single = callback.child_by_field_name("parameter")
    return [single] if single is not None else []


def sized(value: Node, text: Callable[[Node | None], str]) -> bool:
    """Whether ``value`` is an array or a string however it was filled: a literal, or a call of a method that
    always returns one (``fields.map(...)``, ``Object.keys(body)``, ``name.trim()``). Its ``length`` is a number
    even when its elements came from the request (a request *object* may carry a ``length`` key of its own)."""
    if value.type in _SIZED_NODES:
        return True
    if value.type != "call_expression":
        return False
    callee = value.child_by_field_name("function")
    if callee is None:
        return False
    if callee.type == "member_expression":
        return text(callee.child_by_field_name("property")) in _SIZED_METHODS
    return callee.type == "identifier" and text(callee) == "String"


__all__ = ["ELEMENT_MAPS", "callback_parameters", "element_callback", "sized"]


# ``s.replace(/[^a-z0-9_-]/gi, '')``: a global strip of everything outside letters, digits, '_' and '-' leaves
# no dot, slash, quote or markup, whoever sent the text.
_WORD_STRIP = re.compile(r"^/\[\^(?:a-z|A-Z|0-9|\\w|\\d|_|-)+\]\+?/[a-z]*g[a-z]*$")
_WORD_FILLERS = frozenset({"''", '""', "``", "'_'", '"_"', "'-'", '"-"'})


def strips_to_word_characters(name: str, arguments: list[Node], text: Callable[[Node | None], str]) -> bool:
    """``value.replace(/[^A-Za-z0-9-]/g, '')``: the result holds only word characters (and '-')."""
    if not name.endswith((".replace", ".replaceAll")) or len(arguments) != 2 or arguments[0].type != "regex":
        return False
    return bool(_WORD_STRIP.match(text(arguments[0]))) and text(arguments[1]) in _WORD_FILLERS
