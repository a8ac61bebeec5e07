"""AI provenance from git: commits whose messages carry ``AI-Assisted-By:``/``Generated-By:`` trailers, or a
``Co-authored-by:`` naming an AI assistant, and the lines of today's files that ``git blame`` traces to them."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from slopguard.engine.markers import Region

MAX_COMMITS = 20_000
MAX_FILES = 2_000
MAX_FILE_BYTES = 2_000_000
GIT_TIMEOUT_S = 120

_TRAILER = re.compile(r"^(ai-assisted-by|generated-by|co-authored-by|reviewed-by)[ \t]*:[ \t]*(.+?)\s*$", re.I | re.M)
# Names and addresses of AI assistants and coding agents as they appear in Co-authored-by lines.
_AI_NAME = re.compile(
    r"\b(?:claude|anthropic|copilot|chatgpt|openai|gpt-?\d\w*|o\d-mini|codex|gemini|bard|cursor(?:[ -]agent)?"
    r"|codeium|windsurf|tabnine|codewhisperer|amazon[ -]q|devin|aider|sourcegraph[ -]cody|cody|jules|mistral"
    r"|llama|deepseek|qwen|ai[ -]assistant)\b",
    re.I,
)
_EMAIL = re.compile(r"\s*<[^>]*>\s*")


class GitError(Exception):
    """git data was asked for but cannot be had (not a repository, git missing or failing)."""


@dataclass(frozen=True, slots=True)
class AICommit:
    """A commit whose message says an AI assistant wrote (part of) it."""

    sha: str
    date: str  # author date, YYYY-MM-DD
    model: str
    reviewer: str | None
    reviewed: str | None
    files: tuple[str, ...]


def _git(args: Sequence[str], cwd: str | os.PathLike[str]) -> str:
    try:
        proc = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, errors="replace", timeout=GIT_TIMEOUT_S
        )
    except FileNotFoundError as exc:
        raise GitError("git is not installed (needed for --git)") from exc
    except subprocess.TimeoutExpired as exc:
        raise GitError(f"git {args[0]} took longer than {GIT_TIMEOUT_S}s") from exc
    if proc.returncode != 0:
        raise GitError(f"git {args[0]} failed: {proc.stderr.strip() or proc.returncode}")
    return proc.stdout


def repo_root(path: Path) -> Path:
    """The top folder of the git work tree holding ``path``; GitError when there is none."""
    start = path if path.is_dir() else path.parent
    if not start.is_dir():
        raise GitError(f"{path}: no such file or directory")
    try:
        out = _git(["rev-parse", "--show-toplevel"], start.resolve())
    except GitError as exc:
        if "not a git repository" in str(exc).lower():
            raise GitError(f"{path} is not inside a git repository (needed for --git)") from None
        raise
    return Path(out.strip()).resolve()


def ai_model(trailers: Iterable[tuple[str, str]]) -> str | None:
    """The assistant named by a commit's trailers, or None when none names one."""
    names: list[str] = []
    for key, value in trailers:
        key = key.lower()
        name = _EMAIL.sub(" ", value).strip() or value.strip()
        is_ai = key in ("ai-assisted-by", "generated-by") or (key == "co-authored-by" and _AI_NAME.search(value))
        if is_ai and name and name not in names:
            names.append(name)
    return ", ".join(names) or None


