"""The inventory of AI-generated code under some paths: which regions, which are unreviewed, which carry findings
(and so: which AI-generated code a rule or a CWE hits)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from slopguard.core.config import Settings
from slopguard.core.discovery import UNREAD_FILE_TYPE, Discovery
from slopguard.core.files import NotReadable, read_regular
from slopguard.core.finding import Finding, Location
from slopguard.engine.languages import language_of
from slopguard.engine.markers import TAG, Region, comment_styles, iter_lines, parse_lines
from slopguard.pipeline.catalog import code_rules
from slopguard.pipeline.scan import scan_paths
from slopguard.provenance.trailers import trailer_regions

REVIEW_RULE_ID = "SG-REVIEW-001"
MAX_FILE_BYTES = 2_000_000
NO_COMMENT_SYNTAX = "no known comment syntax for this file type; no markers read"


@dataclass(frozen=True, slots=True)
class FileProblem:
    """A malformed marker, an unbalanced region, or a file that could not be read."""

    path: str
    line: int
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "line": self.line, "message": self.message}


@dataclass
class Entry:
    """One AI-generated region and the findings that currently fall inside it."""

    region: Region
    file: str  # absolute path
    findings: list[Finding] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {**self.region.to_dict(), "findings": [f.to_dict() for f in self.findings]}


@dataclass
class Inventory:
    root: Path
    entries: list[Entry] = field(default_factory=list)
    problems: list[FileProblem] = field(default_factory=list)
    rules: tuple[str, ...] = ()  # the rules whose findings were matched against the regions

    def summary(self) -> dict[str, int]:
        return {
            "regions": len(self.entries),
            "unreviewed": sum(not e.region.is_reviewed for e in self.entries),
            "with_findings": sum(bool(e.findings) for e in self.entries),
            "findings": sum(len(e.findings) for e in self.entries),
            "problems": len(self.problems),
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "root": str(self.root),
            "rules": list(self.rules),
            "summary": self.summary(),
            "regions": [e.to_dict() for e in self.entries],
            "problems": [p.to_dict() for p in self.problems],
        }


def display_name(path: str, root: Path) -> str:
    """A path as the scanner shows it: relative to ``root`` with forward slashes, absolute when outside."""
    full = os.path.abspath(path)
    rel = os.path.relpath(full, os.path.abspath(root))
    if rel.startswith(".."):
        real = os.path.relpath(os.path.realpath(full), os.path.realpath(root))
        if real.startswith(".."):
            return full.replace(os.sep, "/")
        rel = real
    return rel.replace(os.sep, "/")


def _markable(name: str) -> str | None:
    """Files whose type has a comment syntax, and so can carry a marker; the others are not read."""
    return "marked" if comment_styles(name) else None


def find_markers(
    paths: Iterable[Path], root: Path, excludes: Sequence[str] = ()
) -> tuple[list[Entry], list[FileProblem]]:
    """Regions marked by ``slopguard:ai`` comments in the files under ``paths`` (found by the project's walker,
    which leaves out vendored and cache folders and ``excludes``), and the problems with the markers and files."""
    entries: list[Entry] = []
    problems: list[FileProblem] = []
    discovery = Discovery(root, excludes, respect_gitignore=False, classify=_markable)
    for source in sorted(discovery.files(paths), key=lambda s: s.display):
        full = source.path
        shown = display_name(full, root)
        try:
            data = read_regular(full, MAX_FILE_BYTES)
        except NotReadable as exc:
            problems.append(FileProblem(shown, 0, str(exc)))
            continue
        if TAG.encode() not in data or b"\0" in data[:8192]:
            continue
        text = data.decode("utf-8", errors="replace").removeprefix("\ufeff")
        parsed = parse_lines([t for t, _ in iter_lines(text)], shown)
        entries += [Entry(r, full) for r in parsed.regions]
        problems += [FileProblem(shown, p.line, p.message) for p in parsed.problems]
    problems += [
        FileProblem(s.display, 0, NO_COMMENT_SYNTAX) for s in discovery.excluded if s.reason == UNREAD_FILE_TYPE
    ]
    problems += [FileProblem(s.display, 0, s.reason) for s in discovery.skipped]
    return entries, problems


def collect(paths: Sequence[Path], root: Path, *, git: bool = False, excludes: Sequence[str] = ()) -> Inventory:
    """Every AI-generated region under ``paths``: from markers, and from git trailers when ``git`` is set
    (raises trailers.GitError when that data cannot be had)."""
    entries, problems = find_markers(paths, root, excludes)
    if git:
        regions, notes = trailer_regions(paths, lambda full: display_name(full, root))
        top = os.path.abspath(root)
        entries += [Entry(r, r.path if os.path.isabs(r.path) else os.path.join(top, r.path)) for r in regions]
        problems += [FileProblem("git", 0, note) for note in notes]
    entries.sort(key=lambda e: (e.region.path, e.region.start, e.region.source))
    return Inventory(root, entries, problems)


def attach_findings(
    inventory: Inventory, rule_ids: Iterable[str], settings: Settings | None = None
) -> list[tuple[str, str]]:
    """Scan the files holding AI regions with ``rule_ids`` and file each finding under the regions it falls in.
    Returns the files the scanner skipped, with the reason."""
    chosen = sorted(set(rule_ids) - {REVIEW_RULE_ID})
    inventory.rules = tuple(chosen)
    files = sorted({e.file for e in inventory.entries if language_of(e.file) is not None})
    if not files or not chosen:
        return []
    base = settings or Settings(root=inventory.root)
    settings = base.with_overrides(root=inventory.root, cache=False, exclude=(), deps=False)
    result = scan_paths(settings, [Path(f) for f in files], rule_ids=chosen).report
    where = {s.display: os.path.abspath(s.path) for s in result.sources}
    for finding in result.findings:
        loc = finding.location
        full = where.get(loc.path)
        for entry in inventory.entries:
            if entry.file == full and entry.region.overlaps(loc.start_line, loc.end_line or loc.start_line):
                entry.findings.append(finding)
    return [(s.display, s.reason) for s in result.skipped]


def unreviewed_regions(paths: list[Path], root: Path, git: bool = False, excludes: Sequence[str] = ()) -> list[Region]:
    """AI-marked code with no recorded reviewer (for ``scan --require-review``); markers only unless ``git``."""
    return [e.region for e in collect(paths, root, git=git, excludes=excludes).entries if not e.region.is_reviewed]


def review_findings(regions: Iterable[Region], root: Path) -> list[Finding]:
    """``SG-REVIEW-001`` findings, one on each unreviewed region's marker line (first line for git regions)."""

    meta = code_rules()[REVIEW_RULE_ID]
    out: list[Finding] = []
    seen: dict[tuple[str, str], int] = {}
    for region in regions:
        if region.is_reviewed:
            continue
        line = region.marker_line or region.start
        snippet = _line_text(root, region.path, line)
        key = (region.path, snippet)
        seen[key] = seen.get(key, -1) + 1
        location = Location(region.path, line, 1, line, len(snippet) + 1)
        out.append(meta.finding(review_message(region), location, snippet, occurrence=seen[key]))
    return out


def review_message(region: Region) -> str:
    span = "the whole file" if region.scope == "file" else f"lines {region.start}-{region.end}"
    model = region.model or "an unnamed model"
    how = f"commit {region.commit}" if region.commit else "its slopguard:ai marker"
    return f"AI-generated code ({span}, {model}, per {how}) has no recorded reviewer; review it and record who did"


def _line_text(root: Path, path: str, line: int) -> str:
    full = path if os.path.isabs(path) else os.path.join(root, path)
    try:
        with open(full, encoding="utf-8", errors="replace") as fh:
            for number, text in enumerate(fh, start=1):
                if number == line:
                    return text.rstrip("\r\n")
    except OSError:
        pass
    return ""
