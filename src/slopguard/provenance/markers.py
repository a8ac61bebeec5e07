"""Writing provenance markers for AI-generated code: one comment line in the file's own comment syntax.

``# slopguard:ai model=M generated=DATE reviewer="NAME" reviewed=DATE verified=a,b`` near the top marks a whole
file; ``slopguard:ai-begin ...`` / ``slopguard:ai-end`` lines mark a region. See docs/provenance.md.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass

from slopguard.engine.languages import HASH, CommentStyle
from slopguard.engine.markers import (
    DATE_KEYS,
    KNOWN_KEYS,
    TAG,
    Marker,
    ParsedFile,
    Region,
    comment_styles,
    is_date,
    iter_lines,
    parse_lines,
)
from slopguard.provenance.placement import PlacementError, Span, closed_spans, inside, widen


class MarkError(Exception):
    """A file cannot be marked (unknown comment syntax, unreadable, bad value); the message says why."""


_BARE = re.compile(r"[\w.,:@/+-]+")


def format_value(value: str, style: CommentStyle) -> str:
    """A value as written in a marker: bare when safe, otherwise double-quoted with backslash escapes."""
    if "\n" in value or "\r" in value:
        raise MarkError(f"marker values cannot contain line breaks: {value!r}")
    if style.close and style.close in value:
        raise MarkError(f"marker values cannot contain {style.close!r} in this comment syntax: {value!r}")
    if _BARE.fullmatch(value) and not value.startswith(style.open):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def format_marker(kind: str, fields: Sequence[tuple[str, str]], style: CommentStyle, indent: str = "") -> str:
    """One marker line (no line ending)."""
    suffix = {"file": "", "begin": "-begin", "end": "-end"}[kind]
    body = " ".join(f"{k}={format_value(v, style)}" for k, v in fields) if kind != "end" else ""
    text = f"{indent}{style.open} {TAG}{suffix}" + (f" {body}" if body else "")
    return text + (f" {style.close}" if style.close else "")


def merge_fields(old: Sequence[tuple[str, str]], new: dict[str, str | None]) -> list[tuple[str, str]]:
    """Old fields updated by the given (non-None) new values; known keys first, unknown keys kept."""
    values = dict(old)
    for key, value in new.items():
        if value is not None:
            if key in DATE_KEYS and not is_date(value):
                raise MarkError(f"--{key} must be a date (YYYY-MM-DD), not {value!r}")
            values[key] = value
    known = [(k, values[k]) for k in KNOWN_KEYS if values.get(k)]
    return known + [(k, v) for k, v in values.items() if k not in KNOWN_KEYS]


# --- writing ---------------------------------------------------------------------------------------------------

_UNBALANCED = ("without a matching", "inside the region", "has no slopguard:ai-end")
_CODING = re.compile(r"^[ \t\f]*#.*?coding[:=][ \t]*[-\w.]+")


@dataclass
class Source:
    """A text file split into (content, ending) lines, with what is needed to write it back byte-exact."""

    path: str
    styles: tuple[CommentStyle, ...]
    lines: list[tuple[str, str]]
    encoding: str
    bom: bool

    @property
    def newline(self) -> str:
        return next((end for _, end in self.lines if end), "\n")

    def parse(self) -> ParsedFile:
        return parse_lines([text for text, _ in self.lines], self.path, self.styles)

    def insert(self, index: int, text: str) -> None:
        """Insert a line before ``lines[index]`` (0-based); at the end, keep the file's final-newline state."""
        if index >= len(self.lines):
            if self.lines and not self.lines[-1][1]:
                self.lines[-1] = (self.lines[-1][0], self.newline)
                self.lines.append((text, ""))
                return
            self.lines.append((text, self.newline))
            return
        self.lines.insert(index, (text, self.newline))

    def save(self) -> None:
        data = "".join(t + e for t, e in self.lines).encode(self.encoding)
        try:
            with open(self.path, "wb") as fh:
                fh.write((b"\xef\xbb\xbf" if self.bom else b"") + data)
        except OSError as exc:
            raise MarkError(f"cannot write {self.path}: {exc.strerror or exc}") from exc


