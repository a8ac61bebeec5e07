"""Find the files to scan: honour .gitignore and excludes, skip vendored/generated folders, never leave the root.

What is left out on purpose (excludes, .gitignore, vendored folders, file types slopguard does not read) is listed
in ``excluded``; what should have been scanned and cannot be (a broken link, an unreadable folder) in ``skipped``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from slopguard.core.files import NotReadable, read_regular
from slopguard.core.roles import EXCLUDED_BY_DEFAULT, Role, RoleSpecs, excluded_reason, role_of

if TYPE_CHECKING:
    import pathspec

# Tool and version-control metadata: never source, not worth listing.
METADATA_DIRS = frozenset(
    {".git", ".hg", ".svn", ".tox", ".nox", ".mypy_cache", ".ruff_cache", ".pytest_cache", ".slopguard_cache",
     "__pycache__", ".idea", ".vscode"}
)  # fmt: skip
# Other people's code and build output: left out, and listed as excluded.
VENDORED_DIRS = frozenset(
    {".venv", "venv", "node_modules", "site-packages", "bower_components", "vendor", "third_party", "third-party",
     ".eggs", "build", "dist", "_build", "target", ".next"}
)  # fmt: skip
SKIP_DIRS = METADATA_DIRS | VENDORED_DIRS
MAX_IGNORE_FILE = 1_000_000
UNREAD_FILE_TYPE = "not a kind of file slopguard reads"  # the reason for a named file of no known kind
Ignores = list[tuple[str, "pathspec.GitIgnoreSpec"]]
# A file name -> the language it is scanned as, or None for files that are not read (the engine's table).
Classify = Callable[[str], str | None]


@dataclass(frozen=True, slots=True)
class SourceFile:
    """A file to scan: where it is, how to show it, which language, and what it is for (core/roles.py)."""

    path: str
    display: str
    language: str
    role: str = Role.SOURCE


@dataclass(frozen=True, slots=True)
class Skipped:
    """A file or folder not scanned, and why."""

    display: str
    reason: str


def _spec(lines: list[str]) -> pathspec.GitIgnoreSpec:
    import pathspec  # only trees with .gitignore files or excludes pay for it

    return pathspec.GitIgnoreSpec.from_lines(lines)


def _gitignore(directory: str, names: Iterable[str]) -> pathspec.GitIgnoreSpec | None:
    lines: list[str] = []
    for name in names:
        path = os.path.join(directory, name)
        try:
            lines += read_regular(path, MAX_IGNORE_FILE).decode("utf-8", "replace").splitlines()
        except NotReadable:
            continue
    return _spec(lines) if lines else None


def _link_problem(path: str) -> str | None:
    """Why a symlink cannot be followed (loop, dangling), or None."""
    try:
        os.stat(path)
        return None
    except OSError as exc:
        return "symlink loop" if exc.errno == 40 or "loop" in str(exc).lower() else "broken symlink"


class Discovery:
    """Walks the given paths relative to ``root`` (used for display, excludes and the symlink boundary);
    ``classify`` says which language a file is scanned as (None: not read)."""

    def __init__(
        self,
        root: Path,
        excludes: Iterable[str] = (),
        respect_gitignore: bool = True,
        *,
        classify: Classify,
        roles: RoleSpecs | None = None,
        role_policy: bool = False,
    ) -> None:
        self.classify = classify
        self.roles = roles or {}
        self.role_policy = role_policy  # leave out vendored, minified and generated files (listed as excluded)
        self.root = str(root.resolve())
        self.prefix = self.root.rstrip(os.sep) + os.sep
        patterns = list(excludes)
        self.exclude = _spec(patterns) if patterns else None
        self.respect_gitignore = respect_gitignore
        self.skipped: list[Skipped] = []  # should have been scanned and could not be: fails the scan
        self.excluded: list[Skipped] = []  # left out on purpose: never fails the scan

    def _display(self, path: str) -> str:
        """``path`` (absolute, normalised) relative to the root, or whole when it lies outside the root."""
        if path.startswith(self.prefix):
            return path[len(self.prefix) :].replace(os.sep, "/")
        return "." if path == self.root else path.replace(os.sep, "/")

    def _inside(self, real: str) -> bool:
        return real == self.root or real.startswith(self.root.rstrip(os.sep) + os.sep)

    def _excluded(self, display: str, is_dir: bool) -> bool:
        return self.exclude is not None and self.exclude.match_file(display + "/" if is_dir else display)

    def files(self, paths: Iterable[Path]) -> Iterator[SourceFile]:
        seen: set[str] = set()
        for given in paths:
            path = os.path.abspath(given)
            if not os.path.lexists(path):
                self.skipped.append(Skipped(self._display(path), "no such file or directory"))
                continue
            if os.path.isdir(path) and not os.path.islink(path):
                yield from self._walk(path, seen)
            else:
                found = self._file(path, explicit=True)
                if found and path not in seen:
                    seen.add(path)
                    yield found

    def _file(
        self, path: str, explicit: bool, is_link: bool | None = None, language: str | None = None
    ) -> SourceFile | None:
        display = self._display(path)
        if self._excluded(display, False):
            self.excluded.append(Skipped(display, "excluded by configuration"))
            return None
        language = language or self.classify(path)
        if language is None:
            if explicit:
                self.excluded.append(Skipped(display, UNREAD_FILE_TYPE))
            return None
        if is_link if is_link is not None else os.path.islink(path):
            problem = _link_problem(path)
            if problem:
                self.skipped.append(Skipped(display, problem))
                return None
            real = os.path.realpath(path)
            if not self._inside(real):
                self.skipped.append(Skipped(display, "symlink points outside the scanned root"))
                return None
            if not os.path.isfile(real):
                return None
        role = role_of(display, self.roles)
        if self.role_policy and role in EXCLUDED_BY_DEFAULT:
            self.excluded.append(Skipped(display, excluded_reason(role)))
            return None
        return SourceFile(path, display, language, role)

    def _walk(self, top: str, seen: set[str]) -> Iterator[SourceFile]:
        ignores: Ignores = []
        if self.respect_gitignore:
            # .gitignore files of the folders between the root and the starting point apply too.
            chain = [top]
            while self._inside(chain[-1]) and chain[-1] != self.root and os.path.dirname(chain[-1]) != chain[-1]:
                chain.append(os.path.dirname(chain[-1]))
            for directory in reversed(chain[1:]):
                spec = _gitignore(directory, (".gitignore", ".git/info/exclude"))
                if spec:
                    ignores.append((directory, spec))
        yield from self._walk_dir(top, ignores, seen)

    @staticmethod
    def _ignored(path: str, is_dir: bool, ignores: Ignores) -> bool:
        for base, spec in ignores:
            rel = os.path.relpath(path, base).replace(os.sep, "/")
            if spec.match_file(rel + "/" if is_dir else rel):
                return True
        return False

    def _left_out_dir(self, name: str, path: str, active: Ignores) -> str | None:
        """Why a folder is not walked ("" for tool metadata, not listed), or None to walk it."""
        if name in METADATA_DIRS:
            return ""
        if name in VENDORED_DIRS or name.endswith(".egg-info"):
            return "vendored or generated folder"
        if self._excluded(self._display(path), True):
            return "excluded by configuration"
        if active and self._ignored(path, True, active):
            return "ignored by .gitignore"
        return None

    def _walk_dir(self, directory: str, ignores: Ignores, seen: set[str]) -> Iterator[SourceFile]:
        pending: list[tuple[str, Ignores]] = [(directory, ignores)]
        while pending:
            current, active = pending.pop()
            try:
                with os.scandir(current) as listing:
                    entries = list(listing)
            except OSError as exc:
                self.skipped.append(Skipped(self._display(current), f"cannot read directory: {exc.strerror}"))
                continue
            if self.respect_gitignore:
                names = [n for n in (".gitignore", ".git") if any(e.name == n for e in entries)]
                if names:
                    files = [".gitignore" if n == ".gitignore" else ".git/info/exclude" for n in names]
                    spec = _gitignore(current, files)
                    if spec:
                        active = [*active, (current, spec)]
            subdirs: list[str] = []
            for entry in entries:
                path = entry.path
                is_link = entry.is_symlink()
                if is_link:
                    problem = _link_problem(path)
                    if problem:
                        if problem == "symlink loop" or self.classify(entry.name) is not None:
                            self.skipped.append(Skipped(self._display(path), problem))
                        continue
                    if os.path.isdir(path):
                        # Never followed: inside the root its target is scanned at its real path.
                        if not self._inside(os.path.realpath(path)):
                            display = self._display(path)
                            self.skipped.append(Skipped(display, "symlink points outside the scanned root"))
                        continue
                elif entry.is_dir(follow_symlinks=False):
                    why = self._left_out_dir(entry.name, path, active)
                    if why is None:
                        subdirs.append(path)
                    elif why:
                        self.excluded.append(Skipped(self._display(path) + "/", why))
                    continue
                language = self.classify(entry.name)
                if language is None:
                    continue
                if active and self._ignored(path, False, active):
                    self.excluded.append(Skipped(self._display(path), "ignored by .gitignore"))
                    continue
                found = self._file(path, explicit=False, is_link=is_link, language=language)
                if found and path not in seen:
                    seen.add(path)
                    yield found
            pending.extend((sub, active) for sub in reversed(subdirs))
