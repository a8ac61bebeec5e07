"""Where a region marker may go: between two lines that no multi-line token or construct spans.

A comment line inserted between lines K and K+1 leaves the program alone unless something runs across that line
break: a triple-quoted string, a template literal, a raw string, a block comment, a Java text block, JSX text, a
backslash line continuation. :func:`closed_spans` lists those constructs (Python from the ``tokenize`` module,
the other languages from their tree-sitter parse), and :func:`widen` moves a range's edges out to theirs.
"""

from __future__ import annotations

import io
import os
import tokenize
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from tree_sitter import Node

from slopguard.engine.languages import language_entry
from slopguard.engine.treesitter.grammars import parser

PYTHON_SUFFIXES = (".py", ".pyw", ".pyi")
# Tree-sitter node kinds whose inside is data or text, not code: a comment line there would change it.
_OPAQUE_PARTS = ("string", "comment", "text_block", "heredoc", "jsx")


class PlacementError(Exception):
    """The file's syntax cannot be read well enough to place a marker safely; the message says why."""


@dataclass(frozen=True, slots=True)
class Span:
    """Lines ``start``-``end`` (1-based) are one construct: no line may be inserted between them."""

    start: int
    end: int
    what: str

    def splits(self, boundary: int) -> bool:
        """Whether inserting a line after line ``boundary`` would land inside this construct."""
        return self.start <= boundary < self.end


def closed_spans(path: str, text: str) -> list[Span]:
    """Every multi-line construct of a Python or tree-sitter file; PlacementError for other kinds of file."""
    if path.lower().endswith(PYTHON_SUFFIXES):
        return _python_spans(path, text)
    entry = language_entry(path)
    if entry is None or entry.analyser != "tree-sitter" or not entry.grammars:
        kind = entry.name if entry is not None else os.path.splitext(path)[1] or os.path.basename(path)
        raise PlacementError(
            f"{path}: cannot place a region marker safely in {kind} files (slopguard has no parser for them to "
            "tell where a comment is legal); mark the whole file instead"
        )
    grammar = entry.grammar_for(path).name
    tree = parser(grammar).parse(text.encode("utf-8"))
    if tree.root_node.has_error:
        line = _first_error(tree.root_node)
        raise PlacementError(f"{path}:{line}: does not parse as {entry.name}, so a region marker cannot be placed")
    spans = list(_tree_spans(tree.root_node))
    if grammar in ("c", "cpp"):  # line splicing: a backslash at the end of a line joins the next one to it
        spans += [
            Span(n, n + 1, "backslash line continuation")
            for n, line in enumerate(text.split("\n"), start=1)
            if line.rstrip("\r").endswith("\\")
        ]
    return spans


def _last_row(node: Node) -> int:
    """The 0-based row a node's last character is on (a node ending at column 0 ends on the row before)."""
    row, column = node.end_point
    return row - 1 if column == 0 and row > node.start_point[0] else row


def _tree_spans(node: Node) -> Iterator[Span]:
    first, last = node.start_point[0], _last_row(node)
    if first == last:
        return
    if any(part in node.type for part in _OPAQUE_PARTS):
        yield Span(first + 1, last + 1, node.type.replace("_", " "))
        return
    for child in node.children:
        yield from _tree_spans(child)


def _first_error(node: Node) -> int:
    if node.is_error or node.is_missing:
        return int(node.start_point[0]) + 1
    for child in node.children:
        if child.has_error or child.is_error or child.is_missing:
            return _first_error(child)
    return int(node.start_point[0]) + 1


_BREAKS = frozenset({tokenize.NEWLINE, tokenize.NL, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT})


def _python_spans(path: str, text: str) -> list[Span]:
    spans: list[Span] = []
    fstrings: list[int] = []  # start rows of the f-strings open now (Python 3.12+ tokenizes their insides)
    previous: tokenize.TokenInfo | None = None
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            kind = tokenize.tok_name[token.type]
            if kind == "FSTRING_START":
                fstrings.append(token.start[0])
            elif kind == "FSTRING_END" and fstrings:
                start = fstrings.pop()
                if not fstrings and token.end[0] > start:
                    spans.append(Span(start, token.end[0], "f-string"))
            elif token.type == tokenize.STRING and token.end[0] > token.start[0] and not fstrings:
                spans.append(Span(token.start[0], token.end[0], "string"))
            if previous is not None and _continued(previous, token) and not fstrings:
                spans.append(Span(previous.end[0], token.start[0], "backslash line continuation"))
            if token.type not in (tokenize.INDENT, tokenize.DEDENT):
                previous = token
    except (tokenize.TokenError, SyntaxError) as exc:
        detail = exc.args[0] if exc.args else exc
        raise PlacementError(
            f"{path}: cannot tokenize it as Python ({detail}), so a region marker cannot be placed"
        ) from exc
    return spans


def _continued(previous: tokenize.TokenInfo, token: tokenize.TokenInfo) -> bool:
    """Whether backslashes joined the line ``previous`` ended on to the one ``token`` starts on."""
    return previous.type not in _BREAKS and token.type not in _BREAKS and token.start[0] > previous.end[0]


@dataclass(frozen=True, slots=True)
class Placement:
    """A range widened to legal marker positions, with the constructs that widened it."""

    start: int
    end: int
    reasons: tuple[Span, ...] = ()


def widen(start: int, end: int, spans: Sequence[Span]) -> Placement:
    """Move ``start`` up and ``end`` down until neither marker line would fall inside a construct."""
    reasons: list[Span] = []
    changed = True
    while changed:
        changed = False
        for span in spans:
            if span.splits(start - 1):
                start, changed = span.start, True
                reasons.append(span)
            if span.splits(end):
                end, changed = span.end, True
                reasons.append(span)
    return Placement(start, end, tuple(dict.fromkeys(reasons)))


def inside(line: int, spans: Sequence[Span]) -> bool:
    """Whether ``line`` lies within a construct (not on a line where one may begin)."""
    return any(span.splits(line - 1) for span in spans)
