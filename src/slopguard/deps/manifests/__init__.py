"""Dependency manifests: which registry packages a project names, and on which line of which file.

Direct references (``name @ URL``, bare URLs and paths, VCS links, editables, ``file:``/``link:``/git specs in
npm) are not registry packages and yield no reference at all: there is nothing in a registry to verify. A line
that cannot be understood is reported as a :class:`ManifestProblem` while the rest of the file is still read; a
file that cannot be read at all raises :class:`ManifestError`. One module per manifest family reads the files.
"""

from __future__ import annotations

import posixpath
from pathlib import Path

from slopguard.deps.manifests.common import (
    LineFinder,
    ManifestError,
    ManifestProblem,
    ParsedManifest,
    load_json,
    load_toml,
    read_text,
)
from slopguard.deps.manifests.package_json import JsonKeys, npm_alias, read_package_json, read_package_lock
from slopguard.deps.manifests.pyproject import read_pipfile, read_pyproject
from slopguard.deps.manifests.requirements import read_requirements
from slopguard.deps.manifests.setup_cfg import read_setup_cfg

__all__ = [
    "MANIFEST_NAMES",
    "ManifestError",
    "ManifestProblem",
    "ParsedManifest",
    "is_manifest",
    "manifest_kind",
    "npm_alias",
    "parse_manifest",
]

MANIFEST_NAMES = frozenset({"pyproject.toml", "setup.cfg", "Pipfile", "package.json", "package-lock.json"})


def manifest_kind(name: str) -> str | None:
    """ "requirements", "pyproject", "setup.cfg", "pipfile", "package.json", "package-lock" or None.

    ``name`` is a file name or a relative path; ``requirements/*.txt`` counts as a requirements file.
    """
    path = name.replace("\\", "/")
    base = posixpath.basename(path)
    kinds = {"pyproject.toml": "pyproject", "setup.cfg": "setup.cfg", "Pipfile": "pipfile"}
    if base in kinds:
        return kinds[base]
    if base in ("package.json", "package-lock.json"):
        return "package.json" if base == "package.json" else "package-lock"
    low = base.lower()
    if low.endswith((".txt", ".in")) and (
        "requirements" in low or posixpath.basename(posixpath.dirname(path)) == "requirements"
    ):
        return "requirements"
    return None


def is_manifest(name: str) -> bool:
    return manifest_kind(name) is not None


def parse_manifest(path: Path, display: str) -> ParsedManifest:
    """Read one manifest; ``display`` is how references name the file (relative to the scan root)."""
    kind = manifest_kind(path.as_posix())
    if kind is None:
        raise ManifestError(f"{display}: not a manifest slopguard reads")
    out = ParsedManifest()
    if kind == "requirements":
        read_requirements(path, display, out, set())
        return out
    text = read_text(path, display)
    out.sources.append(display)
    if kind == "package.json":
        read_package_json(load_json(text, display), JsonKeys(text), display, out)
    elif kind == "package-lock":
        read_package_lock(load_json(text, display), JsonKeys(text), display, out)
    elif kind == "setup.cfg":
        read_setup_cfg(path, text, display, out)
    elif kind == "pyproject":
        read_pyproject(load_toml(text, display), LineFinder(text), display, out)
    else:
        read_pipfile(load_toml(text, display), LineFinder(text), display, out)
    return out
