"""The Python rule walker skips leaves no rule takes, and still hands every leaf to a rule that takes its type."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from slopguard.core.finding import Confidence, Severity
from slopguard.core.rule import RuleMeta
from slopguard.engine.hit import Hit, hit_at
from slopguard.engine.python.context import PyContext
from slopguard.engine.python.runner import run_python_rules
from slopguard.engine.registry import Rule

CODE = """
import os
x = f(a, b=c)[0] + 1
if x > limit and not done:
    print(os.path.join(base, "name"), *rest, **extra)
for key, value in {"k": v, **more}.items():
    y = lambda q: q * 2
match command:
    case [name, 3] if name != "x":
        pass
"""


def _places(nodes: Iterator[ast.AST] | list[ast.AST]) -> list[tuple[int, int]]:
    return sorted((getattr(n, "lineno", 0), getattr(n, "col_offset", 0)) for n in nodes)


def test_a_rule_that_takes_leaves_sees_every_one() -> None:
    def check(node: ast.AST, ctx: PyContext) -> Iterator[Hit]:
        yield hit_at(node, type(node).__name__)

    meta = RuleMeta("LEAF", "t", (1,), Severity.LOW, Confidence.LOW, ("python",), "w", "f")
    tree = ast.parse(CODE)
    found = run_python_rules(PyContext("t.py", CODE, tree), [Rule(meta, check, (ast.Name, ast.Constant))])
    seen = [(hit.line, hit.col - 1) for _, hit in found]
    expected = _places(n for n in ast.walk(tree) if isinstance(n, ast.Name | ast.Constant))
    assert sorted(seen) == expected
