"""Dependency manifests: which registry packages a project names, and on which line of which file.

Direct references (``name @ URL``, bare URLs and paths, VCS links, editables, ``file:``/``link:``/git specs in
npm) are not registry packages and yield no reference at all: there is nothing in a registry to verify. A line
that cannot be understood is reported as a :class:`ManifestProblem` while the rest of the file is still read; a
file that cannot be read at all raises :class:`ManifestError`.
"""

from __future__ import annotations

import configparser
import json
import posixpath
import re
import shlex
import tomllib
from bisect import bisect_left
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import InvalidName, canonicalize_name
from packaging.version import InvalidVersion, Version

from slopguard.deps.model import Ecosystem, PackageRef

MANIFEST_NAMES = frozenset({"pyproject.toml", "setup.cfg", "Pipfile", "package.json", "package-lock.json"})


class ManifestError(Exception):
    """A manifest that cannot be read at all: unreadable, not UTF-8, invalid TOML/JSON/INI."""


@dataclass(frozen=True, slots=True)
class ManifestProblem:
    """One entry that could not be understood (the rest of the file was read)."""

    path: str
    line: int
    message: str


@dataclass
class ParsedManifest:
    """The registry packages a manifest names, the entries it could not read, and the files it read."""

    refs: list[PackageRef] = field(default_factory=list)
    problems: list[ManifestProblem] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)


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
        _requirements(path, display, out, set())
        return out
    text = _read(path, display)
    out.sources.append(display)
    if kind == "package.json":
        _package_json(_json(text, display), _JsonKeys(text), display, out)
    elif kind == "package-lock":
        _package_lock(_json(text, display), _JsonKeys(text), display, out)
    elif kind == "setup.cfg":
        _setup_cfg(path, text, display, out)
    else:
        data = _toml(text, display)
        (_pyproject if kind == "pyproject" else _pipfile)(data, _TomlLines(text), display, out)
    return out


# -- reading -------------------------------------------------------------------------------------------------


def _read(path: Path, display: str) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ManifestError(f"{display}: not UTF-8 text") from None
    except OSError as exc:
        raise ManifestError(f"{display}: cannot read ({exc.strerror or exc})") from None


