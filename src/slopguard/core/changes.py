"""The files changed since a git revision: what ``review --diff`` and ``scan --diff`` look at.

Changed means what ``git diff --name-only REV`` lists (committed, staged and unstaged changes; a renamed file under
its new path) plus untracked files that are not ignored. The revision is checked to name a commit before it is
used, and git gets it after ``--`` separated arguments, never through a shell. The repository is untrusted: its
configuration may not run programs (no fsmonitor hook, no external diff or text conversion).
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

# Never part of a change: slopguard's own records and cache.
OWN_DIRS = (".slopguard/", ".slopguard_cache/")
GIT_TIMEOUT_S = 60
# Settings of the scanned repository that would run a program of its choosing while git lists the change.
_UNTRUSTED_REPO = ("-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null", "-c", "diff.external=")


class ChangeError(Exception):
    """The change cannot be listed (not a repository, not a revision, git missing or failing)."""


@dataclass(frozen=True)
class ChangedFiles:
    """The repository's top folder, the changed files that exist, and the deleted ones (paths relative to it)."""

    root: Path
    present: list[str]
    deleted: list[str]

    def under(self, limits: list[Path]) -> tuple[list[Path], list[str]]:
        """The present files (as paths) and deleted names inside ``limits`` (all of them when it is empty)."""
        resolved = [limit.resolve() for limit in limits]
        files = [self.root / n for n in self.present if _inside((self.root / n).resolve(), resolved)]
        gone = [n for n in self.deleted if _inside((self.root / n).resolve(), resolved)]
        return files, gone


def _inside(path: Path, limits: list[Path]) -> bool:
    return not limits or any(path == limit or limit in path.parents for limit in limits)


def _git(args: list[str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            ["git", *_UNTRUSTED_REPO, *args], cwd=cwd, capture_output=True, check=False, timeout=GIT_TIMEOUT_S
        )
    except FileNotFoundError:
        raise ChangeError("--diff needs git, which is not installed") from None
    except OSError as exc:
        raise ChangeError(f"cannot run git: {exc}") from None
    except subprocess.TimeoutExpired:
        raise ChangeError(f"git {args[0]} took too long") from None


def _first_line(data: bytes) -> str:
    lines = data.decode("utf-8", "replace").strip().splitlines()
    return lines[0].removeprefix("fatal: ") if lines else "git failed"


def _names(data: bytes) -> list[str]:
    return [os.fsdecode(name) for name in data.split(b"\0") if name]


def changed_files(rev: str, cwd: Path) -> ChangedFiles:
    """The files changed since ``rev`` in the git repository that contains ``cwd``."""
    if not rev.strip() or rev.startswith("-") or any(not ch.isprintable() for ch in rev):
        raise ChangeError(f"--diff: unknown revision {rev!r}")
    top = _git(["rev-parse", "--show-toplevel"], cwd)
    if top.returncode != 0:
        raise ChangeError(f"--diff: {cwd} is not inside a git repository")
    root = Path(os.fsdecode(top.stdout.strip()))
    commit = _git(["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], root)
    if commit.returncode != 0:
        raise ChangeError(f"--diff: unknown revision {rev!r} (not a commit in {root})")
    sha = commit.stdout.decode("ascii", "replace").strip()
    diff = _git(["diff", "--name-only", "-z", "--no-ext-diff", "--no-textconv", sha, "--"], root)
    if diff.returncode != 0:
        raise ChangeError(f"--diff: cannot compare with {rev!r}: {_first_line(diff.stderr)}")
    untracked = _git(["ls-files", "--others", "--exclude-standard", "-z"], root)
    if untracked.returncode != 0:
        raise ChangeError(f"--diff: cannot list untracked files: {_first_line(untracked.stderr)}")
    names = {n for n in _names(diff.stdout) + _names(untracked.stdout) if not n.startswith(OWN_DIRS)}
    present = sorted(n for n in names if (root / n).is_file())
    deleted = sorted(n for n in names if not (root / n).exists())
    return ChangedFiles(root, present, deleted)
