"""Which of the rules that take ``ast.Call`` a call can fire: the rules whose ``calls`` words it shows.

A call shows its function's last name part as written (``execute`` for ``cur.execute(...)``), the last part of
the name it resolves to through the file's imports (``system`` for ``run(...)`` after ``from os import system as
run``) and its keyword-argument names. Most calls show no word of most rules, so most checks never run.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Sequence

from slopguard.engine.python.context import PyContext
from slopguard.engine.registry import PyCheck, Rule


class CallIndex:
    """The Call rules of one scan, indexed by their words; ``every_call`` turns the index off (each rule then
    runs on every call, the reference the equivalence tests compare with)."""

    def __init__(self, rules: Sequence[Rule[PyCheck]], *, every_call: bool = False) -> None:
        self.rules = tuple(rules)
        self._always = 0  # bit i set: rule i runs on every call
        self._words: dict[str, int] = {}
        self._prefixes: list[tuple[str, int]] = []
        self._suffixes: list[tuple[str, int]] = []
        for i, rule in enumerate(self.rules):
            bit = 1 << i
            if rule.calls is None or every_call:
                self._always |= bit
                continue
            for word in rule.calls:
                if word.endswith("*"):
                    self._prefixes.append((word[:-1], bit))
                elif word.startswith("*"):
                    self._suffixes.append((word[1:], bit))
                else:
                    self._words[word] = self._words.get(word, 0) | bit
        self._starts = tuple(prefix for prefix, _ in self._prefixes)
        self._ends = tuple(suffix for suffix, _ in self._suffixes)
        self._chosen: dict[int, tuple[Rule[PyCheck], ...]] = {}

    def rules_for(self, call: ast.Call, ctx: PyContext) -> tuple[Rule[PyCheck], ...]:
        """The rules to run on ``call``, in registration order (called for every call of a scan: kept lean)."""
        func = call.func
        written = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        resolved = ctx.call_name(call)  # also in every_call mode: the name is cached the same way in both modes
        resolved = resolved[resolved.rfind(".") + 1 :]
        words = self._words
        mask = self._always | words.get(written, 0) | words.get(resolved, 0)
        for keyword in call.keywords:
            arg = keyword.arg
            if arg is not None:
                mask |= words.get(arg, 0)
        if self._starts and (written.startswith(self._starts) or resolved.startswith(self._starts)):
            mask |= _matching(self._prefixes, str.startswith, written, resolved)
        if self._ends and (written.endswith(self._ends) or resolved.endswith(self._ends)):
            mask |= _matching(self._suffixes, str.endswith, written, resolved)
        chosen = self._chosen.get(mask)
        if chosen is None:
            chosen = self._chosen[mask] = tuple(rule for i, rule in enumerate(self.rules) if mask >> i & 1)
        return chosen


_BUILT: dict[tuple[bool, tuple[int, ...]], CallIndex] = {}


def call_index(rules: Sequence[Rule[PyCheck]], *, every_call: bool = False) -> CallIndex:
    """The index of these Call rules, built once per scan rather than once per file (an index holds its rules,
    so the identities in the key stay theirs)."""
    key = (every_call, tuple(map(id, rules)))
    index = _BUILT.get(key)
    if index is None:
        if len(_BUILT) > 16:  # rule selections of earlier scans in this process
            _BUILT.clear()
        index = _BUILT[key] = CallIndex(rules, every_call=every_call)
    return index


def _matching(patterns: list[tuple[str, int]], test: Callable[[str, str], bool], written: str, resolved: str) -> int:
    mask = 0
    for part, bit in patterns:
        if test(written, part) or test(resolved, part):
            mask |= bit
    return mask
