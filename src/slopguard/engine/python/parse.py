"""The one way Python source becomes an ``ast`` tree: exact where the host ``ast`` can read it, recovered where not.

``ast.parse`` of the running interpreter reads its own version's syntax and stops at the first error. Code for a
newer Python (3.12 f-strings and ``type`` statements, 3.14 t-strings and ``except A, B:``) or an assistant's
snippet with a placeholder or one broken line would then go unanalysed. When ``ast.parse`` fails:

1. placeholder lines (``...`` where a block continues below) and the statements tree-sitter-python marks as broken
   are blanked out, byte for byte, so every other line and column stays where it was;
2. ``ast.parse`` reads the blanked source; a top-level statement it still rejects (newer syntax) is blanked too and
   converted from the tree-sitter tree instead (:mod:`slopguard.engine.python.from_treesitter`);
3. what was blanked and not converted is reported in ``dropped`` as (line, reason).

The common case, a file the host reads, costs one ``ast.parse`` and nothing else.
"""

from __future__ import annotations

import ast
import gc
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from tree_sitter import Node, Tree

from slopguard.engine.python.from_treesitter import Converter, Dropped
from slopguard.engine.treesitter.grammars import parser

MAX_REPAIRS = 32  # tree-sitter passes that narrow broken regions down; after that a region is dropped whole
MAX_LISTED = 5  # dropped statements named in a summary
MAX_SPLICES = 32  # host passes that hand a statement to the converter; after that the converter reads everything
_PLACEHOLDER = re.compile(rb"^([ \t]*)(?:\.\.\.|\xe2\x80\xa6)[ \t]*(?:#.*)?$")  # `...` or `…` alone on a line
_BLOCKS = frozenset({"block"})
_CLAUSES = frozenset({
    "elif_clause", "else_clause", "except_clause", "except_group_clause", "finally_clause", "case_clause",
    "function_definition", "class_definition",
})  # fmt: skip
_EXTRAS = frozenset({"comment", "line_continuation"})


@dataclass(frozen=True, slots=True)
class ParsedPython:
    """A module tree with the positions of the source, and the statements that could not be read."""

    tree: ast.Module
    dropped: Dropped = field(default_factory=list)

    @property
    def readable(self) -> bool:
        """False when nothing but placeholders is left: the file could not be read at all."""
        return not self.dropped or any(not isinstance(s, ast.Pass) for s in self.tree.body)

    @property
    def summary(self) -> str:
        """What was left out, for a person: ``line 7 (syntax error), line 12 (...) not read``."""
        shown = ", ".join(f"line {line} ({why})" for line, why in self.dropped[:MAX_LISTED])
        more = len(self.dropped) - MAX_LISTED
        return shown + (f" and {more} more" if more > 0 else "") + " not read"


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while a tree is built: its nodes hold no cycles, and collecting while
    hundreds of thousands of them are allocated costs a tenth of the parse."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def parse_python(text: str, filename: str = "<unknown>") -> ParsedPython:
    """The module tree of ``text``. Raises RecursionError/MemoryError for code nested too deeply."""
    try:
        with _collector_paused():
            return ParsedPython(ast.parse(text, filename=filename))
    except (SyntaxError, ValueError):
        pass
    dropped: Dropped = []
    source = _without_placeholders(text.encode("utf-8", "surrogatepass"), dropped)
    source, tree = _repaired(source, dropped)
    module = _host_tree(source, tree, filename, dropped)
    return ParsedPython(module, sorted(set(dropped)))


def _without_placeholders(source: bytes, dropped: Dropped) -> bytes:
    """Blank ``...`` lines that stand for elided code: a lone ``...`` followed by a deeper-indented line (which
    Python rejects), or a ``…``."""
    lines = source.split(b"\n")
    for number, line in enumerate(lines):
        match = _PLACEHOLDER.match(line.rstrip(b"\r"))
        if match is None:
            continue
        following = next((n for n in lines[number + 1 :] if n.strip() and not n.lstrip().startswith(b"#")), b"")
        deeper = len(following) - len(following.lstrip()) > len(match.group(1))
        if deeper or b"\xe2\x80\xa6" in line:
            lines[number] = b" " * len(line.rstrip(b"\r")) + (b"\r" if line.endswith(b"\r") else b"")
            dropped.append((number + 1, "placeholder for elided code"))
    return b"\n".join(lines)


def _repaired(source: bytes, dropped: Dropped) -> tuple[bytes, Tree]:
    """Blank the statements tree-sitter finds broken until it reads the rest cleanly. An error region that spans
    lines (an unclosed bracket swallows what follows) loses its first line only, then the rest is read again."""
    grammar = parser("python")
    for attempt in range(MAX_REPAIRS + 1):
        tree = grammar.parse(source)
        regions = list(_broken(tree.root_node)) if tree.root_node.has_error else []
        before = source
        for node in regions:
            end = _repair_end(source, node, narrow=attempt < MAX_REPAIRS)
            lines = source[node.start_byte : end].rstrip().count(b"\n") + 1
            source = _blanked(source, node.start_byte, end)
            dropped.append((node.start_point[0] + 1, _reason(node, lines)))
        if source == before:  # nothing left to blank (a zero-width error): the converter drops what remains
            return source, tree
    return source, grammar.parse(source)


