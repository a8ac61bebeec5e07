"""The files ``slopguard classify`` looks at: those under the given files and folders (found by the project's one
walker), or those changed since a git revision; and their text."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable
from pathlib import Path

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


def _git(args: list[str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, timeout=60)
    except (OSError, subprocess.SubprocessError) as exc:
        raise ClassifyInputError(f"cannot run git: {exc}") from exc


def changed_files(rev: str, cwd: Path) -> tuple[Path, list[Path], list[str]]:
    """(repository root, files changed since ``rev`` that still exist, deleted paths). Changed means
    ``git diff --name-only REV`` (committed, staged and unstaged changes) plus untracked, not ignored files."""
    top = _git(["rev-parse", "--show-toplevel"], cwd)
    if top.returncode != 0:
        raise ClassifyInputError(f"not a git repository: {cwd}")
    root = Path(os.fsdecode(top.stdout.strip()))
    if (
        not rev
        or rev.startswith("-")
        or _git(["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], root).returncode
    ):
        raise ClassifyInputError(f"unknown revision {rev!r} (not a commit in {root})")

    def names(args: list[str]) -> list[str]:
        proc = _git(args, root)
        if proc.returncode != 0:
            raise ClassifyInputError(f"git {' '.join(args)} failed: {proc.stderr.decode(errors='replace').strip()}")
        return [os.fsdecode(p) for p in proc.stdout.split(b"\0") if p]

    changed = names(["diff", "--name-only", "-z", "--diff-filter=d", rev, "--"])
    untracked = names(["ls-files", "--others", "--exclude-standard", "-z"])
    deleted = names(["diff", "--name-only", "-z", "--diff-filter=D", rev, "--"])
    files = [root / p for p in dict.fromkeys(sorted([*changed, *untracked])) if (root / p).is_file()]
    return root, files, deleted
