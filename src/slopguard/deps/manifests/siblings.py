"""Which packages a lockfile's project asks for itself, from the manifest beside the lockfile.

Lockfiles that do not record their root's dependencies (``poetry.lock``, ``pdm.lock``, ``Pipfile.lock``, Yarn 1's
``yarn.lock``, ``package-lock.json`` version 1) tell direct from transitive packages this way. None means the
manifest is missing or unreadable: every locked package then counts as direct, so all of them are verified.
"""

from __future__ import annotations

import json
from pathlib import Path

from packaging.utils import canonicalize_name

from slopguard.deps.manifests.common import LineFinder, ManifestError, ParsedManifest, load_toml, read_text
from slopguard.deps.manifests.pyproject import read_pipfile, read_pyproject

NPM_SECTIONS = ("dependencies", "devDependencies", "peerDependencies", "optionalDependencies")


def python_direct(lockfile: Path, manifest: str) -> set[str] | None:
    """Canonical names of the registry packages that ``manifest`` (``pyproject.toml`` or ``Pipfile``) beside
    ``lockfile`` declares, or None."""
    path = lockfile.parent / manifest
    if not path.is_file():
        return None
    out = ParsedManifest()
    try:
        text = read_text(path, manifest)
        reader = read_pipfile if manifest == "Pipfile" else read_pyproject
        reader(load_toml(text, manifest), LineFinder(text), manifest, out)
    except ManifestError:
        return None
    return {canonicalize_name(ref.name) for ref in out.refs}


def npm_direct(lockfile: Path) -> dict[str, set[str]] | None:
    """Every dependency the ``package.json`` beside ``lockfile`` declares, name -> its specs as written, or None."""
    path = lockfile.parent / "package.json"
    if not path.is_file():
        return None
    try:
        data = json.loads(read_text(path, "package.json"))
    except (ManifestError, json.JSONDecodeError):
        return None
    if not isinstance(data, dict):
        return None
    direct: dict[str, set[str]] = {}
    for section in NPM_SECTIONS:
        deps = data.get(section)
        if isinstance(deps, dict):
            for name, spec in deps.items():
                direct.setdefault(name, set()).add(spec if isinstance(spec, str) else "")
    return direct
