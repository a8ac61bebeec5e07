"""A lockfile beside its manifest: one reference per package, at the manifest's line, with the locked version.

The manifest line is where a person declared the package (and where a finding is useful); the lockfile says
which version is installed (and so which advisories apply). A package the manifest names that the lockfile does
not lock as a direct dependency keeps the manifest's own specifier; lockfile entries the manifest does not name
stay where they are.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable
from dataclasses import replace

from packaging.utils import canonicalize_name

from slopguard.deps.model import Ecosystem, PackageRef

# (folder, manifest file name, ecosystem, canonical package name)
_Slot = tuple[str, str, Ecosystem, str]


def _name(ref: PackageRef) -> str:
    return canonicalize_name(ref.name) if ref.ecosystem is Ecosystem.PYPI else ref.name


def pair_with_lockfiles(refs: Iterable[PackageRef], partners: dict[str, str]) -> list[PackageRef]:
    """``refs`` with each manifest reference that a lockfile beside it locks given the locked version(s), and
    those lockfile entries dropped; ``partners`` maps a lockfile name to the manifest name it locks."""
    refs = list(refs)
    locked: dict[_Slot, list[int]] = {}
    for index, ref in enumerate(refs):
        folder, base = posixpath.split(ref.path)
        if ref.origin == "lockfile" and not ref.transitive and base in partners:
            locked.setdefault((folder, partners[base], ref.ecosystem, _name(ref)), []).append(index)
    pins: dict[int, list[int]] = {}  # manifest reference -> the lockfile entries that pin it
    for index, ref in enumerate(refs):
        if ref.origin == "manifest":
            matches = locked.get((*posixpath.split(ref.path), ref.ecosystem, _name(ref)), [])
            if matches:
                pins[index] = matches
    used = {i for matches in pins.values() for i in matches}
    out: list[PackageRef] = []
    for index, ref in enumerate(refs):
        if index in pins:
            versions = dict.fromkeys(refs[i].version for i in pins[index])
            out += [replace(ref, version=version) for version in versions]
        elif index not in used:
            out.append(ref)
    return out
