"""Regular expressions that backtrack catastrophically: a repeated group that itself repeats ((a+)+, (\\d*)*,
(\\w+\\s?)+), the shape behind most ReDoS advisories. Read from the pattern text, the same for every language."""

from __future__ import annotations

_UNBOUNDED = frozenset("+*")


def _quantifier_at(pattern: str, index: int) -> bool:
    """Whether an unbounded quantifier (+, *, {n,}) starts at ``index``."""
    if index >= len(pattern):
        return False
    if pattern[index] in _UNBOUNDED:
        return True
    if pattern[index] == "{":
        close = pattern.find("}", index)
        body = pattern[index + 1 : close] if close > 0 else ""
        return body.endswith(",") and body[:-1].isdigit()
    return False


def nested_quantifier(pattern: str) -> bool:
    """True for a group with an unbounded quantifier inside that is itself repeated without bound."""
    stack: list[bool] = []  # per open group: whether something inside it repeats without bound
    index = 0
    in_class = False
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            index += 2
            if _quantifier_at(pattern, index) and stack:
                stack[-1] = True
            continue
        if in_class:
            in_class = char != "]"
            if not in_class and _quantifier_at(pattern, index + 1) and stack:
                stack[-1] = True
            index += 1
            continue
        if char == "[":
            in_class = True
        elif char == "(":
            stack.append(False)
        elif char == ")" and stack:
            inner = stack.pop()
            if inner and _quantifier_at(pattern, index + 1):
                return True
            if stack and (inner or _quantifier_at(pattern, index + 1)):
                stack[-1] = True
        elif _quantifier_at(pattern, index) and index > 0 and stack:
            stack[-1] = True
        index += 1
    return False