def _broken(container: Node) -> list[Node]:
    """The smallest statements of a module or block that hold a syntax error."""
    found: list[Node] = []
    for child in container.children:
        if child.type not in _EXTRAS:
            found += _broken_statement(child)
    return found


def _broken_statement(node: Node) -> list[Node]:
    if not (node.has_error or node.is_missing):
        return []
    if node.type == "ERROR" or node.is_missing:
        return [node]
    inner = [c for c in node.children if c.type in _BLOCKS or c.type in _CLAUSES]
    header = [c for c in node.children if c.type not in _BLOCKS and c.type not in _CLAUSES]
    if not inner or any(c.has_error or c.is_missing for c in header):
        return [node]  # the error is in the statement itself, not only in the blocks it holds
    found: list[Node] = []
    for child in inner:
        found += _broken(child) if child.type in _BLOCKS else _broken_statement(child)
    return found


def _repair_end(source: bytes, node: Node, *, narrow: bool) -> int:
    """Where blanking a broken region stops: a compound statement whose header is broken loses the header only
    (its body is still read), an error region spanning lines its first line (while ``narrow``)."""
    block = next((c for c in node.children if c.type in _BLOCKS), None)
    if node.type != "ERROR" and block is not None and not block.has_error and block.start_byte > node.start_byte:
        return block.start_byte
    if node.type == "ERROR" and narrow and node.start_point[0] != node.end_point[0]:
        newline = source.find(b"\n", node.start_byte)
        return newline if newline > 0 else node.end_byte
    return node.end_byte


def _reason(node: Node, lines: int) -> str:
    what = f"syntax error: missing {node.type}" if node.is_missing else "syntax error"
    return f"{what}, {lines} lines" if lines > 1 else what


def _blanked(source: bytes, start: int, end: int, *, stand_in: bool = True) -> bytes:
    """``source`` with bytes ``start:end`` turned into spaces (line breaks kept) and, with ``stand_in``, a ``pass``
    (or ``0`` where that does not fit) at ``start``, so that a block whose only statement is blanked stays a block."""
    middle = bytes(b if b in b"\r\n" else 0x20 for b in source[start:end])
    width = len(middle.split(b"\n", 1)[0].rstrip(b"\r")) if stand_in else 0
    if width:
        statement = b"pass" if width >= 4 else b"0"
        middle = statement + middle[len(statement) :]
    return source[:start] + middle + source[end:]


def _host_tree(source: bytes, tree: Tree, filename: str, dropped: Dropped) -> ast.Module:
    """``ast.parse`` of the repaired source; a top-level statement it rejects is read from the tree-sitter tree."""
    converter = Converter()
    handed: dict[tuple[int, int], Node] = {}
    module = _host_parse(source, tree, filename, handed)
    if module is None:
        module = converter.module(tree.root_node)
    else:
        module.body = _spliced(module.body, handed, converter)
    dropped += converter.dropped
    return module


def _host_parse(source: bytes, tree: Tree, filename: str, handed: dict[tuple[int, int], Node]) -> ast.Module | None:
    """The host's tree with rejected top-level statements blanked (recorded in ``handed`` by position), or None
    when the host cannot be brought to read the source."""
    for _ in range(MAX_SPLICES):
        try:
            return ast.parse(source.decode("utf-8", "surrogatepass"), filename=filename)
        except (SyntaxError, ValueError) as exc:
            statement = _top_level_at(tree, exc.lineno if isinstance(exc, SyntaxError) else None)
            if statement is None:
                return None
            key = (statement.start_point[0] + 1, statement.start_point[1])
            if key in handed:
                return None
            handed[key] = statement
            source = _blanked(source, statement.start_byte, statement.end_byte, stand_in=False)
    return None


def _spliced(body: list[ast.stmt], handed: dict[tuple[int, int], Node], converter: Converter) -> list[ast.stmt]:
    """The host's module body with the converted statements put back in source order."""
    converted = converter.each(list(handed.values()))
    return sorted([*body, *converted], key=lambda s: (s.lineno, s.col_offset))


def _top_level_at(tree: Tree, line: int | None) -> Node | None:
    """The module-level statement that spans ``line`` (1-based)."""
    if line is None:
        return None
    for child in tree.root_node.children:
        if child.type not in _EXTRAS and child.start_point[0] + 1 <= line <= child.end_point[0] + 1:
            return child
    return None
