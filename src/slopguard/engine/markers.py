"""Reading provenance markers: ``slopguard:ai`` comments that mark AI-generated files and regions.

``# slopguard:ai model=M generated=DATE reviewer="NAME" reviewed=DATE verified=a,b`` near the top marks a whole
file; ``slopguard:ai-begin ...`` / ``slopguard:ai-end`` lines mark a region. Each file's comment syntax comes from the
language table. Writing markers (``slopguard mark``) is the provenance front end's job.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from slopguard.engine.languages import ALL_COMMENT_STYLES, CommentStyle, language_entry

TAG = "slopguard:ai"
KNOWN_KEYS = ("model", "generated", "reviewer", "reviewed", "verified")
DATE_KEYS = frozenset({"generated", "reviewed"})


def comment_styles(path: str | os.PathLike[str]) -> tuple[CommentStyle, ...] | None:
    """The comment syntaxes of a file (the preferred one first), or None when unknown or it has none."""
    entry = language_entry(path)
    return entry.comments if entry is not None and entry.comments else None


@dataclass(frozen=True, slots=True)
class Problem:
    """A malformed marker or unbalanced region, with the 1-based line it is on."""

    line: int
    message: str


@dataclass(frozen=True, slots=True)
class Marker:
    """One marker comment: ``kind`` is ``file``, ``begin`` or ``end``; fields keep their order (unknown kept)."""

    kind: str
    line: int
    indent: str
    style: CommentStyle
    fields: tuple[tuple[str, str], ...] = ()

    def get(self, key: str) -> str | None:
        return next((v for k, v in self.fields if k == key), None)


@dataclass(frozen=True, slots=True)
class Region:
    """Lines of a file that came from an AI assistant, from a marker or from a commit trailer."""

    path: str
    start: int
    end: int
    scope: str  # "file" (whole-file marker), "region" (begin/end markers), "lines" (git blame)
    source: str  # "marker" or "trailer"
    model: str
    generated: str | None = None
    reviewer: str | None = None
    reviewed: str | None = None
    verified: tuple[str, ...] = ()
    extra: tuple[tuple[str, str], ...] = ()
    marker_line: int = 0  # the marker comment (for trailers: the first line)
    end_marker_line: int | None = None
    commit: str | None = None

    @property
    def is_reviewed(self) -> bool:
        return bool(self.reviewer)

    def overlaps(self, start: int, end: int) -> bool:
        return start <= self.end and max(start, end) >= self.start

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path, "start_line": self.start, "end_line": self.end, "scope": self.scope,
            "source": self.source, "model": self.model, "generated": self.generated, "reviewer": self.reviewer,
            "reviewed": self.reviewed, "verified": list(self.verified), "extra": dict(self.extra),
            "marker_line": self.marker_line, "end_marker_line": self.end_marker_line, "commit": self.commit,
            "is_reviewed": self.is_reviewed,
        }  # fmt: skip


@dataclass
class ParsedFile:
    markers: list[Marker] = field(default_factory=list)
    regions: list[Region] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


_LINE = re.compile(r"^(?P<indent>[ \t]*)(?P<open><!--|/\*|//|#|--)[ \t]*slopguard:ai(?P<kind>[-\w]*)(?P<rest>.*)$")
_TOKEN = re.compile(
    r"""(?P<key>[A-Za-z_][\w-]*)=(?:"(?P<dq>(?:[^"\\]|\\.)*)"|'(?P<sq>[^']*)'|(?P<bare>[^\s"']*)(?=\s|$))"""
)
_OPEN_QUOTE = re.compile(r"""[A-Za-z_][\w-]*=["']""")
_UNESCAPE = re.compile(r"\\(.)")
_KINDS = {"": "file", "-begin": "begin", "-end": "end"}


