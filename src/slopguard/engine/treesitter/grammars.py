"""Tree-sitter grammars from their prebuilt wheels, loaded on first use (no run-time downloads)."""

from __future__ import annotations

import importlib
import threading
from functools import cache

from tree_sitter import Language, Parser

# slopguard language -> (module, function returning the grammar pointer)
_GRAMMARS: dict[str, tuple[str, str]] = {
    "javascript": ("tree_sitter_javascript", "language"),
    "typescript": ("tree_sitter_typescript", "language_typescript"),
    "tsx": ("tree_sitter_typescript", "language_tsx"),
    "java": ("tree_sitter_java", "language"),
    "c": ("tree_sitter_c", "language"),
    "cpp": ("tree_sitter_cpp", "language"),
    "rust": ("tree_sitter_rust", "language"),
    "go": ("tree_sitter_go", "language"),
}
_local = threading.local()


def supported(language: str) -> bool:
    return language in _GRAMMARS


@cache
def grammar(language: str) -> Language:
    module, function = _GRAMMARS[language]
    return Language(getattr(importlib.import_module(module), function)())


def parser(language: str) -> Parser:
    """A parser for the language, one per thread."""
    parsers: dict[str, Parser] = getattr(_local, "parsers", None) or {}
    _local.parsers = parsers
    if language not in parsers:
        parsers[language] = Parser(grammar(language))
    return parsers[language]


def grammar_for(language: str, display: str) -> str:
    """TSX files need the TSX grammar; C++ headers named .h are parsed as C."""
    if language == "typescript" and display.endswith(".tsx"):
        return "tsx"
    return language
