"""Find the files to scan: honour .gitignore and excludes, skip vendored/generated folders, never leave the root."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pathspec

from slopguard.core.languages import language_of

SKIP_DIRS = frozenset(
    {
        ".git", ".hg", ".svn", ".tox", ".nox", ".venv", "venv", ".mypy_cache", ".ruff_cache", ".pytest_cache",
        ".slopguard_cache", "__pycache__", "node_modules", "site-packages", "bower_components", "vendor",
        "third_party", "third-party", ".eggs", "build", "dist", "_build", "target", ".next", ".idea", ".vscode",
    }
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class SourceFile:
    """A file to scan: where it is, how to show it, which language."""

    path: Path
    display: str
    language: str


@dataclass(frozen=True, slots=True)
class Skipped:
    """A file not scanned, and why."""

    display: str
    reason: str


def _display(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def _gitignore(directory: Path) -> pathspec.PathSpec | None:
    lines: list[str] = []
    for name in (".gitignore", ".git/info/exclude"):
        try:
            lines += (directory / name).read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            continue
    return pathspec.GitIgnoreSpec.from_lines(lines) if lines else None


class Discovery:
    """Walks the given paths relative to ``root`` (used for display, excludes and the symlink boundary)."""

    def __init__(self, root: Path, excludes: Iterable[str] = (), respect_gitignore: bool = True) -> None:
        self.root = root.resolve()
        self.exclude = pathspec.GitIgnoreSpec.from_lines(list(excludes))
        self.respect_gitignore = respect_gitignore
        self.skipped: list[Skipped] = []

    def files(self, paths: Iterable[Path]) -> Iterator[SourceFile]:
        seen: set[Path] = set()
        for given in paths:
            given = given.absolute()
            if not given.exists() and not given.is_symlink():
                self.skipped.append(Skipped(_display(given, self.root), "no such file or directory"))
                continue
            if given.is_dir() and not given.is_symlink():
                yield from self._walk(given, seen)
            else:
                found = self._file(given, explicit=True)
                if found and found.path not in seen:
                    seen.add(found.path)
                    yield found

    def _excluded(self, display: str, is_dir: bool) -> bool:
        return self.exclude.match_file(display + "/" if is_dir else display)

    def _outside(self, real: Path) -> bool:
        return not real.is_relative_to(self.root)

    def _file(self, path: Path, explicit: bool) -> SourceFile | None:
        display = _display(path, self.root)
        if self._excluded(display, False):
            if explicit:
                self.skipped.append(Skipped(display, "excluded by configuration"))
            return None
        language = language_of(path)
        if language is None:
            if explicit:
                self.skipped.append(Skipped(display, "unsupported file type"))
            return None
        if path.is_symlink():
            try:
                real = path.resolve(strict=True)
            except (OSError, RuntimeError) as exc:
                reason = "symlink loop" if "loop" in str(exc).lower() else "broken symlink"
                self.skipped.append(Skipped(display, reason))
                return None
            if self._outside(real):
                self.skipped.append(Skipped(display, "symlink points outside the scanned root"))
                return None
            if not real.is_file():
                return None
        return SourceFile(path, display, language)

    def _walk(self, top: Path, seen: set[Path]) -> Iterator[SourceFile]:
        ignores: list[tuple[Path, pathspec.PathSpec]] = []
        if self.respect_gitignore:
            # .gitignore files of the folders above the starting point apply too, up to the root.
            for parent in reversed([top, *top.parents]):
                if parent.is_relative_to(self.root) or parent == self.root:
                    spec = _gitignore(parent)
                    if spec:
                        ignores.append((parent, spec))
        yield from self._walk_dir(top, ignores, seen)

    def _ignored(self, path: Path, is_dir: bool, ignores: list[tuple[Path, pathspec.PathSpec]]) -> bool:
        for base, spec in ignores:
            try:
                rel = path.relative_to(base).as_posix()
            except ValueError:
                continue
            if spec.match_file(rel + "/" if is_dir else rel):
                return True
        return False

    def _walk_dir(
        self, directory: Path, ignores: list[tuple[Path, pathspec.PathSpec]], seen: set[Path]
    ) -> Iterator[SourceFile]:
        pending: list[tuple[Path, list[tuple[Path, pathspec.PathSpec]]]] = [(directory, ignores)]
        while pending:
            current, active = pending.pop()
            try:
                entries = sorted(os.scandir(current), key=lambda e: e.name)
            except OSError as exc:
                self.skipped.append(Skipped(_display(current, self.root), f"cannot read directory: {exc.strerror}"))
                continue
            subdirs: list[Path] = []
            for entry in entries:
                path = Path(entry.path)
                is_link = entry.is_symlink()
                is_dir = entry.is_dir(follow_symlinks=False)
                if is_link:
                    try:
                        real = path.resolve(strict=True)
                    except (OSError, RuntimeError) as exc:
                        reason = "symlink loop" if "loop" in str(exc).lower() else "broken symlink"
                        if language_of(path) is not None or reason == "symlink loop":
                            self.skipped.append(Skipped(_display(path, self.root), reason))
                        continue
                    if real.is_dir():
                        # Never followed: inside the root its target is scanned at its real path.
                        if self._outside(real):
                            display = _display(path, self.root)
                            self.skipped.append(Skipped(display, "symlink points outside the scanned root"))
                        continue
                if is_dir:
                    if entry.name in SKIP_DIRS or entry.name.endswith(".egg-info"):
                        continue
                    display = _display(path, self.root)
                    if self._excluded(display, True) or self._ignored(path, True, active):
                        continue
                    subdirs.append(path)
                    continue
                if self._ignored(path, False, active):
                    continue
                found = self._file(path, explicit=False)
                if found and found.path not in seen:
                    seen.add(found.path)
                    yield found
            for sub in reversed(subdirs):
                spec = _gitignore(sub) if self.respect_gitignore else None
                pending.append((sub, [*active, (sub, spec)] if spec else active))
