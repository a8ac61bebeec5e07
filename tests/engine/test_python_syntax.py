"""Python of any version, and snippets with holes, are still analysed: findings do not depend on the interpreter.

Each fixture in tests/fixtures/syntax/ has a twin ``<name>.ref.py`` with the same lines written in syntax every
supported interpreter reads (or with the broken line left blank); both must give the same findings, at the same
lines and columns.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from tree_sitter import Parser

from slopguard.core.report import FileResult
from slopguard.engine.analyse import analyse
from slopguard.engine.python import parse
from slopguard.engine.python.from_treesitter import Converter
from slopguard.engine.python.parse import parse_python
from slopguard.engine.treesitter.grammars import parser
from slopguard.pipeline.catalog import code_rules

SYNTAX = Path(__file__).resolve().parent.parent / "fixtures" / "syntax"
CASES = sorted(p.name.removesuffix(".ref.py") for p in SYNTAX.glob("*.ref.py"))
DROPPED = {
    "snippet_placeholder": [(13, "placeholder for elided code")],
    "snippet_broken_line": [(12, "syntax error")],
}
Found = list[tuple[str, int, int, int, int]]


def _scan(path: Path) -> tuple[FileResult, Found]:
    result = analyse(path.name, path.read_bytes(), "python", frozenset(code_rules()), 10**6)
    found = sorted(
        (f.rule_id, f.location.start_line, f.location.start_col, f.location.end_line, f.location.end_col)
        for f in result.findings
    )
    return result, found


def test_every_case_has_both_files() -> None:
    assert len(CASES) == 6
    assert all((SYNTAX / f"{case}.py").is_file() for case in CASES)


@pytest.mark.parametrize("case", CASES)
def test_same_findings_as_the_code_every_interpreter_reads(case: str) -> None:
    result, found = _scan(SYNTAX / f"{case}.py")
    reference, expected = _scan(SYNTAX / f"{case}.ref.py")
    assert reference.skipped is None
    assert expected, "the reference must have findings, or the comparison proves nothing"
    assert found == expected
    assert result.dropped == DROPPED.get(case, [])
    if result.dropped:
        assert result.skipped is not None and result.skipped.startswith("partly analysed: line ")
    else:
        assert result.skipped is None


def test_both_statements_around_a_broken_line_are_reported() -> None:
    _, found = _scan(SYNTAX / "snippet_broken_line.py")
    assert [(rule, line) for rule, line, *_ in found] == [("PY-CMDI-001", 11), ("PY-EVAL-001", 13)]


def test_a_placeholder_does_not_end_the_function() -> None:
    tree = parse_python((SYNTAX / "snippet_placeholder.py").read_text()).tree
    user = next(s for s in tree.body if isinstance(s, ast.FunctionDef))
    assert isinstance(user.body[-1], ast.Return) and user.body[-1].lineno == 14


def test_a_file_the_host_reads_never_reaches_tree_sitter(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(name: str) -> Parser:
        raise AssertionError("tree-sitter used on code the host ast reads")

    monkeypatch.setattr(parse, "parser", refuse)
    text = (SYNTAX / "nested_fstring.ref.py").read_text()
    parsed = parse_python(text)
    assert parsed.dropped == []
    assert ast.dump(parsed.tree, include_attributes=True) == ast.dump(ast.parse(text), include_attributes=True)


def test_only_the_unreadable_statement_is_dropped() -> None:
    text = 'x = eval(input())\nprint "legacy"\ny = 1\n'
    parsed = parse_python(text)
    assert parsed.dropped == [(2, "unsupported syntax (print_statement)")]
    assert [(type(s).__name__, s.lineno) for s in parsed.tree.body] == [("Assign", 1), ("Assign", 3)]


def test_a_file_with_nothing_readable_is_skipped() -> None:
    result = analyse("junk.py", b"}}} ((( !!!\n", "python", frozenset(code_rules()), 10**6)
    assert result.skipped is not None and result.skipped.startswith("syntax error: line 1")
    assert result.findings == []


def test_dropped_statements_survive_the_cache() -> None:
    result = FileResult(
        "a.py", skipped="partly analysed: line 3 (syntax error) not read", dropped=[(3, "syntax error")]
    )
    again = FileResult.from_json("a.py", result.to_json())
    assert again.dropped == [(3, "syntax error")]
    assert FileResult.from_json("a.py", {"findings": [], "skipped": None}).dropped == []


# Valid code with most of the grammar: the converter must give exactly the tree ``ast.parse`` gives.
GRAMMAR = """\
from __future__ import annotations
import os.path as osp, sys
from ..pkg import (a as b, c)
from . import *
x: int = 1; y = z = [1, *rest, (2, 3)]
a, *b = c[1:2, ::3], d[...]
(e) = f = {"k": v, **more}
del a[0], b.c
x += -y ** 2 // 3 @ m | n & o ^ p << 1 >> 2
t = lambda q, /, r=1, *s, u, v=2, **w: (q if r else s)
g = [i for i in range(3) if i for j in "ab"]; h = {k: v for k, v in items}; s2 = {i async for i in xs}
w = not a and b and c or d; cmp = a < b <= c != d in e not in f is g is not h
n = (yield), (yield from it), await aw, (walrus := 5)
s = "a" "b" r"\\d" u"x" f"{x!r:>{w}} {y=} {{lit}}" rf"{z}\\n"; bb = b"c" b"d"
big = 0x_ff + 1_000 + 1e3 + 2j + 0o7 + 0b1 + .5
@decorator(arg)
@other.attr
async def func(a: int, b: str = "x", *args: int, c, d: float = 1.0, **kw: object) -> dict[str, int | None]:
    global G
    nonlocal_thing = 1
    async with open(a) as fh, ctx() as (p, q):
        async for item in fh:
            await item
    for i, j in pairs:
        continue
    else:
        pass
    while True:
        break
    else:
        pass
    if a:
        pass
    elif b:
        pass
    elif c:
        raise ValueError("x") from None
    else:
        assert a, "message"
    try:
        pass
    except (A, B) as exc:
        raise
    except C:
        pass
    else:
        pass
    finally:
        return None
    with a, b:  # comment
        pass
    # trailing comment
