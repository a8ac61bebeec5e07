"""Tree-sitter grammars from their prebuilt wheels, loaded on first use (no run-time downloads)."""

from __future__ import annotations

import importlib
import threading
from functools import cache

from tree_sitter import Language, Parser

from slopguard.engine.languages import grammar_named

_local = threading.local()


@cache
def grammar(name: str) -> Language:
    """A grammar by name (``javascript``, ``tsx``, ``cpp``), from the language table."""
    entry = grammar_named(name)
    return Language(getattr(importlib.import_module(entry.module), entry.function)())


def parser(name: str) -> Parser:
    """A parser for the grammar, one per thread."""
    parsers: dict[str, Parser] = getattr(_local, "parsers", None) or {}
    _local.parsers = parsers
    if name not in parsers:
        parsers[name] = Parser(grammar(name))
    return parsers[name]
