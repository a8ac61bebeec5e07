"""Imports in a snippet that is not scanned as a file (a code block of an answer), in any language that has an
import extractor; a Python snippet that does not parse is read line by line."""

from __future__ import annotations

from slopguard.engine.imports import Imports, python_imports_from_text
from slopguard.engine.languages import language
from slopguard.engine.treesitter.grammars import parser


def snippet_imports(language_name: str, code: str) -> Imports:
    """(module, line) of every import in ``code``; empty for languages without an import extractor."""
    lang = language(language_name)
    if lang.analyser == "python":
        return python_imports_from_text(code, full=True)
    if lang.imports is None or not lang.grammars:
        return []
    source = code.encode()
    grammar = lang.grammars[0].name
    return lang.imports(source, parser(grammar).parse(source), grammar)