class Klass(Base, metaclass=Meta):
    attr: list[int]
    def method(self, /): ...
match command.split():
    case [action, *rest] if rest:
        pass
    case {"key": 1, **others} | Point(x=0, y=-1) as p:
        pass
    case -1 | 1.5 | "s" | None | True | Color.RED | 1 + 2j:
        pass
    case (a, b, _):
        pass
"""


def _dump(tree: ast.AST) -> str:
    """The tree with positions, except inside f-strings (where interpreters of different versions differ)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            for inner in node.values:
                for part in ast.walk(inner):
                    if isinstance(part, ast.Constant | ast.FormattedValue | ast.JoinedStr):
                        part.lineno = part.col_offset = part.end_lineno = part.end_col_offset = 0
    return ast.dump(tree, include_attributes=True, indent=1)


def test_the_converter_gives_the_tree_ast_parse_gives() -> None:
    converter = Converter()
    converted = converter.module(parser("python").parse(GRAMMAR.encode()).root_node)
    assert converter.dropped == []
    assert _dump(converted) == _dump(ast.parse(GRAMMAR))


def test_a_broken_header_loses_only_the_header() -> None:
    code = b"from flask import request\n\ndef run(:\n    eval(request.args['x'])\n"
    result = analyse("snippet.py", code, "python", frozenset(code_rules()), 10**6)
    assert result.dropped == [(3, "syntax error")]
    assert [(f.rule_id, f.location.start_line) for f in result.findings] == [("PY-EVAL-001", 4)]


def test_a_cpp_header_is_read_as_cpp_not_c() -> None:
    from slopguard.engine.detect import header_language

    assert (
        header_language("fmt/printf.h", "c", b"namespace fmt {\ntemplate <typename T> auto sprintf(T);\n}\n") == "cpp"
    )
    assert header_language("lib/util.h", "c", b"#include <stdio.h>\nint sprintf_safe(char *, size_t);\n") == "c"
    assert header_language("lib/util.c", "c", b"namespace x {}\n") == "c"
