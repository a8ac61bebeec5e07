"""Provenance markers for AI-generated code: one comment line in the file's own comment syntax.

``# slopguard:ai model=M generated=DATE reviewer="NAME" reviewed=DATE verified=a,b`` near the top marks a whole
file; ``slopguard:ai-begin ...`` / ``slopguard:ai-end`` lines mark a region. See docs/provenance.md.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

TAG = "slopguard:ai"
KNOWN_KEYS = ("model", "generated", "reviewer", "reviewed", "verified")
DATE_KEYS = frozenset({"generated", "reviewed"})


@dataclass(frozen=True, slots=True)
class CommentStyle:
    """One comment syntax: a line comment (no ``close``) or a block comment closed on the same line."""

    open: str
    close: str = ""


HASH, SLASH, BLOCK, HTML, SQL = (
    CommentStyle("#"), CommentStyle("//"), CommentStyle("/*", "*/"), CommentStyle("<!--", "-->"), CommentStyle("--"),
)  # fmt: skip
ALL_STYLES = (HASH, SLASH, BLOCK, HTML, SQL)
_C = (SLASH, BLOCK)
# The first style of each entry is the one ``mark`` writes; every listed style is read.
STYLES: dict[str, tuple[CommentStyle, ...]] = {
    **dict.fromkeys((".py", ".pyw", ".pyi", ".sh", ".bash", ".zsh", ".yaml", ".yml", ".toml", ".rb", ".r",
                     ".pl", ".ps1", ".cfg", ".conf", ".tf", ".tfvars", ".env", ".properties"), (HASH,)),
    **dict.fromkeys((".js", ".mjs", ".cjs", ".jsx", ".ts", ".tsx", ".java", ".c", ".h", ".cc", ".cpp", ".cxx",
                     ".hpp", ".hh", ".rs", ".go", ".kt", ".kts", ".swift", ".cs", ".scala", ".dart", ".scss",
                     ".less"), _C),
    ".php": (SLASH, HASH, BLOCK),
    ".css": (BLOCK,),
    **dict.fromkeys((".html", ".htm", ".xml", ".svg", ".vue", ".svelte", ".md", ".markdown"), (HTML,)),
    **dict.fromkeys((".sql", ".lua", ".hs"), (SQL, BLOCK)),
}  # fmt: skip
NAMES: dict[str, tuple[CommentStyle, ...]] = {
    n: (HASH,) for n in ("Dockerfile", "Containerfile", "Makefile", "Gemfile", "Rakefile", "Procfile", ".gitignore")
}


class MarkError(Exception):
    """A file cannot be marked (unknown comment syntax, unreadable, bad value); the message says why."""


def comment_styles(path: str | os.PathLike[str]) -> tuple[CommentStyle, ...] | None:
    """The comment syntaxes of a file (the preferred one first), or None when unknown."""
    name = os.path.basename(path)
    if name in NAMES:
        return NAMES[name]
    if name.startswith(".env"):
        return (HASH,)
    return STYLES.get(os.path.splitext(name)[1].lower())


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
        if key in DATE_KEYS and not _is_date(value):
            problems.append(Problem(line, f"{key}={value!r} is not a date (YYYY-MM-DD)"))
    if marker.get("reviewed") and not marker.get("reviewer"):
        problems.append(Problem(line, "reviewed= without reviewer=; the code counts as unreviewed"))


def _is_date(value: str) -> bool:
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
    chosen = styles or comment_styles(path) or ALL_STYLES
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
            if key in DATE_KEYS and not _is_date(value):
                raise MarkError(f"--{key} must be a date (YYYY-MM-DD), not {value!r}")
            values[key] = value
    known = [(k, values[k]) for k in KNOWN_KEYS if values.get(k)]
    return known + [(k, v) for k, v in values.items() if k not in KNOWN_KEYS]


def iter_lines(text: str) -> Iterator[tuple[str, str]]:
    """(content, line ending) pairs; the last pair may have an empty ending."""
    for part in re.finditer(r"([^\n]*?)(\r?\n|$)", text):
        if part.group(0) == "" and part.start() == len(text):
            break
        yield part.group(1), part.group(2)


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
    if start is None:
        existing = next((m for m in parsed.markers if m.kind == "file"), None)
        index = _header_end(source) if existing is None else existing.line - 1
        indent = "" if existing is None else existing.indent
    else:
        end = start if end is None else end
        if not 1 <= start <= end <= count:
            raise MarkError(f"{source.path}: lines {start}-{end} are outside the file (it has {count} lines)")
        existing = _same_region(parsed, start, end)
        index = start - 1 if existing is None else existing.line - 1
        indent = _indent([t for t, _ in source.lines[start - 1 : end]]) if existing is None else existing.indent
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
    return MarkResult("added" if existing is None else "updated", index + 1, region)


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
    for marker in source.parse().markers:
        if marker.kind == "end":
            continue
        fields = merge_fields(marker.fields, {"reviewer": reviewer.strip(), "reviewed": date})
        index = marker.line - 1
        source.lines[index] = (format_marker(marker.kind, fields, marker.style, marker.indent), source.lines[index][1])
        updated += 1
    if updated:
        source.save()
    return updated
