"""TOML manifests: ``pyproject.toml`` (PEP 621, PEP 735 groups, uv, PDM, Poetry) and Pipenv's ``Pipfile``."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import InvalidName, canonicalize_name
from packaging.version import InvalidVersion, Version

from slopguard.deps.manifests.common import LineFinder, ParsedManifest, add_pep508, exact_version, first_line
from slopguard.deps.model import Ecosystem, PackageRef

# A key -> value dependency table (Poetry, Pipfile): the value gives (spec, exact version), or None to skip.
SpecReader = Callable[[str, Any], tuple[str, str | None] | None]

_DIRECT = ("git", "path", "url", "file", "hg", "svn", "bzr")


def read_pyproject(data: dict[str, Any], lines: LineFinder, display: str, out: ParsedManifest) -> None:
    def lists(table: str, keys: list[str] | None = None) -> None:
        """PEP 508 lists under ``table`` (its keys, or the given ones)."""
        node = _section(data, table)
        if not isinstance(node, dict):
            return
        head = lines.table(table) or 0
        for key in keys if keys is not None else list(node):
            if key in node:
                _pep508_list(node[key], f"{table}.{key}", lines, lines.key(key, head), display, out)

    lists("build-system", ["requires"])
    lists("project", ["dependencies"])
    optional = _section(data, "project.optional-dependencies")
    if isinstance(optional, dict):
        lists("project.optional-dependencies")
    groups = _section(data, "dependency-groups")
    if isinstance(groups, dict):
        lists("dependency-groups")
        for name, entries in groups.items():
            for item in entries if isinstance(entries, list) else []:
                if isinstance(item, dict) and "include-group" in item and item["include-group"] not in groups:
                    head = lines.key(name, lines.table("dependency-groups") or 0)
                    out.problem(display, head + 1, f"group {name!r} includes an unknown group: {item!r}")
    lists("tool.uv", ["dev-dependencies"])
    lists("tool.pdm.dev-dependencies")
    poetry = _section(data, "tool.poetry")
    if isinstance(poetry, dict):
        tables = ["tool.poetry.dependencies", "tool.poetry.dev-dependencies"]
        groups = poetry.get("group")
        if isinstance(groups, dict):
            tables += [f"tool.poetry.group.{g}.dependencies" for g in groups]
        for table in tables:
            _keyed(data, table, lines, display, out, _poetry_spec)


def read_pipfile(data: dict[str, Any], lines: LineFinder, display: str, out: ParsedManifest) -> None:
    for table in ("packages", "dev-packages"):
        _keyed(data, table, lines, display, out, _pipfile_spec)


def _name_part(text: str) -> str:
    return re.split(r"[\s\[<>=!~;@(]", text.strip(), maxsplit=1)[0]


def _pep508_list(entries: Any, where: str, lines: LineFinder, start: int, display: str, out: ParsedManifest) -> None:
    if not isinstance(entries, list):
        out.problem(display, start + 1, f"{where} should be a list of requirement strings")
        return
    cursor = start
    for item in entries:
        if isinstance(item, dict) and "include-group" in item:
            continue  # PEP 735: the included group is read on its own
        if not isinstance(item, str):
            out.problem(display, cursor + 1, f"{where}: not a requirement string: {item!r}")
            continue
        cursor = lines.entry(item, cursor, _name_part(item))
        add_pep508(item, display, cursor + 1, out)


def _section(data: dict[str, Any], dotted: str) -> Any:
    node: Any = data
    for part in dotted.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node


def _keyed(
    data: dict[str, Any], table: str, lines: LineFinder, display: str, out: ParsedManifest, read: SpecReader
) -> None:
    node = _section(data, table)
    if not isinstance(node, dict):
        return
    head = lines.table(table) or 0
    for name, value in node.items():
        line = lines.key(name, head)
        if line == head and (sub := lines.table(f"{table}.{name}")) is not None:
            line = sub
        if name.lower() == "python":
            continue
        try:
            canonicalize_name(name, validate=True)
            spec = read(name, value)
        except (InvalidName, ValueError) as exc:
            out.problem(display, line + 1, f"{table}: {name!r}: {exc}")
            continue
        if spec is not None:
            out.refs.append(PackageRef(Ecosystem.PYPI, name, spec[1], spec[0], display, line + 1))


def _poetry_spec(name: str, value: Any) -> tuple[str, str | None] | None:
    if isinstance(value, list):  # several constraints, one per marker
        if value and all(isinstance(v, dict) and any(k in v for k in _DIRECT) for v in value):
            return None
        specs = [v.get("version", "") if isinstance(v, dict) else str(v) for v in value]
        return " || ".join(s for s in specs if s), None
    if isinstance(value, dict):
        if any(k in value for k in _DIRECT):
            return None
        value = value.get("version", "")
    if not isinstance(value, str):
        raise ValueError(f"unexpected value {value!r}")
    spec = value.strip()
    pinned = spec[2:].strip() if spec.startswith("==") else spec
    if "*" in pinned or not pinned[:1].isdigit():
        return spec, None
    try:  # Poetry reads a bare version as an exact pin
        Version(pinned)
    except InvalidVersion:
        return spec, None
    return spec, pinned


def _pipfile_spec(name: str, value: Any) -> tuple[str, str | None] | None:
    if isinstance(value, dict):
        if any(k in value for k in _DIRECT) or value.get("editable"):
            return None
        value = value.get("version", "*")
    if not isinstance(value, str):
        raise ValueError(f"unexpected value {value!r}")
    spec = "" if value.strip() in ("", "*") else value.strip()
    try:
        req = Requirement(name + spec)
    except InvalidRequirement as exc:
        raise ValueError(f"invalid version specifier {spec!r} ({first_line(exc)})") from None
    return str(req.specifier), exact_version(req)
