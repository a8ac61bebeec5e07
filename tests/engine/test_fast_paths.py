"""The scan's fast paths give the answers of the slow ones they replace."""

from __future__ import annotations

import ast

import pytest

from slopguard.engine.imports import python_imports
from slopguard.engine.python.context import PyContext, source_lines, source_segment

IMPORTS = [
    "import os\nfrom a.b import c\n",
    "def f():\n    try:\n        import yaml\n    except ImportError:\n        from json import loads\n",
    "import importlib\nmod = importlib.import_module('plugins.x')\nlib = __import__('lib')\n",
    # Identifiers are NFKC-normalised: this is a call of import_module, written in full-width letters.
    "from importlib import import_module\nｉmport_module('evil')\n",
    "match x:\n    case 1:\n        import one\nwith open(p):\n    import two\nclass C:\n    import three\n",
    # Dynamic imports deep in expressions, in decorators, conditions and a multi-line call; one on a line that
    # only mentions the word in a comment, one inside a nested function.
    "import importlib\n@register(importlib.import_module('deco'))\ndef f(x=__import__('default')):\n"
    "    if importlib.import_module(\n        'cond'\n    ):\n        def g():\n            return [__import__('deep')]\n"
    "    return x  # no import_module here\n",
]


@pytest.mark.parametrize("code", IMPORTS)
def test_imports_read_with_the_source_are_the_imports_of_the_whole_tree(code: str) -> None:
    data = code.encode()
    tree = ast.parse(data)
    assert python_imports(tree, full=True, source=data) == python_imports(tree, full=True)


def test_a_dynamic_import_spelled_in_another_encoding_is_still_found() -> None:
    # Latin-1 'º' normalises to 'o': the statement-only shortcut must not skip this file's expressions.
    data = "# -*- coding: latin-1 -*-\nfrom importlib import import_module as im\nimp\xbart_m\xbadule('x')\n".encode(
        "latin-1"
    )
    tree = ast.parse(data)
    assert ("x", 3) in python_imports(tree, full=True, source=data) == python_imports(tree, full=True)


SEGMENTS = [
    "a = 1\r\nb = f(\r\n  2)\r\n",
    "x = 'é'\ny = [1,\n     2]\n",
    "s = 1\x0c\n# form feed\rt = 2",
    "z = (\n 1 )",
]


@pytest.mark.parametrize("code", SEGMENTS)
def test_source_segments_match_the_standard_library(code: str) -> None:
    lines = source_lines(code)
    assert lines == ast._splitlines_no_ff(code)  # type: ignore[attr-defined]
    for node in ast.walk(ast.parse(code)):
        assert source_segment(lines, node) == (ast.get_source_segment(code, node) or "")


def test_imported_roots_follow_the_imports_recorded_so_far() -> None:
    tree = ast.parse("import ldap3 as x\nimport os.path\nfrom flask import request\nimport json as x\n")
    ctx = PyContext("app.py", "", tree)
    seen = []
    for node in tree.body:
        assert isinstance(node, ast.Import | ast.ImportFrom)
        ctx.record_import(node)
        seen.append(set(ctx.imported_roots))
    assert seen == [{"ldap3"}, {"ldap3", "os"}, {"ldap3", "os", "flask"}, {"os", "flask", "json"}]