def _toml(text: str, display: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ManifestError(f"{display}: invalid TOML: {exc}") from None


def _json(text: str, display: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ManifestError(f"{display}: invalid JSON at line {exc.lineno}: {exc.msg}") from None
    if not isinstance(data, dict):
        raise ManifestError(f"{display}: expected a JSON object at the top level")
    return data


def _first_line(exc: Exception) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def _problem(out: ParsedManifest, display: str, line: int, message: str) -> None:
    out.problems.append(ManifestProblem(display, line, message))


# -- PEP 508 (requirements files, pyproject, setup.cfg) ------------------------------------------------------

_ARCHIVES = (".whl", ".zip", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar")
_VCS = ("git+", "hg+", "svn+", "bzr+", "file:")


def _is_location(text: str) -> bool:
    """A bare URL, path, archive or VCS link rather than a name."""
    first = text.split(";")[0].split()[0] if text.split() else text
    return (
        "://" in first
        or "/" in first
        or "\\" in first
        or first.startswith((".", "~", *_VCS))
        or first.lower().endswith(_ARCHIVES)
    )


def _exact(req: Requirement) -> str | None:
    specs = list(req.specifier)
    if len(specs) == 1 and specs[0].operator in ("==", "===") and "*" not in specs[0].version:
        return specs[0].version
    return None


def _pep508(text: str, display: str, line: int, out: ParsedManifest) -> None:
    """Add the registry package named by one PEP 508 string (nothing for direct references)."""
    text = text.strip()
    if not text or _is_location(text):
        return
    try:
        req = Requirement(text)
    except InvalidRequirement as exc:
        _problem(out, display, line, f"not a valid requirement {text!r}: {_first_line(exc)}")
        return
    if req.url is None:
        spec = str(req.specifier)
        out.refs.append(PackageRef(Ecosystem.PYPI, req.name, _exact(req), spec, display, line))


# -- requirements files --------------------------------------------------------------------------------------

_COMMENT = re.compile(r"(^|\s+)#.*$")
_INCLUDE = ("-r", "--requirement")
_IGNORED = frozenset({
    "-c", "--constraint", "-e", "--editable", "-i", "--index-url", "--extra-index-url", "--no-index", "-f",
    "--find-links", "--pre", "--prefer-binary", "--require-hashes", "--only-binary", "--no-binary",
    "--trusted-host", "--use-feature", "--hash", "--config-settings", "--global-option", "--install-option",
    "--no-deps",
})  # fmt: skip


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


def _requirements(path: Path, display: str, out: ParsedManifest, seen: set[Path]) -> None:
    try:
        key = path.resolve()
    except OSError:
        key = path.absolute()
    if key in seen:  # an include cycle, or a file already read through another include
        return
    seen.add(key)
    text = _read(path, display)
    out.sources.append(display)
    for line_no, line in _logical_lines(text):
        if not line:
            continue
        if not line.startswith("-"):
            # Per-requirement options (--hash=..., --config-settings) follow the requirement, as in pip.
            words = line.split()
            cut = next((i for i, w in enumerate(words) if w.startswith("-")), len(words))
            _pep508(" ".join(words[:cut]), display, line_no, out)
            continue
        option, value = _split_option(line)
        if option in _INCLUDE:
            _include(path, display, value, line_no, out, seen)
        elif option not in _IGNORED:
            _problem(out, display, line_no, f"unknown option {option!r}")


def _include(path: Path, display: str, value: str, line: int, out: ParsedManifest, seen: set[Path]) -> None:
    if not value:
        _problem(out, display, line, "-r needs a file name")
        return
    if "://" in value:
        _problem(out, display, line, f"remote requirements file not followed: {value}")
        return
    target = Path(value) if Path(value).is_absolute() else path.parent / value
    shown = (
        value if Path(value).is_absolute() else posixpath.normpath(posixpath.join(posixpath.dirname(display), value))
    )
    try:
        _requirements(target, shown, out, seen)
    except ManifestError as exc:
        _problem(out, display, line, f"included file not read: {exc}")


# -- TOML manifests ------------------------------------------------------------------------------------------


class _TomlLines:
    """Finds the line of a table, a key or a string entry in TOML text (0-based indexes, searching forward)."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()

    def table(self, dotted: str) -> int | None:
        for i, raw in enumerate(self.lines):
            line = raw.strip()
            if line.startswith("[") and not line.startswith("[[") and "]" in line:
                inner = line[1 : line.index("]")]
                if re.sub(r"[\s\"']", "", inner) == dotted:
                    return i
        return None

    def key(self, key: str, start: int) -> int:
        k = re.escape(key)
        pattern = re.compile(rf"(?:^|[{{,])\s*(?:\"{k}\"|'{k}'|{k})\s*=")
        for i in range(start, len(self.lines)):
            if pattern.search(self.lines[i]):
                return i
        return start

    def entry(self, value: str, start: int, name: str = "") -> int:
        for needles in ((f'"{value}"', f"'{value}'"), (f'"{name}', f"'{name}") if name else ()):
            for i in range(start, len(self.lines)):
                if any(n in self.lines[i] for n in needles):
                    return i
        return start


def _name_part(text: str) -> str:
    return re.split(r"[\s\[<>=!~;@(]", text.strip(), maxsplit=1)[0]


def _pep508_list(entries: Any, where: str, lines: _TomlLines, start: int, display: str, out: ParsedManifest) -> None:
    if not isinstance(entries, list):
        _problem(out, display, start + 1, f"{where} should be a list of requirement strings")
        return
    cursor = start
    for item in entries:
        if isinstance(item, dict) and "include-group" in item:
            continue  # PEP 735: the included group is read on its own
        if not isinstance(item, str):
            _problem(out, display, cursor + 1, f"{where}: not a requirement string: {item!r}")
            continue
        cursor = lines.entry(item, cursor, _name_part(item))
        _pep508(item, display, cursor + 1, out)


def _section(data: dict[str, Any], dotted: str) -> Any:
    node: Any = data
    for part in dotted.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node


def _pyproject(data: dict[str, Any], lines: _TomlLines, display: str, out: ParsedManifest) -> None:
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
                    _problem(out, display, head + 1, f"group {name!r} includes an unknown group: {item!r}")
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


# A key -> value dependency table (Poetry, Pipfile): the value gives (spec, exact version), or None to skip.
_SpecReader = Callable[[str, Any], tuple[str, str | None] | None]


def _keyed(
    data: dict[str, Any], table: str, lines: _TomlLines, display: str, out: ParsedManifest, read: _SpecReader
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
            _problem(out, display, line + 1, f"{table}: {name!r}: {exc}")
            continue
        if spec is not None:
            out.refs.append(PackageRef(Ecosystem.PYPI, name, spec[1], spec[0], display, line + 1))


_DIRECT = ("git", "path", "url", "file", "hg", "svn", "bzr")


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
        raise ValueError(f"invalid version specifier {spec!r} ({_first_line(exc)})") from None
    return str(req.specifier), _exact(req)


def _pipfile(data: dict[str, Any], lines: _TomlLines, display: str, out: ParsedManifest) -> None:
    for table in ("packages", "dev-packages"):
        _keyed(data, table, lines, display, out, _pipfile_spec)


# -- setup.cfg -----------------------------------------------------------------------------------------------


def _setup_cfg(path: Path, text: str, display: str, out: ParsedManifest) -> None:
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(text)
    except configparser.Error as exc:
        raise ManifestError(f"{display}: invalid setup.cfg: {_first_line(exc)}") from None
    lines = _TomlLines(text)
    fields: list[tuple[str, str]] = [
        ("options", k)
        for k in ("install_requires", "setup_requires", "tests_require")
        if parser.has_option("options", k)
    ]
    if parser.has_section("options.extras_require"):
        fields += [("options.extras_require", k) for k in parser.options("options.extras_require")]
    seen: set[Path] = set()
    for section, key in fields:
        cursor = lines.key(key, lines.table(section) or 0)
        value = parser.get(section, key).strip()
        if value.startswith("file:"):  # setuptools: read the requirements from files
            for name in value[5:].split(","):
                if name.strip():
                    _include(path, display, name.strip(), cursor + 1, out, seen)
            continue
        for entry in value.splitlines():
            entry = entry.strip()
            if entry and not entry.startswith("#"):
                cursor = next((i for i in range(cursor, len(lines.lines)) if entry in lines.lines[i]), cursor)
                _pep508(entry, display, cursor + 1, out)


# -- npm -----------------------------------------------------------------------------------------------------

_JSON_TOKEN = re.compile(r'"((?:[^"\\\n]|\\.)*)"(\s*:\s*(\{)?)?|[{\[]|[}\]]')
_NPM_NAME = re.compile(r"^(?:@[a-z0-9~-][a-z0-9._~-]*/)?[a-z0-9~-][a-z0-9._~-]*$", re.IGNORECASE)
_SEMVER = re.compile(r"^[=v]*\s*(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?)$")
_NOT_REGISTRY = (
    "file:", "link:", "workspace:", "portal:", "patch:", "exec:", "git:", "git+", "github:", "gitlab:",
    "bitbucket:", "gist:", "http:", "https:", ".", "/", "~",
)  # fmt: skip
_LOCAL_RESOLVED = ("git+", "git:", "github:", "file:", "link:")


class _JsonKeys:
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


def _npm_ref(key: str, spec: Any, display: str, line: int, out: ParsedManifest, origin: str) -> None:
    if not isinstance(spec, str):
        _problem(out, display, line, f"{key!r}: version should be a string, not {spec!r}")
        return
    name, spec, alias = key, spec.strip(), None
    if (target := npm_alias(spec)) is not None:
        name, spec, alias = target[0], target[1], key
    elif spec.startswith(_NOT_REGISTRY) or "/" in spec:  # paths, tarballs, git and "user/repo" GitHub shorthands
        return
    if not _NPM_NAME.match(name):
        _problem(out, display, line, f"not a valid npm package name: {name!r}")
        return
    exact = _SEMVER.match(spec)
    version = exact.group(1) if exact else None
    out.refs.append(PackageRef(Ecosystem.NPM, name, version, spec, display, line, origin, alias))


def _package_json(data: dict[str, Any], keys: _JsonKeys, display: str, out: ParsedManifest) -> None:
    named: set[str] = set()
    for section in ("dependencies", "devDependencies", "peerDependencies", "optionalDependencies"):
        deps = data.get(section)
        head = keys.line(section, 1, True) or 1
        if deps is None:
            continue
        if not isinstance(deps, dict):
            _problem(out, display, keys.line(section, 1, False) or 1, f"{section} should be an object")
            continue
        for name, spec in deps.items():
            _npm_ref(name, spec, display, keys.line(name, 2, False, head) or head, out, "manifest")
            named.add(name)
    for section in ("bundleDependencies", "bundledDependencies"):
        names = data.get(section)
        if isinstance(names, list):  # `true` means "all dependencies", already listed
            head = keys.line(section, 1, False) or 1
            for name in names:
                if isinstance(name, str) and name not in named:
                    _npm_ref(name, "", display, head, out, "manifest")
                    named.add(name)


def _package_lock(data: dict[str, Any], keys: _JsonKeys, display: str, out: ParsedManifest) -> None:
    seen: set[tuple[str, str]] = set()

    def add(name: str, folder: str, version: Any, resolved: Any, line: int) -> None:
        if not isinstance(version, str):
            return
        if (target := npm_alias(version)) is not None:
            name, version = target
        if isinstance(resolved, str) and resolved.startswith(_LOCAL_RESOLVED):
            return  # git or local
        exact = _SEMVER.match(version)
        if exact and _NPM_NAME.match(name) and (name, exact.group(1)) not in seen:
            seen.add((name, exact.group(1)))
            alias = folder if folder != name else None
            out.refs.append(PackageRef(Ecosystem.NPM, name, exact.group(1), version, display, line, "lockfile", alias))

    packages = data.get("packages")
    if isinstance(packages, dict):  # lockfileVersion 2 and 3
        head = keys.line("packages", 1, True) or 1
        for key, entry in packages.items():
            at = key.rfind("node_modules/")
            if at < 0 or not isinstance(entry, dict) or entry.get("link") or entry.get("inBundle"):
                continue  # the root project, workspace folders, symlinks, bundled copies
            folder = key[at + len("node_modules/") :]
            name = entry["name"] if isinstance(entry.get("name"), str) else folder
            add(name, folder, entry.get("version"), entry.get("resolved"), keys.line(key, 2, True, head) or head)
        return

    def walk(deps: Any, depth: int, after: int) -> None:  # lockfileVersion 1: a nested tree
        if not isinstance(deps, dict):
            return
        for name, entry in deps.items():
            if not isinstance(entry, dict):
                continue
            line = keys.line(name, depth, True, after) or after
            if not entry.get("bundled"):
                add(name, name, entry.get("version"), entry.get("resolved"), line)
            walk(entry.get("dependencies"), depth + 2, line)

    walk(data.get("dependencies"), 2, keys.line("dependencies", 1, True) or 1)
