"""String literals of a tree-sitter-python tree as ``ast`` nodes: plain strings and bytes become a Constant,
f-strings (nested quotes of 3.12 included) and t-strings (3.14) a JoinedStr whose interpolations are ordinary
expressions the rules see."""

from __future__ import annotations

import ast
import warnings
from collections.abc import Callable

from tree_sitter import Node

from slopguard.engine.python.ts_nodes import Unsupported, named, span, text

ExprConverter = Callable[[Node], ast.expr]
Piece = ast.Constant | ast.FormattedValue
Literal = str | bytes | int | float | complex


def literal(node: Node, source: str) -> Literal:
    """The value of a number or plain string literal, read by this interpreter (those spellings never changed)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # invalid escapes are the scanned code's business
        try:
            value = ast.literal_eval(source)
        except (ValueError, SyntaxError, MemoryError, RecursionError) as exc:
            raise Unsupported(node, "unreadable literal") from exc
    if not isinstance(value, str | bytes | int | float | complex):
        raise Unsupported(node, "not a literal")
    return value


def string(node: Node, convert: ExprConverter) -> ast.expr:
    """A ``string`` or ``concatenated_string`` node; ``convert`` reads the expressions of interpolations."""
    parts = named(node) if node.type == "concatenated_string" else [node]
    pieces: list[Piece] = []
    values: list[Literal] = []
    formatted = False
    for part in parts:
        prefix, quote = _delimiters(part)
        if "f" in prefix or "t" in prefix:
            formatted = True
            pieces += _formatted(part, prefix.replace("f", "").replace("t", ""), quote, convert)
        else:
            value = literal(part, text(part))
            values.append(value)
            pieces.append(ast.Constant(value, **span(part)))
    if formatted and any(isinstance(v, bytes) for v in values):
        raise Unsupported(node, "bytes and f-string concatenated")
    if formatted:
        return ast.JoinedStr(_merged(pieces), **span(node))
    if all(isinstance(v, str) for v in values):
        kind = "u" if _delimiters(parts[0])[0] == "u" else None
        return ast.Constant("".join(str(v) for v in values), kind, **span(node))
    if all(isinstance(v, bytes) for v in values):
        return ast.Constant(b"".join(v for v in values if isinstance(v, bytes)), **span(node))
    raise Unsupported(node, "bytes and str concatenated")


def _delimiters(node: Node) -> tuple[str, str]:
    """(lower-case prefix, quote) from the ``string_start`` token, e.g. ``("rf", '\"\"\"')``."""
    start = node.children[0] if node.children else None
    if start is None or start.type != "string_start":
        raise Unsupported(node, "string without a start")
    opening = text(start)
    prefix = opening.rstrip("'\"")
    return prefix.lower(), opening[len(prefix) :]


def _formatted(node: Node, prefix: str, quote: str, convert: ExprConverter) -> list[Piece]:
    """Literal text is read from the gaps between interpolations (tree-sitter may fold an escaped quote of a raw
    string into its end token)."""
    source = node.text or b""
    pieces: list[Piece] = []
    offset = node.children[0].end_byte  # after the prefix and opening quote
    for child in node.children:
        if child.type != "interpolation":
            continue
        pieces.append(_gap(node, source, offset, child.start_byte, prefix, quote))
        pieces += _interpolation(child, prefix, quote, convert)
        offset = child.end_byte
    pieces.append(_gap(node, source, offset, node.end_byte - len(quote), prefix, quote))
    return pieces


def _gap(node: Node, source: bytes, start: int, end: int, prefix: str, quote: str) -> ast.Constant:
    raw = source[start - node.start_byte : max(start, end) - node.start_byte].decode("utf-8", "replace")
    return ast.Constant(_content(raw, prefix, quote), **span(node))


def _content(raw: str, prefix: str, quote: str) -> str:
    """The value of literal text between interpolations: ``{{`` is ``{``, escapes as in a plain string."""
    unescaped = raw.replace("{{", "{").replace("}}", "}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            value = ast.literal_eval(f"{prefix}{quote}{unescaped}{quote}")
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            return unescaped  # text that cannot stand alone as a literal (a quote at its end): keep it as written
    return value if isinstance(value, str) else unescaped


def _interpolation(node: Node, prefix: str, quote: str, convert: ExprConverter) -> list[Piece]:
    value_node = node.child_by_field_name("expression")
    if value_node is None:
        raise Unsupported(node, "empty interpolation")
    value = convert(value_node)
    conversion_node = node.child_by_field_name("type_conversion")
    conversion = ord(text(conversion_node)[1]) if conversion_node is not None else -1
    spec_node = node.child_by_field_name("format_specifier")
    spec = _format_spec(spec_node, prefix, quote, convert) if spec_node is not None else None
    pieces: list[Piece] = []
    equals = next((c for c in node.children if c.type == "="), None)
    if equals is not None:  # f"{x=}" writes "x=" before the value, and repr() unless told otherwise
        source = (node.text or b"")[1 : equals.end_byte - node.start_byte].decode("utf-8", "replace")
        pieces.append(ast.Constant(source, **span(node)))
        if conversion == -1 and spec is None:
            conversion = ord("r")
    pieces.append(ast.FormattedValue(value, conversion, spec, **span(node)))
    return pieces


def _format_spec(node: Node, prefix: str, quote: str, convert: ExprConverter) -> ast.JoinedStr:
    """``:>{width}`` after an interpolation: literal text and nested interpolations."""
    source = node.text or b""
    pieces: list[Piece] = []
    offset = node.start_byte + 1  # after the ':'
    for child in node.named_children:
        if child.type == "format_expression":
            pieces.append(_gap(node, source, offset, child.start_byte, prefix, quote))
            pieces += _interpolation(child, prefix, quote, convert)
            offset = child.end_byte
    pieces.append(_gap(node, source, offset, node.end_byte, prefix, quote))
    return ast.JoinedStr(_merged(pieces), **span(node))


def _merged(pieces: list[Piece]) -> list[ast.expr]:
    """Adjacent literal pieces joined and empty ones dropped, as the compiler does."""
    out: list[ast.expr] = []
    for piece in pieces:
        if isinstance(piece, ast.Constant):
            if not piece.value:
                continue
            last = out[-1] if out else None
            if isinstance(last, ast.Constant) and isinstance(last.value, str):
                last.value += str(piece.value)
                last.end_lineno, last.end_col_offset = piece.end_lineno, piece.end_col_offset
                continue
        out.append(piece)
    return out
