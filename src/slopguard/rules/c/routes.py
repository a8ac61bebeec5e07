"""Route captures that cannot hold a path: cpp-httplib hands a handler the groups of its route's regex as
``req.matches[N]``; in ``srv.Get(R"(/reports/(\\d+))", ...)`` group 1 is digits only, so it holds no '.', '/'
or '\\' and cannot climb out of a folder."""

from __future__ import annotations

import re

from tree_sitter import Node

from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.c.common import string_value, unwrap

_MATCH = re.compile(r"^\w+(?:\.|->)matches\[(\d+)\]$")
# One atom of a group and its quantifier: \d, \w, a character class or a plain character.
_ATOM = re.compile(r"(\\[dw]|\[(?:\\.|[^\]\\])+\]|[A-Za-z0-9_-])(?:[+*?]|\{\d+(?:,\d*)?\})?")
_PATH_CHARACTERS = (".", "/", "\\", "%")


def narrow_capture(ctx: TSContext, node: Node) -> bool:
    """``req.matches[N]`` inside a handler whose route pattern's group N matches no '.', '/', '\\' or '%'."""
    found = _MATCH.match(ctx.compact(unwrap(node)))
    handler = ctx.function_of(node) if found is not None else None
    arguments = handler.parent if handler is not None and handler.type == "lambda_expression" else None
    route = arguments.parent if arguments is not None and arguments.type == "argument_list" else None
    if found is None or route is None or route.type != "call_expression":
        return False
    args = ctx.arguments(route)
    pattern = string_value(ctx, args[0]) if len(args) > 1 else None
    group = _group(pattern, int(found.group(1))) if pattern is not None else None
    return group is not None and _without_path_characters(group)


def _group(pattern: str, number: int) -> str | None:
    """The text of capturing group ``number`` (1-based) of a regex; None when there is no such group."""
    count, depth, start, i = 0, 0, -1, 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 2
            continue
        if char == "[":
            end = re.match(r"\[(?:\\.|[^\]\\])*\]", pattern[i:])
            i += end.end() if end is not None else 1
            continue
        if char == "(":
            depth += 1
            if not pattern.startswith("(?", i):
                count += 1
                if count == number:
                    start, depth = i + 1, 1
        elif char == ")":
            depth -= 1
            if start >= 0 and depth == 0:
                return pattern[start:i]
        i += 1
    return None


def _without_path_characters(group: str) -> bool:
    atoms = list(_ATOM.finditer(group))
    if not atoms or "".join(a.group(0) for a in atoms) != group:
        return False  # alternation, '.', nested groups: not judged
    for atom in atoms:
        try:
            compiled = re.compile(atom.group(1))
        except re.error:
            return False
        if any(compiled.fullmatch(c) for c in _PATH_CHARACTERS):
            return False
    return True
