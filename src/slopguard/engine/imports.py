"""Import extraction from parsed files: which modules a file loads, and on which line.

Python reads the ``ast`` tree; JavaScript and TypeScript read the tree-sitter tree the analyser already parsed.
Mapping a module to the package that provides it is the package verifier's job, not this module's.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
import unicodedata
from bisect import bisect_left
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tree_sitter import Node, Tree

Imports = list[tuple[str, int]]
# Fields that hold statements (or handlers and match cases, which hold statements).
_BLOCKS = ("body", "orelse", "finalbody", "handlers", "cases")
_KEYWORDS = re.compile(rb"import|require|export")


def _dynamic(call: ast.Call) -> str | None:
    """``importlib.import_module("x")`` / ``import_module("x")`` / ``__import__("x")`` with a constant name."""
    func = call.func
    name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
    if name not in ("import_module", "__import__") or not call.args:
        return None
    if isinstance(func, ast.Attribute) and not (isinstance(func.value, ast.Name) and func.value.id == "importlib"):
        return None
    arg = call.args[0]
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and arg.value and arg.value[0] != ".":
        return arg.value
    return None


def python_imports(tree: ast.Module, *, full: bool = False, source: bytes | None = None) -> Imports:
    """(module, line) for every absolute import in the tree, in line order, without duplicates.

    Includes imports inside functions, ``try/except ImportError`` and ``if TYPE_CHECKING`` blocks, and
    ``importlib.import_module("x")`` with a constant name; skips relative imports and ``__future__``. The module
    is the top-level name (``os`` for ``import os.path``); with ``full`` it is the dotted path, and for
    ``from a.b import c`` the path ``a.b.c`` (``c`` may be a module or just a name in ``a.b``).

    With the tree's ``source``, only statements are walked (imports are statements), plus the expressions of
    the statements on lines whose text names a dynamic import: much cheaper on large files.
    """
    nodes: Iterator[ast.AST]
    if source is None:
        nodes = ast.walk(tree)
    elif not _may_import_dynamically(source):
        nodes = _statements(tree.body)
    else:
        lines = _dynamic_lines(source)
        nodes = ast.walk(tree) if lines is None else _statements_and_calls(tree.body, lines)
    found: set[tuple[str, int]] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.add((alias.name if full else alias.name.split(".")[0], node.lineno))
        elif isinstance(node, ast.ImportFrom):
            if node.level or not node.module or node.module == "__future__":
                continue
            if not full:
                found.add((node.module.split(".")[0], node.lineno))
                continue
            for alias in node.names:
                found.add((node.module if alias.name == "*" else f"{node.module}.{alias.name}", node.lineno))
        elif isinstance(node, ast.Call) and (name := _dynamic(node)) is not None:
            found.add((name if full else name.split(".")[0], node.lineno))
    return sorted(found, key=lambda item: (item[1], item[0]))


def _may_import_dynamically(source: bytes) -> bool:
    """Whether the text can call ``import_module``/``__import__``. Identifiers are NFKC-normalised, so text that is
    not ASCII is decoded as Python decodes it and normalised before looking (undecodable text always counts)."""
    if b"import_module" in source or b"__import__" in source:
        return True
    if source.isascii():
        return False
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
        text = unicodedata.normalize("NFKC", source.decode(encoding))
    except (SyntaxError, LookupError, UnicodeDecodeError):
        return True
    return "import_module" in text or "__import__" in text


def _statements(body: list[ast.stmt]) -> Iterator[ast.AST]:
    """Every statement in ``body`` and in the blocks nested in it (bodies, branches, handlers, match cases)."""
    stack: list[ast.AST] = list(reversed(body))
    while stack:
        node = stack.pop()
        yield node
        for name in _BLOCKS:
            block = getattr(node, name, None)
            if isinstance(block, list):
                stack.extend(child for child in block if isinstance(child, ast.AST))


def _dynamic_lines(source: bytes) -> set[int] | None:
    """The numbers of the lines whose text names ``import_module``/``__import__``; None when the text is not ASCII
    (identifiers may then spell them in other Unicode forms: every expression is walked)."""
    if not source.isascii():
        return None
    return {n for n, line in enumerate(source.splitlines(), 1) if b"import_module" in line or b"__import__" in line}


def _statements_and_calls(body: list[ast.stmt], lines: set[int]) -> Iterator[ast.AST]:
    """Every statement (see :func:`_statements`), and every node of the expressions of a statement whose span
    holds one of ``lines`` (its own expressions: nested statements are visited on their own)."""
    for node in _statements(body):
        yield node
        start: int | None = getattr(node, "lineno", None)
        if start is None:
            continue
        end: int = getattr(node, "end_lineno", None) or start
        if not any(start <= line <= end for line in lines):
            continue
        for name, value in ast.iter_fields(node):
            if name in _BLOCKS:
                continue
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, ast.AST):
                    yield from ast.walk(item)


def python_imports_from_text(text: str, *, full: bool = False) -> Imports:
    """Imports in a snippet of Python; if it does not parse, each import line is read on its own."""
    try:
        return python_imports(ast.parse(text), full=full)
    except (SyntaxError, ValueError):
        pass
    found: Imports = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip().removeprefix(">>> ").rstrip("\\").strip()
        if not line.startswith(("import ", "from ")):
            continue
        for attempt in (line, line.split("(")[0].rstrip() + " _"):  # `from x import (` opens a multi-line list
            try:
                tree = ast.parse(attempt)
            except (SyntaxError, ValueError):
                continue
            found += [(name, number) for name, _ in python_imports(tree, full=full) if not name.endswith("._")]
            break
    return found


def _literal(node: Node) -> str | None:
    """The text of a string or substitution-free template literal."""
    if node.type not in ("string", "template_string") or any(c.type == "template_substitution" for c in node.children):
        return None
    text = (node.text or b"").decode("utf-8", "replace")
    return text[1:-1] if len(text) >= 2 else None


def _specifier(node: Node) -> Node | None:
    """The module-specifier node of an import/export/require/import() node, if it is one."""
    kind = node.type
    if kind in ("import_statement", "export_statement"):
        source = node.child_by_field_name("source")
        if source is None and kind == "import_statement":  # TypeScript: import x = require("y")
            clause = next((c for c in node.named_children if c.type == "import_require_clause"), None)
            source = clause.child_by_field_name("source") if clause is not None else None
        return source
    if kind == "call_expression":
        func, args = node.child_by_field_name("function"), node.child_by_field_name("arguments")
        if func is None or args is None or not args.named_children:
            return None
        if func.type == "import" or (func.type == "identifier" and func.text == b"require"):
            return args.named_children[0]
    return None


def js_imports(source: bytes, tree: Tree) -> Imports:
    """(module specifier, line) for every static/dynamic import, re-export and ``require()`` with a literal
    specifier, in a JavaScript/TypeScript tree parsed from ``source``. Type-only imports count: the package must
    still be installed. Which specifiers name packages is the package verifier's business.
    """
    found: dict[tuple[str, int], None] = {}
    # Only subtrees whose text holds one of the keywords can hold an import: skip the rest unvisited.
    marks = [m.start() for m in _KEYWORDS.finditer(source)]

    def relevant(node: Node) -> bool:
        i = bisect_left(marks, node.start_byte)
        return i < len(marks) and marks[i] < node.end_byte

    stack = [tree.root_node] if marks else []
    while stack:
        node = stack.pop()
        spec_node = _specifier(node)
        spec = _literal(spec_node) if spec_node is not None else None
        if spec is not None:
            found[(spec, node.start_point[0] + 1)] = None
        stack.extend(child for child in reversed(node.named_children) if relevant(child))
    return sorted(found, key=lambda item: (item[1], item[0]))
