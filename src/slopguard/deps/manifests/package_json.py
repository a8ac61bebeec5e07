"""npm manifests: ``package.json`` dependency sections and ``package-lock.json`` (lockfile versions 1 to 3)."""

from __future__ import annotations

import json
import re
from bisect import bisect_left
from collections.abc import Container
from typing import Any

from slopguard.deps.manifests.common import ParsedManifest
from slopguard.deps.model import Ecosystem, PackageRef

_JSON_TOKEN = re.compile(r'"((?:[^"\\\n]|\\.)*)"(\s*:\s*(\{)?)?|[{\[]|[}\]]')
_NPM_NAME = re.compile(r"^(?:@[a-z0-9~-][a-z0-9._~-]*/)?[a-z0-9~-][a-z0-9._~-]*$", re.IGNORECASE)
_SEMVER = re.compile(r"^[=v]*\s*(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?)$")
_NOT_REGISTRY = (
    "file:", "link:", "workspace:", "portal:", "patch:", "exec:", "git:", "git+", "github:", "gitlab:",
    "bitbucket:", "gist:", "http:", "https:", ".", "/", "~",
)  # fmt: skip
_LOCAL_RESOLVED = ("git+", "git:", "github:", "file:", "link:")
_SECTIONS = ("dependencies", "devDependencies", "peerDependencies", "optionalDependencies")


class JsonKeys:
    """Line numbers of the object keys of a JSON text, by (key, nesting depth, whether the value is an object)."""

    def __init__(self, text: str) -> None:
        self._index: dict[tuple[str, int, bool], list[int]] = {}
        depth, line, last = 0, 1, 0
        for m in _JSON_TOKEN.finditer(text):
            token = m.group()
            if token in "{[":
                depth += 1
            elif token in "}]":
                depth -= 1
            elif m.group(2) is not None:
                line += text.count("\n", last, m.start())
                last = m.start()
                raw = m.group(1)
                try:
                    key = json.loads(f'"{raw}"') if "\\" in raw else raw
                except json.JSONDecodeError:
                    key = raw
                self._index.setdefault((key, depth, m.group(3) is not None), []).append(line)
                if m.group(3):
                    depth += 1

    def line(self, key: str, depth: int, obj: bool, after: int = 0) -> int | None:
        found = self._index.get((key, depth, obj), [])
        i = bisect_left(found, after)
        return found[i] if i < len(found) else None


def npm_alias(spec: str) -> tuple[str, str] | None:
    """``npm:pkg@^1`` -> ("pkg", "^1"); None when the spec is not an alias."""
    if not spec.startswith("npm:"):
        return None
    rest = spec[4:]
    at = rest.find("@", 1)
    return (rest[:at], rest[at + 1 :]) if at > 0 else (rest, "")


def read_package_json(data: dict[str, Any], keys: JsonKeys, display: str, out: ParsedManifest) -> None:
    named: set[str] = set()
    for section in _SECTIONS:
        deps = data.get(section)
        head = keys.line(section, 1, True) or 1
        if deps is None:
            continue
        if not isinstance(deps, dict):
            out.problem(display, keys.line(section, 1, False) or 1, f"{section} should be an object")
            continue
        for name, spec in deps.items():
            _npm_ref(name, spec, display, keys.line(name, 2, False, head) or head, out)
            named.add(name)
    for section in ("bundleDependencies", "bundledDependencies"):
        names = data.get(section)
        if isinstance(names, list):  # `true` means "all dependencies", already listed
            head = keys.line(section, 1, False) or 1
            for name in names:
                if isinstance(name, str) and name not in named:
                    _npm_ref(name, "", display, head, out)
                    named.add(name)


def exact_npm_version(version: str) -> str | None:
    """The exact semver version ``version`` names (``1.2.3``, ``v1.2.3-rc.1``), else None."""
    exact = _SEMVER.match(version)
    return exact.group(1) if exact else None


def is_npm_name(name: str) -> bool:
    return _NPM_NAME.match(name) is not None


def read_package_lock(
    data: dict[str, Any], keys: JsonKeys, display: str, out: ParsedManifest, declared: Container[str] | None = None
) -> None:
    """Every package a ``package-lock.json`` pins. Direct ones are the root's and workspaces' own dependencies
    (lockfile versions 2 and 3) or, in version 1, the top-level entries that ``declared`` (the names in the
    ``package.json`` beside it; None: all of them) lists."""
    seen: set[tuple[str, str]] = set()

    def add(name: str, folder: str, version: Any, resolved: Any, line: int, transitive: bool) -> None:
        if not isinstance(version, str):
            return
        if (target := npm_alias(version)) is not None:
            name, version = target
        if isinstance(resolved, str) and resolved.startswith(_LOCAL_RESOLVED):
            return  # git or local
        exact = exact_npm_version(version)
        if exact and is_npm_name(name) and (name, exact) not in seen:
            seen.add((name, exact))
            alias = folder if folder != name else None
            ref = PackageRef(Ecosystem.NPM, name, exact, version, display, line, "lockfile", alias, transitive)
            out.refs.append(ref)

    packages = data.get("packages")
    if isinstance(packages, dict):  # lockfileVersion 2 and 3
        head = keys.line("packages", 1, True) or 1
        own = {
            name
            for key, entry in packages.items()
            if "node_modules/" not in key and isinstance(entry, dict)  # the root project and workspace folders
            for section in _SECTIONS
            if isinstance(entry.get(section), dict)
            for name in entry[section]
        }
        for key, entry in packages.items():
            at = key.rfind("node_modules/")
            if at < 0 or not isinstance(entry, dict) or entry.get("link") or entry.get("inBundle"):
                continue  # the root project, workspace folders, symlinks, bundled copies
            folder = key[at + len("node_modules/") :]
            name = entry["name"] if isinstance(entry.get("name"), str) else folder
            transitive = key.count("node_modules/") > 1 or folder not in own
            line = keys.line(key, 2, True, head) or head
            add(name, folder, entry.get("version"), entry.get("resolved"), line, transitive)
        return

    def walk(deps: Any, depth: int, after: int) -> None:  # lockfileVersion 1: a nested tree
        if not isinstance(deps, dict):
            return
        for name, entry in deps.items():
            if not isinstance(entry, dict):
                continue
            line = keys.line(name, depth, True, after) or after
            transitive = depth > 2 or (declared is not None and name not in declared)
            if not entry.get("bundled"):
                add(name, name, entry.get("version"), entry.get("resolved"), line, transitive)
            walk(entry.get("dependencies"), depth + 2, line)

    walk(data.get("dependencies"), 2, keys.line("dependencies", 1, True) or 1)


def _npm_ref(key: str, spec: Any, display: str, line: int, out: ParsedManifest) -> None:
    if not isinstance(spec, str):
        out.problem(display, line, f"{key!r}: version should be a string, not {spec!r}")
        return
    name, spec, alias = key, spec.strip(), None
    if (target := npm_alias(spec)) is not None:
        name, spec, alias = target[0], target[1], key
    elif spec.startswith(_NOT_REGISTRY) or "/" in spec:  # paths, tarballs, git and "user/repo" GitHub shorthands
        return
    if not is_npm_name(name):
        out.problem(display, line, f"not a valid npm package name: {name!r}")
        return
    out.refs.append(PackageRef(Ecosystem.NPM, name, exact_npm_version(spec), spec, display, line, "manifest", alias))
