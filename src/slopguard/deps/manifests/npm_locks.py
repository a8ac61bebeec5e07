"""JavaScript lockfiles: ``yarn.lock`` (Yarn 1's own text format and Yarn Berry's YAML) and ``pnpm-lock.yaml``.

Each gives every registry package it pins at its exact version, on the line of its entry. Git, file, link,
workspace and patched entries are not registry packages and give nothing. Direct dependencies come from the
lockfile's root entries where it has them (Berry workspaces, pnpm importers), else from ``package.json`` beside it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from slopguard.deps.manifests.common import ParsedManifest
from slopguard.deps.manifests.package_json import exact_npm_version, is_npm_name, npm_alias
from slopguard.deps.manifests.siblings import NPM_SECTIONS, npm_direct
from slopguard.deps.manifests.yaml_subset import YamlDoc, parse_yaml
from slopguard.deps.model import Ecosystem, PackageRef

_LOCAL = ("file:", "link:", "workspace:", "portal:", "patch:", "exec:", "git", "github:", "http:", "https:", ".", "/")


@dataclass
class _YarnEntry:
    descriptors: list[str]
    line: int
    fields: dict[str, str] = field(default_factory=dict)


def read_yarn_lock(path: Path, text: str, display: str, out: ParsedManifest) -> None:
    """Yarn Berry writes YAML with a ``__metadata`` entry; Yarn 1 its own format."""
    if any(line.startswith("__metadata:") for line in text.splitlines()):
        _read_berry(path, parse_yaml(text, display), display, out)
    else:
        _read_yarn1(path, text, display, out)


def read_pnpm_lock(path: Path, text: str, display: str, out: ParsedManifest) -> None:
    doc = parse_yaml(text, display)
    importers = doc.data.get("importers")
    roots: list[tuple[tuple[str, ...], dict[str, Any]]]
    if isinstance(importers, dict):  # workspaces (lockfile 6), every project (lockfile 9)
        roots = [(("importers", key), value) for key, value in importers.items() if isinstance(value, dict)]
    else:  # one project (lockfile 5 and 6): its dependencies are at the top level
        roots = [((), doc.data)]
    pinned: set[tuple[str, str]] = set()
    for where, project in roots:
        for section in ("dependencies", "devDependencies", "optionalDependencies"):
            deps = project.get(section)
            for name, value in deps.items() if isinstance(deps, dict) else []:
                version = value.get("version") if isinstance(value, dict) else value
                target = _pnpm_pin(name, version) if isinstance(version, str) else None
                if target and target not in pinned:
                    pinned.add(target)
                    line = doc.line(*where, section, name)
                    _add(target[0], target[1], display, line, False, name, out)
    known_roots = bool(pinned)  # without any, direct cannot be told from transitive: every package counts as direct
    packages = doc.data.get("packages")
    for key in packages if isinstance(packages, dict) else {}:
        target = _pnpm_key(key)
        if target and target not in pinned:
            pinned.add(target)
            _add(target[0], target[1], display, doc.line("packages", key), known_roots, target[0], out)


def _pnpm_pin(name: str, version: str) -> tuple[str, str] | None:
    """An importer's ``version: 4.18.2(peer@1)`` or an alias's ``string-width@4.2.3`` -> (name, version)."""
    version = version.split("(")[0].lstrip("/")
    if version.startswith(("link:", "file:")):
        return None
    at = version.rfind("@")
    if at > 0:
        name, version = version[:at], version[at + 1 :]
    exact = exact_npm_version(version.split("_")[0])
    return (name, exact) if exact and is_npm_name(name) else None


def _pnpm_key(key: str) -> tuple[str, str] | None:
    """``express@4.18.2`` (lockfile 9), ``/express@4.18.2(peer)`` (6), ``/express/4.18.2_peer`` (5)."""
    bare = key.split("(")[0].removeprefix("/")
    for name, _, version in (bare.rpartition("@"), bare.split("_")[0].rpartition("/")):
        exact = exact_npm_version(version)
        if exact and is_npm_name(name):
            return name, exact
    return None


def _read_berry(path: Path, doc: YamlDoc, display: str, out: ParsedManifest) -> None:
    workspace: set[str] = set()  # descriptors ("express@npm:^4.18.2") the workspaces depend on
    locked: list[tuple[str, dict[str, Any]]] = []
    for key, entry in doc.data.items():
        if key == "__metadata":
            continue
        if not isinstance(entry, dict) or not isinstance(entry.get("resolution"), str):
            out.problem(display, doc.line(key), f"{key!r}: an entry needs a 'resolution'")
            continue
        name, reference = _split_descriptor(entry["resolution"])
        if reference.startswith("workspace:"):
            for section in NPM_SECTIONS:
                deps = entry.get(section)
                workspace |= {f"{dep}@{rng}" for dep, rng in deps.items()} if isinstance(deps, dict) else set()
        elif reference.startswith("npm:"):
            locked.append((key, entry))
    declared = None if workspace else npm_direct(path)
    for key, entry in locked:
        descriptors = [d.strip() for d in key.split(",")]
        name, reference = _split_descriptor(entry["resolution"])
        version = exact_npm_version(reference.removeprefix("npm:"))
        if version is None:
            out.problem(display, doc.line(key), f"{key!r}: not an exact version: {reference!r}")
            continue
        if workspace:
            transitive = not workspace.intersection(descriptors)
        else:
            transitive = declared is not None and not any(_declared(d, declared, "npm:") for d in descriptors)
        alias = next((d for d, r in map(_split_descriptor, descriptors) if d != name and r.startswith("npm:")), name)
        _add(name, version, display, doc.line(key), transitive, alias, out)


def _read_yarn1(path: Path, text: str, display: str, out: ParsedManifest) -> None:
    declared = npm_direct(path)
    for entry in _yarn1_entries(text, display, out):
        ranges = [_split_descriptor(d) for d in entry.descriptors]
        registry = [(key, rng) for key, rng in ranges if not rng.startswith(_LOCAL) and "/" not in rng.split("@")[0]]
        if not registry:
            continue  # git, file and link entries
        version = entry.fields.get("version", "")
        exact = exact_npm_version(version)
        if exact is None:
            out.problem(display, entry.line, f"{', '.join(entry.descriptors)}: no exact version ({version!r})")
            continue
        key, rng = registry[0]
        name = target[0] if (target := npm_alias(rng)) is not None else key
        transitive = declared is not None and not any(_declared(d, declared, "") for d in entry.descriptors)
        _add(name, exact, display, entry.line, transitive, key, out)


def _yarn1_entries(text: str, display: str, out: ParsedManifest) -> list[_YarnEntry]:
    """Each entry: its descriptors (``name@range``), its line, and its own fields (``version``, ``resolved``)."""
    entries: list[_YarnEntry] = []
    current: _YarnEntry | None = None
    for number, raw in enumerate(text.splitlines(), 1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        if not raw[0].isspace():
            current = None
            if not raw.rstrip().endswith(":"):
                out.problem(display, number, f"not a yarn.lock entry: {raw.strip()[:80]!r}")
                continue
            descriptors = [d.strip().strip('"') for d in raw.rstrip()[:-1].split(",")]
            current = _YarnEntry([d for d in descriptors if d], number)
            entries.append(current)
        elif current is not None and len(raw) - len(raw.lstrip()) == 2:
            key, _, value = raw.strip().partition(" ")
            current.fields[key] = value.strip().strip('"')
    return entries


def _split_descriptor(descriptor: str) -> tuple[str, str]:
    """``@scope/name@npm:^1`` -> ("@scope/name", "npm:^1")."""
    at = descriptor.find("@", 1)
    return (descriptor[:at], descriptor[at + 1 :]) if at > 0 else (descriptor, "")


def _declared(descriptor: str, declared: dict[str, set[str]], prefix: str) -> bool:
    """Whether ``package.json`` declares this descriptor (Berry writes ``npm:`` before plain ranges)."""
    name, rng = _split_descriptor(descriptor)
    specs = declared.get(name, set())
    return rng in specs or (bool(prefix) and rng.removeprefix(prefix) in specs)


def _add(name: str, version: str, display: str, line: int, transitive: bool, alias: str, out: ParsedManifest) -> None:
    ref = PackageRef(
        Ecosystem.NPM, name, version, version, display, line, "lockfile", alias if alias != name else None, transitive
    )
    out.refs.append(ref)
