"""pip requirements files: one requirement per logical line, ``-r`` includes followed, pip's options skipped."""

from __future__ import annotations

import posixpath
import re
import shlex
from collections.abc import Iterator
from pathlib import Path

from slopguard.deps.manifests.common import ManifestError, ParsedManifest, add_pep508, read_text

_COMMENT = re.compile(r"(^|\s+)#.*$")
_INCLUDE = ("-r", "--requirement")
_IGNORED = frozenset({
    "-c", "--constraint", "-e", "--editable", "-i", "--index-url", "--extra-index-url", "--no-index", "-f",
    "--find-links", "--pre", "--prefer-binary", "--require-hashes", "--only-binary", "--no-binary",
    "--trusted-host", "--use-feature", "--hash", "--config-settings", "--global-option", "--install-option",
    "--no-deps",
})  # fmt: skip


def read_requirements(path: Path, display: str, out: ParsedManifest, seen: set[Path]) -> None:
    """Add the requirements of ``path`` and of the files it includes (each file once, cycles ignored)."""
    try:
        key = path.resolve()
    except OSError:
        key = path.absolute()
    if key in seen:  # an include cycle, or a file already read through another include
        return
    seen.add(key)
    text = read_text(path, display)
    out.sources.append(display)
    for line_no, line in _logical_lines(text):
        if not line:
            continue
        if not line.startswith("-"):
            # Per-requirement options (--hash=..., --config-settings) follow the requirement, as in pip.
            words = line.split()
            cut = next((i for i, w in enumerate(words) if w.startswith("-")), len(words))
            add_pep508(" ".join(words[:cut]), display, line_no, out)
            continue
        option, value = _split_option(line)
        if option in _INCLUDE:
            include(path, display, value, line_no, out, seen)
        elif option not in _IGNORED:
            out.problem(display, line_no, f"unknown option {option!r}")


def include(path: Path, display: str, value: str, line: int, out: ParsedManifest, seen: set[Path]) -> None:
    """Read the requirements file ``value`` names, relative to ``path``; a failure is a problem at ``line``."""
    if not value:
        out.problem(display, line, "-r needs a file name")
        return
    if "://" in value:
        out.problem(display, line, f"remote requirements file not followed: {value}")
        return
    target = Path(value) if Path(value).is_absolute() else path.parent / value
    shown = (
        value if Path(value).is_absolute() else posixpath.normpath(posixpath.join(posixpath.dirname(display), value))
    )
    try:
        read_requirements(target, shown, out, seen)
    except ManifestError as exc:
        out.problem(display, line, f"included file not read: {exc}")


def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """Lines with comments removed and backslash continuations joined, each with its first line number."""
    parts: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), 1):
        if not parts:
            start = number
        line = _COMMENT.sub("", raw).rstrip()
        if line.endswith("\\"):
            parts.append(line[:-1])
            continue
        parts.append(line)
        yield start, " ".join(p.strip() for p in parts).strip()
        parts = []
    if parts:
        yield start, " ".join(p.strip() for p in parts).strip()


def _split_option(line: str) -> tuple[str, str]:
    try:
        tokens = shlex.split(line)
    except ValueError:
        tokens = line.split()
    option = tokens[0]
    if option.startswith("--") and "=" in option:
        option, value = option.split("=", 1)
        return option, value
    if len(option) > 2 and not option.startswith("--"):
        return option[:2], option[2:]
    return option, tokens[1] if len(tokens) > 1 else ""
