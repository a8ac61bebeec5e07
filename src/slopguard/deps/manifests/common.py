"""What every manifest reader shares: the result types, strict file loading, PEP 508 entries, line finding."""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement

from slopguard.deps.model import Ecosystem, PackageRef


class ManifestError(Exception):
    """A manifest that cannot be read at all: unreadable, not UTF-8, invalid TOML/JSON/INI."""


@dataclass(frozen=True, slots=True)
class ManifestProblem:
    """One entry that could not be understood (the rest of the file was read)."""

    path: str
    line: int
    message: str


@dataclass
class ParsedManifest:
    """The registry packages a manifest names, the entries it could not read, and the files it read."""

    refs: list[PackageRef] = field(default_factory=list)
    problems: list[ManifestProblem] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)

    def problem(self, display: str, line: int, message: str) -> None:
        self.problems.append(ManifestProblem(display, line, message))


# -- reading -------------------------------------------------------------------------------------------------


def read_text(path: Path, display: str) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ManifestError(f"{display}: not UTF-8 text") from None
    except OSError as exc:
        raise ManifestError(f"{display}: cannot read ({exc.strerror or exc})") from None


def load_toml(text: str, display: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ManifestError(f"{display}: invalid TOML: {exc}") from None


def load_json(text: str, display: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ManifestError(f"{display}: invalid JSON at line {exc.lineno}: {exc.msg}") from None
    if not isinstance(data, dict):
        raise ManifestError(f"{display}: expected a JSON object at the top level")
    return data


def first_line(exc: Exception) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


# -- PEP 508 (requirements files, pyproject, setup.cfg) ------------------------------------------------------

_ARCHIVES = (".whl", ".zip", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar")
_VCS = ("git+", "hg+", "svn+", "bzr+", "file:")


def is_location(text: str) -> bool:
    """A bare URL, path, archive or VCS link rather than a name."""
    head = text.split(";")[0].split()  # a line of only a marker (";") has no first word
    first = head[0] if head else text
    return (
        "://" in first
        or "/" in first
        or "\\" in first
        or first.startswith((".", "~", *_VCS))
        or first.lower().endswith(_ARCHIVES)
    )


def exact_version(req: Requirement) -> str | None:
    """The version a requirement pins exactly (``==1.2`` / ``===1.2``), else None."""
    specs = list(req.specifier)
    if len(specs) == 1 and specs[0].operator in ("==", "===") and "*" not in specs[0].version:
        return specs[0].version
    return None


def add_pep508(text: str, display: str, line: int, out: ParsedManifest) -> None:
    """Add the registry package named by one PEP 508 string (nothing for direct references)."""
    text = text.strip()
    if not text or is_location(text):
        return
    try:
        req = Requirement(text)
    except InvalidRequirement as exc:
        out.problem(display, line, f"not a valid requirement {text!r}: {first_line(exc)}")
        return
    if req.url is None:
        spec = str(req.specifier)
        out.refs.append(PackageRef(Ecosystem.PYPI, req.name, exact_version(req), spec, display, line))


# -- line numbers in TOML and INI text -----------------------------------------------------------------------


class LineFinder:
    """Finds the line of a table, a key or a string entry in TOML or INI text (0-based, searching forward)."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()

    def table(self, dotted: str) -> int | None:
        for i, raw in enumerate(self.lines):
            line = raw.strip()
            if line.startswith("[") and not line.startswith("[[") and "]" in line:
                inner = line[1 : line.index("]")]
                if re.sub(r"[\s\"']", "", inner) == dotted:
                    return i
        return None

    def key(self, key: str, start: int) -> int:
        k = re.escape(key)
        pattern = re.compile(rf"(?:^|[{{,])\s*(?:\"{k}\"|'{k}'|{k})\s*=")
        for i in range(start, len(self.lines)):
            if pattern.search(self.lines[i]):
                return i
        return start

    def entry(self, value: str, start: int, name: str = "") -> int:
        for needles in ((f'"{value}"', f"'{value}'"), (f'"{name}', f"'{name}") if name else ()):
            for i in range(start, len(self.lines)):
                if any(n in self.lines[i] for n in needles):
                    return i
        return start

    def containing(self, text: str, start: int) -> int:
        """The first line from ``start`` that contains ``text`` (``start`` when none does)."""
        return next((i for i in range(start, len(self.lines)) if text in self.lines[i]), start)