def _tokens(rest: str, style: CommentStyle, line: int, problems: list[Problem]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos, n = 0, len(rest)
    while pos < n:
        if rest[pos].isspace():
            pos += 1
            continue
        if not style.close and rest.startswith(style.open, pos):
            break  # a second comment chained on the line (a linter pragma, a test label)
        m = _TOKEN.match(rest, pos)
        if m is None:
            junk = rest[pos:].split(None, 1)[0]
            if _OPEN_QUOTE.match(junk):
                problems.append(Problem(line, f"unterminated quoted value in {junk!r}"))
                break
            problems.append(Problem(line, f"unexpected {junk!r} in marker (expected key=value)"))
            pos += len(junk)
            continue
        pos = m.end()
        value = m["sq"] if m["sq"] is not None else m["bare"] if m["dq"] is None else _UNESCAPE.sub(r"\1", m["dq"])
        out.append((m["key"].lower(), value))
    return out


def parse_marker(text: str, line: int, styles: Sequence[CommentStyle], problems: list[Problem]) -> Marker | None:
    """The marker on one line, or None; malformed parts are added to ``problems``."""
    if TAG not in text:
        return None
    m = _LINE.match(text.rstrip("\r\n"))
    style = next((s for s in styles if m and s.open == m["open"]), None)
    if m is None or style is None:
        return None
    kind = _KINDS.get(m["kind"])
    if kind is None:
        problems.append(Problem(line, f"unknown marker 'slopguard:ai{m['kind']}' (use ai, ai-begin or ai-end)"))
        return None
    rest = m["rest"].rstrip()
    if style.close:
        if not rest.endswith(style.close):
            problems.append(Problem(line, f"marker comment must be closed with '{style.close}' on the same line"))
        rest = rest.removesuffix(style.close)
    fields: list[tuple[str, str]] = []
    for key, value in _tokens(rest, style, line, problems):
        if any(k == key for k, _ in fields):
            problems.append(Problem(line, f"duplicate key {key!r}; the first value is used"))
        else:
            fields.append((key, value))
    marker = Marker(kind, line, m["indent"], style, tuple(fields))
    _validate(marker, problems)
    return marker


def _validate(marker: Marker, problems: list[Problem]) -> None:
    line = marker.line
    if marker.kind == "end":
        if marker.fields:
            problems.append(Problem(line, "slopguard:ai-end takes no fields; they are ignored"))
        return
    if not marker.get("model"):
        problems.append(Problem(line, "marker has no model= (which assistant or model generated the code)"))
    for key, value in marker.fields:
        if key in DATE_KEYS and not is_date(value):
            problems.append(Problem(line, f"{key}={value!r} is not a date (YYYY-MM-DD)"))
    if marker.get("reviewed") and not marker.get("reviewer"):
        problems.append(Problem(line, "reviewed= without reviewer=; the code counts as unreviewed"))


def is_date(value: str) -> bool:
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", value))


def _region(marker: Marker, path: str, start: int, end: int, scope: str, end_line: int | None = None) -> Region:
    verified = tuple(v.strip() for v in (marker.get("verified") or "").split(",") if v.strip())
    return Region(
        path, start, end, scope, "marker", marker.get("model") or "", marker.get("generated"),
        marker.get("reviewer") or None, marker.get("reviewed"), verified,
        tuple((k, v) for k, v in marker.fields if k not in KNOWN_KEYS), marker.line, end_line,
    )  # fmt: skip


def _is_header(text: str, styles: Sequence[CommentStyle]) -> bool:
    """A line that may come before a whole-file marker: blank, a comment, a shebang or a doctype."""
    s = text.strip()
    openers = (*(st.open for st in styles), "*", "*/", "-->", "#!", "<?xml", "<!DOCTYPE", "<!doctype")
    return not s or s.startswith(openers)


def parse_lines(lines: Sequence[str], path: str, styles: Sequence[CommentStyle] | None = None) -> ParsedFile:
    """Every marker of a file, the regions they mark and what is wrong with them."""
    chosen = styles or comment_styles(path) or ALL_COMMENT_STYLES
    out = ParsedFile()
    opened: Marker | None = None
    file_marker: Marker | None = None
    for number, text in enumerate(lines, start=1):
        marker = parse_marker(text, number, chosen, out.problems)
        if marker is None:
            continue
        out.markers.append(marker)
        if marker.kind == "file":
            if file_marker is not None:
                out.problems.append(Problem(number, f"second whole-file marker (first at line {file_marker.line})"))
                continue
            file_marker = marker
            if not all(_is_header(t, chosen) for t in lines[: number - 1]):
                out.problems.append(Problem(number, "whole-file marker comes after code; move it to the top"))
            out.regions.append(_region(marker, path, 1, max(len(lines), 1), "file"))
        elif marker.kind == "begin":
            if opened is not None:
                out.problems.append(
                    Problem(number, f"slopguard:ai-begin inside the region opened at line {opened.line} (no ai-end)")
                )
                out.regions.append(_region(opened, path, opened.line + 1, number - 1, "region"))
            opened = marker
        elif opened is None:
            out.problems.append(Problem(number, "slopguard:ai-end without a matching slopguard:ai-begin"))
        else:
            if number == opened.line + 1:
                out.problems.append(Problem(opened.line, "empty AI region (ai-end right after ai-begin)"))
            else:
                out.regions.append(_region(opened, path, opened.line + 1, number - 1, "region", number))
            opened = None
    if opened is not None:
        out.problems.append(Problem(opened.line, "slopguard:ai-begin has no slopguard:ai-end; it runs to the end"))
        out.regions.append(_region(opened, path, opened.line + 1, max(len(lines), opened.line + 1), "region"))
    out.problems.sort(key=lambda p: p.line)
    return out


def iter_lines(text: str) -> Iterator[tuple[str, str]]:
    """(content, line ending) pairs; the last pair may have an empty ending."""
    for part in re.finditer(r"([^\n]*?)(\r?\n|$)", text):
        if part.group(0) == "" and part.start() == len(text):
            break
        yield part.group(1), part.group(2)