def ai_commits(top: Path, max_commits: int = MAX_COMMITS) -> list[AICommit]:
    """Commits (newest first, at most ``max_commits`` looked at) whose messages name an AI assistant."""
    fmt = "%x1e%H%x1f%aI%x1f%cI%x1f%B%x1f"
    args = ["log", "-z", "--name-only", "--no-renames", f"--max-count={max_commits}", "-i", "--format=" + fmt]
    args += [f"--grep={k}" for k in ("AI-Assisted-By", "Generated-By", "Co-authored-by")]
    try:
        out = _git(args, top)
    except GitError as exc:
        if "does not have any commits" in str(exc):
            return []
        raise
    commits: list[AICommit] = []
    for record in out.split("\x1e")[1:]:
        parts = record.split("\x1f")
        if len(parts) < 5:
            continue
        sha, authored, committed, body, tail = parts[:5]
        trailers = [(k, v) for k, v in _TRAILER.findall(body)]
        model = ai_model(trailers)
        if model is None:
            continue
        reviewers = [_EMAIL.sub(" ", v).strip() for k, v in trailers if k.lower() == "reviewed-by"]
        reviewer = ", ".join(r for r in reviewers if r) or None
        files = tuple(f for f in tail.strip("\0\n").split("\0") if f.strip("\n"))
        commits.append(AICommit(sha, authored[:10], model, reviewer, committed[:10] if reviewer else None, files))
    return commits


def blame_lines(top: Path, rel: str) -> dict[str, list[int]]:
    """For one file of the work tree: commit sha -> the (1-based) current line numbers it last changed."""
    out = _git(["blame", "--line-porcelain", "--", rel], top)
    lines: dict[str, list[int]] = {}
    for row in out.splitlines():
        if not row or row[0] == "\t":
            continue
        head = row.split(" ")
        if len(head) >= 3 and len(head[0]) >= 40 and all(c in "0123456789abcdef" for c in head[0]):
            lines.setdefault(head[0], []).append(int(head[2]))
    return lines


def trailer_regions(
    paths: Sequence[Path], name_of: Callable[[str], str] | None = None
) -> tuple[list[Region], list[str]]:
    """Regions of the files under ``paths`` last changed by AI-trailer commits, and notes on what was skipped.

    ``name_of`` turns an absolute path into the name to report (default: relative to the repository top)."""
    repos: dict[Path, list[str]] = {}
    for path in paths:
        repos.setdefault(repo_root(path), []).append(os.path.realpath(path))
    regions: list[Region] = []
    notes: list[str] = []
    for top, wanted in repos.items():
        regions += _repo_regions(top, wanted, name_of, notes)
    regions.sort(key=lambda r: (r.path, r.start))
    return regions, notes


def _repo_regions(top: Path, wanted: list[str], name_of: Callable[[str], str] | None, notes: list[str]) -> list[Region]:
    by_file: dict[str, list[AICommit]] = {}
    for commit in ai_commits(top):
        for rel in commit.files:
            full = os.path.join(top, rel)
            if any(full == w or full.startswith(w.rstrip(os.sep) + os.sep) for w in wanted):
                by_file.setdefault(rel, []).append(commit)
    regions: list[Region] = []
    for n, (rel, commits) in enumerate(sorted(by_file.items())):
        full = os.path.join(top, rel)
        if n >= MAX_FILES:
            notes.append(f"git: stopped after {MAX_FILES} files touched by AI commits in {top}")
            break
        try:
            if not os.path.isfile(full) or os.path.getsize(full) > MAX_FILE_BYTES:
                continue
            blamed = blame_lines(top, rel)
        except (OSError, GitError) as exc:
            notes.append(f"{rel}: git blame failed: {exc}")
            continue
        name = name_of(full) if name_of else rel
        for commit in {c.sha: c for c in commits}.values():
            regions += _runs(name, commit, sorted(blamed.get(commit.sha, [])))
    return regions


def _runs(name: str, commit: AICommit, numbers: list[int]) -> list[Region]:
    out: list[Region] = []
    start = prev = None
    for number in [*numbers, None]:
        if start is not None and prev is not None and (number is None or number != prev + 1):
            out.append(
                Region(
                    name,
                    start,
                    prev,
                    "lines",
                    "trailer",
                    commit.model,
                    commit.date,
                    commit.reviewer,
                    commit.reviewed,
                    marker_line=start,
                    commit=commit.sha[:12],
                )
            )
            start = None
        if number is not None and start is None:
            start = number
        prev = number
    return out
