"""Dependency manifests: which registry packages a project names, and on which line of which file.

Direct references (``name @ URL``, bare URLs and paths, VCS links, editables, ``file:``/``link:``/git specs in
npm) are not registry packages and yield no reference at all: there is nothing in a registry to verify. A line
that cannot be understood is reported as a :class:`ManifestProblem` while the rest of the file is still read; a
file that cannot be read at all raises :class:`ManifestError`. One module per manifest family reads the files.

Lockfiles give every registry package they pin at its exact version; a package that only other packages need is
marked ``transitive``. ``pairing`` joins a lockfile to the manifest beside it: one reference per package.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
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
from slopguard.deps.manifests.npm_locks import read_pnpm_lock, read_yarn_lock
from slopguard.deps.manifests.package_json import JsonKeys, npm_alias, read_package_json, read_package_lock
from slopguard.deps.manifests.pyproject import read_pipfile, read_pyproject
from slopguard.deps.manifests.python_locks import read_pdm_lock, read_pipfile_lock, read_poetry_lock, read_uv_lock
from slopguard.deps.manifests.requirements import read_requirements
from slopguard.deps.manifests.setup_cfg import read_setup_cfg
from slopguard.deps.manifests.siblings import npm_direct

__all__ = [
    "LOCKFILE_MANIFESTS",
    "MANIFEST_NAMES",
    "ManifestError",
    "ManifestProblem",
    "ParsedManifest",
    "is_manifest",
    "manifest_kind",
    "npm_alias",
    "parse_manifest",
]

# Reads one file's text: (path, text, display, result).
Reader = Callable[[Path, str, str, ParsedManifest], None]


def _package_lock(path: Path, text: str, display: str, out: ParsedManifest) -> None:
    declared = npm_direct(path)
    read_package_lock(load_json(text, display), JsonKeys(text), display, out, declared)


# file name -> (kind, reader); requirements files are found by their name's shape instead (see manifest_kind)
READERS: dict[str, tuple[str, Reader]] = {
    "pyproject.toml": ("pyproject", lambda p, t, d, o: read_pyproject(load_toml(t, d), LineFinder(t), d, o)),
    "setup.cfg": ("setup.cfg", read_setup_cfg),
    "Pipfile": ("pipfile", lambda p, t, d, o: read_pipfile(load_toml(t, d), LineFinder(t), d, o)),
    "package.json": ("package.json", lambda p, t, d, o: read_package_json(load_json(t, d), JsonKeys(t), d, o)),
    "package-lock.json": ("package-lock", _package_lock),
    "poetry.lock": ("poetry.lock", read_poetry_lock),
    "uv.lock": ("uv.lock", read_uv_lock),
    "pdm.lock": ("pdm.lock", read_pdm_lock),
    "Pipfile.lock": ("pipfile.lock", read_pipfile_lock),
    "yarn.lock": ("yarn.lock", read_yarn_lock),
    "pnpm-lock.yaml": ("pnpm-lock", read_pnpm_lock),
}
MANIFEST_NAMES = frozenset(READERS)
# lockfile name -> the manifest beside it whose dependencies it locks
LOCKFILE_MANIFESTS = {
    "package-lock.json": "package.json",
    "poetry.lock": "pyproject.toml",
    "uv.lock": "pyproject.toml",
    "pdm.lock": "pyproject.toml",
    "Pipfile.lock": "Pipfile",
    "yarn.lock": "package.json",
    "pnpm-lock.yaml": "package.json",
}


def manifest_kind(name: str) -> str | None:
    """The kind of manifest or lockfile a file is ("requirements", "pyproject", "package-lock", "uv.lock", ...;
    see ``READERS``), or None.

    ``name`` is a file name or a relative path; ``requirements/*.txt`` counts as a requirements file.
    """
    path = name.replace("\\", "/")
    base = posixpath.basename(path)
    if base in READERS:
        return READERS[base][0]
    low = base.lower()
    if low.endswith((".txt", ".in")) and (
        "requirements" in low or posixpath.basename(posixpath.dirname(path)) == "requirements"
    ):
        return "requirements"
    return None


def is_manifest(name: str) -> bool:
    return manifest_kind(name) is not None


def parse_manifest(path: Path, display: str) -> ParsedManifest:
    """Read one manifest or lockfile; ``display`` is how references name the file (relative to the scan root)."""
    kind = manifest_kind(path.as_posix())
    if kind is None:
        raise ManifestError(f"{display}: not a manifest slopguard reads")
    out = ParsedManifest()
    if kind == "requirements":
        read_requirements(path, display, out, set())
        return out
    text = read_text(path, display)
    out.sources.append(display)
    READERS[path.name][1](path, text, display, out)
    return out
