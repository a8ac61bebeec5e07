"""The files ``slopguard classify`` looks at: those under the given files and folders (found by the project's one
walker), or those changed since a git revision; and their text."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from slopguard.core.changes import ChangeError
from slopguard.core.changes import changed_files as core_changed_files
from slopguard.core.discovery import Discovery, SourceFile

MAX_READ = 1_000_000


class ClassifyInputError(Exception):
    """Bad input for classify (not a git repository, unknown revision, ...): the CLI exits 2 with the message."""


def _every_file(name: str) -> str:
    """Every file is classified, whatever its type: where it lives is a signal on its own (a migration ``.sql``,
    a notebook, a binary under ``payments/``)."""
    return "file"


def expand(paths: Iterable[Path], root: Path) -> tuple[list[SourceFile], list[tuple[str, str]]]:
    """Files under ``paths``, each folder's sorted by path (vendored, cache and VCS folders and git-ignored files
    left out), and the paths skipped with the reason; displays are relative to ``root``."""
    discovery = Discovery(root, classify=_every_file)
    found: dict[str, SourceFile] = {}
    for given in paths:
        for source in sorted(discovery.files([given]), key=lambda s: s.display):
            found.setdefault(source.path, source)
    return list(found.values()), [(s.display, s.reason) for s in discovery.skipped]


def read_text(path: str) -> str | None:
    """A file's text, or None when it is unreadable, larger than ``MAX_READ`` or binary."""
    try:
        if os.path.getsize(path) > MAX_READ:
            return None
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError:
        return None
    return None if b"\0" in data[:8192] else data.decode("utf-8", errors="replace")


def changed_files(rev: str, cwd: Path) -> tuple[Path, list[Path], list[str]]:
    """(repository root, files changed since ``rev`` that still exist, deleted paths): see
    :func:`slopguard.core.changes.changed_files`."""
    try:
        changed = core_changed_files(rev, cwd)
    except ChangeError as exc:
        raise ClassifyInputError(str(exc).removeprefix("--diff: ")) from None
    files, deleted = changed.under([])
    return changed.root, files, deleted
