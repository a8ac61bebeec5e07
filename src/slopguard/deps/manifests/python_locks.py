"""Python lockfiles: ``poetry.lock``, ``uv.lock``, ``pdm.lock`` (TOML) and Pipenv's ``Pipfile.lock`` (JSON).

Each gives every registry package it pins, at its exact version, on the line that names it. Packages from git,
a path or a URL are not registry packages and give nothing. Direct dependencies come from the lockfile's own root
entries where it has them (``uv.lock``), else from the manifest beside it (see ``siblings``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from packaging.utils import InvalidName, canonicalize_name
from packaging.version import InvalidVersion, Version

from slopguard.deps.manifests.common import ParsedManifest, load_json, load_toml
from slopguard.deps.manifests.package_json import JsonKeys
from slopguard.deps.manifests.siblings import python_direct
from slopguard.deps.model import Ecosystem, PackageRef

_PACKAGE_TABLE = re.compile(r"^\s*\[\[\s*package\s*\]\]")
_NAME_KEY = re.compile(r"^\s*name\s*=")
_NOT_REGISTRY = ("git", "path", "url", "file", "hg", "svn", "bzr", "editable")
_UV_ROOT = ("editable", "virtual")


def read_poetry_lock(path: Path, text: str, display: str, out: ParsedManifest) -> None:
    direct = python_direct(path, "pyproject.toml")
    for entry, line in _package_tables(load_toml(text, display), text, display, out):
        source = entry.get("source")
        if isinstance(source, dict) and source.get("type") in ("git", "directory", "file", "url"):
            continue
        _add(entry.get("name"), entry.get("version"), display, line, direct, out)


def read_pdm_lock(path: Path, text: str, display: str, out: ParsedManifest) -> None:
    direct = python_direct(path, "pyproject.toml")
    for entry, line in _package_tables(load_toml(text, display), text, display, out):
        if not any(key in entry for key in _NOT_REGISTRY):
            _add(entry.get("name"), entry.get("version"), display, line, direct, out)


def read_uv_lock(path: Path, text: str, display: str, out: ParsedManifest) -> None:
    entries = list(_package_tables(load_toml(text, display), text, display, out))
    roots = [e for e, _ in entries if isinstance(e.get("source"), dict) and any(k in e["source"] for k in _UV_ROOT)]
    direct = {n for root in roots for n in _uv_dependencies(root)} if roots else python_direct(path, "pyproject.toml")
    for entry, line in entries:
        source = entry.get("source")
        if isinstance(source, dict) and "registry" in source:
            _add(entry.get("name"), entry.get("version"), display, line, direct, out)


def read_pipfile_lock(path: Path, text: str, display: str, out: ParsedManifest) -> None:
    data = load_json(text, display)
    keys = JsonKeys(text)
    direct = python_direct(path, "Pipfile")
    for section in ("default", "develop"):
        packages = data.get(section)
        head = keys.line(section, 1, True) or 1
        if packages is None:
            continue
        if not isinstance(packages, dict):
            out.problem(display, head, f"{section} should be an object")
            continue
        for name, entry in packages.items():
            line = keys.line(name, 2, True, head) or head
            if not isinstance(entry, dict):
                out.problem(display, line, f"{name!r}: expected an object, not {entry!r}")
            elif not any(key in entry for key in _NOT_REGISTRY):
                version = entry.get("version")
                if not isinstance(version, str) or not version.startswith("=="):
                    out.problem(display, line, f"{name!r}: no exact version ('==...') locked")
                    continue
                _add(name, version[2:], display, line, direct, out)


def _package_tables(
    data: dict[str, Any], text: str, display: str, out: ParsedManifest
) -> Iterator[tuple[dict[str, Any], int]]:
    """Each ``[[package]]`` table with the line of its ``name`` key (the table's own line if it has none)."""
    packages = data.get("package", [])
    if not isinstance(packages, list):
        out.problem(display, 1, "'package' should be an array of tables")
        return
    lines = text.splitlines()
    heads = [i for i, line in enumerate(lines) if _PACKAGE_TABLE.match(line)]
    for index, entry in enumerate(packages):
        head = heads[index] if index < len(heads) and len(heads) == len(packages) else 0
        end = heads[index + 1] if head and index + 1 < len(heads) else len(lines)
        name_line = next((i for i in range(head, end) if _NAME_KEY.match(lines[i])), head)
        if not isinstance(entry, dict):
            out.problem(display, head + 1, f"a package entry should be a table, not {entry!r}")
            continue
        yield entry, name_line + 1


def _uv_dependencies(root: dict[str, Any]) -> Iterator[str]:
    """Canonical names of a uv workspace member's own dependencies (main, optional and dev groups)."""
    groups: list[Any] = [root.get("dependencies")]
    for table in ("optional-dependencies", "dev-dependencies"):
        extra = root.get(table)
        if isinstance(extra, dict):
            groups += list(extra.values())
    for group in groups:
        for dep in group if isinstance(group, list) else []:
            if isinstance(dep, dict) and isinstance(dep.get("name"), str):
                yield canonicalize_name(dep["name"])


def _add(name: Any, version: Any, display: str, line: int, direct: set[str] | None, out: ParsedManifest) -> None:
    """One locked registry package; ``direct`` None means direct and transitive cannot be told apart."""
    if not isinstance(name, str) or not isinstance(version, str):
        out.problem(display, line, f"a package entry needs a name and a version (got {name!r}, {version!r})")
        return
    try:
        canonical = canonicalize_name(name, validate=True)
        Version(version)
    except (InvalidName, InvalidVersion) as exc:
        out.problem(display, line, f"{name!r} {version!r}: {exc}")
        return
    transitive = direct is not None and canonical not in direct
    out.refs.append(
        PackageRef(Ecosystem.PYPI, name, version, f"=={version}", display, line, "lockfile", transitive=transitive)
    )