def load_source(path: str | os.PathLike[str]) -> Source:
    """Read a file for marking; MarkError for unknown comment syntax, unreadable or non-text files."""
    name = os.fspath(path)
    styles = comment_styles(name)
    if styles is None:
        kind = os.path.splitext(name)[1] or os.path.basename(name)
        raise MarkError(f"{name}: no known comment syntax for '{kind}' files, so it cannot carry a marker")
    try:
        with open(name, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise MarkError(f"cannot read {name}: {exc.strerror or exc}") from exc
    if b"\0" in data[:8192]:
        raise MarkError(f"{name}: binary file")
    bom = data.startswith(b"\xef\xbb\xbf")
    encoding = "utf-8"
    if name.endswith((".py", ".pyw", ".pyi")):
        import io
        import tokenize

        try:
            encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        except SyntaxError as exc:
            raise MarkError(f"{name}: {exc}") from exc
        encoding = "utf-8" if encoding == "utf-8-sig" else encoding
    try:
        text = data[3 if bom else 0 :].decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise MarkError(f"{name}: not valid {encoding} text ({exc})") from exc
    return Source(name, styles, list(iter_lines(text)), encoding, bom)


@dataclass(frozen=True, slots=True)
class MarkResult:
    action: str  # "added" or "updated"
    line: int  # the marker line after the change
    region: Region
    moved: str = ""  # how and why the region's edges differ from the lines asked for (empty when they do not)


def mark(
    path: str | os.PathLike[str],
    values: dict[str, str | None],
    start: int | None = None,
    end: int | None = None,
    new_defaults: dict[str, str] | None = None,
) -> MarkResult:
    """Add or update the whole-file marker (no range) or the region marker of lines START-END (1-based,
    inclusive). Given values replace the marker's; ``new_defaults`` fill gaps only when a marker is added."""
    source = load_source(path)
    parsed = source.parse()
    bad = [p for p in parsed.problems if any(text in p.message for text in _UNBALANCED)]
    if bad and start is not None:
        raise MarkError(f"{source.path}:{bad[0].line}: {bad[0].message} (fix the markers before adding a region)")
    count = len(source.lines)
    moved = ""
    if start is None:
        existing = next((m for m in _comment_markers(source, parsed.markers) if m.kind == "file"), None)
        index = _header_end(source) if existing is None else existing.line - 1
        indent = "" if existing is None else existing.indent
    else:
        end = start if end is None else end
        if not 1 <= start <= end <= count:
            raise MarkError(f"{source.path}: lines {start}-{end} are outside the file (it has {count} lines)")
        spans = _spans(source)
        asked = (start, end)
        start, end, moved = _place(source, start, end, spans)
        existing = _same_region(parsed, start, end)
        index = start - 1 if existing is None else existing.line - 1
        code = [t for n, (t, _) in enumerate(source.lines[start - 1 : end], start) if not inside(n, spans)]
        indent = _indent(code) if existing is None else existing.indent
        if existing is not None or (start, end) == asked:
            moved = ""
        elif moved:
            moved = f"lines {asked[0]}-{asked[1]} became {start}-{end} (numbered before the markers): {moved}"
    fields = merge_fields(existing.fields if existing else list((new_defaults or {}).items()), values)
    if not dict(fields).get("model"):
        raise MarkError("a marker needs a model (--model)")
    style = existing.style if existing else source.styles[0]
    kind = "file" if start is None else "begin"
    text = format_marker(kind, fields, style, indent)
    if existing is not None:
        source.lines[index] = (text, source.lines[index][1])
    else:
        if start is not None and end is not None:
            source.insert(end, format_marker("end", (), style, indent))
        source.insert(index, text)
    source.save()
    region = next(r for r in source.parse().regions if r.marker_line == index + 1)
    return MarkResult("added" if existing is None else "updated", index + 1, region, moved)


def _spans(source: Source) -> list[Span]:
    try:
        return closed_spans(source.path, "".join(t + e for t, e in source.lines))
    except PlacementError as exc:
        raise MarkError(str(exc)) from exc


def _comment_markers(source: Source, markers: Sequence[Marker]) -> list[Marker]:
    """The markers that are real comments: a marker-like line inside a string is program data, never edited.
    Files slopguard cannot parse keep every marker (there is nothing to tell them apart by)."""
    try:
        spans = closed_spans(source.path, "".join(t + e for t, e in source.lines))
    except PlacementError:
        return list(markers)
    return [m for m in markers if not inside(m.line, spans)]


def _place(source: Source, start: int, end: int, spans: list[Span]) -> tuple[int, int, str]:
    """The range moved off a shebang/encoding line and widened to legal marker positions, and why."""
    why: list[str] = []
    header = _header_end(source)
    if start <= header:
        if end <= header:
            raise MarkError(f"{source.path}: lines {start}-{end} are the file's header (shebang or encoding line)")
        start = header + 1
        why.append(f"line {header} must stay where it is")
    placed = widen(start, end, spans)
    why += [f"lines {s.start}-{s.end} are one {s.what}" for s in placed.reasons]
    return placed.start, placed.end, "; ".join(why)


def _same_region(parsed: ParsedFile, start: int, end: int) -> Marker | None:
    for r in parsed.regions:
        if r.scope != "region":
            continue
        if (r.start, r.end) == (start, end) or (r.marker_line, r.end_marker_line) == (start, end):
            return next(m for m in parsed.markers if m.line == r.marker_line)
        if r.overlaps(start, end) or start <= r.marker_line <= end:
            raise MarkError(
                f"lines {start}-{end} overlap the AI region at lines {r.start}-{r.end} (marker on line "
                f"{r.marker_line}); give exactly {r.start}-{r.end} to update it"
            )
    return None


def _header_end(source: Source) -> int:
    """Where a whole-file marker goes: after a shebang, an encoding line or an XML/HTML declaration."""
    index = 0
    texts = [t for t, _ in source.lines[:2]]
    if texts and texts[0].lstrip().lower().startswith(("#!", "<?xml", "<!doctype")):
        index = 1
    if index < len(texts) and HASH in source.styles and _CODING.match(texts[index]):
        index += 1
    return index


def _indent(texts: Sequence[str]) -> str:
    indents = [t[: len(t) - len(t.lstrip())] for t in texts if t.strip()]
    return min(indents, key=len) if indents else ""


def sign_off(path: str | os.PathLike[str], reviewer: str, date: str) -> int:
    """Record ``reviewer`` and ``date`` on every marker of a file; returns how many markers were updated."""
    if not reviewer.strip():
        raise MarkError("a sign-off needs a reviewer name")
    source = load_source(path)
    updated = 0
    for marker in _comment_markers(source, source.parse().markers):
        if marker.kind == "end":
            continue
        fields = merge_fields(marker.fields, {"reviewer": reviewer.strip(), "reviewed": date})
        index = marker.line - 1
        source.lines[index] = (format_marker(marker.kind, fields, marker.style, marker.indent), source.lines[index][1])
        updated += 1
    if updated:
        source.save()
    return updated
