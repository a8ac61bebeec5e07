"""The language of a block of an assistant's answer: its fence label, or, unlabelled, what it parses as (Python,
then JavaScript, else plain text)."""

from __future__ import annotations

import ast
import re
import warnings

from slopguard.engine.languages import fence_language, language_of
from slopguard.engine.treesitter.grammars import parser

TEXT = "docs"  # read for secrets and markers only, like a Markdown file


def parses_as_python(code: str) -> bool:
    """True when ``code`` is a whole, valid Python module."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences in the snippet are not our warnings
            ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def parses_as_javascript(code: str) -> bool:
    """True when tree-sitter parses ``code`` as JavaScript without an error node."""
    tree = parser("javascript").parse(code.encode("utf-8", errors="replace"))
    return not tree.root_node.has_error


def block_language(label: str, default: str | None, code: str) -> str:
    """The language a fenced block is scanned as: its label from the language table (``py``, ``golang``,
    ``c++``), or a file name (``app.py``); unknown labels are text; an unlabelled block is ``default`` or,
    when that is None, what it parses as."""
    if label:
        return fence_language(label) or language_of(label) or TEXT
    return default or guess_language(code)


def guess_language(code: str) -> str:
    """``python`` when the block parses cleanly as Python, else ``javascript`` when it parses cleanly as
    JavaScript, else :data:`TEXT` (secrets and markers are still read). Blank text is text."""
    if not code.strip():
        return TEXT
    if parses_as_python(code):
        return "python"
    if parses_as_javascript(code):
        return "javascript"
    return TEXT


_CPP_HEADER = re.compile(
    rb"^\s*(?:template\s*<|namespace\s+\w|class\s+\w+[^;]*\{|using\s+namespace\b"
    rb"|#include\s*<(?:string|vector|memory|type_traits|utility)>)",
    re.M,
)


def header_language(display: str, language_name: str, data: bytes) -> str:
    """A ``.h`` file is C unless its text is C++ (templates, namespaces, classes): then it is read as C++, so that
    C++ declarations are not misread as C calls."""
    if language_name == "c" and display.endswith(".h") and _CPP_HEADER.search(data):
        return "cpp"
    return language_name
