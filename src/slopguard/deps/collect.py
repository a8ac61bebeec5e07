"""Gather package references from manifests, imports and install commands (files, a tree, or an answer)."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from slopguard.deps.imports import js_package
from slopguard.deps.manifests import ManifestError, ManifestProblem, parse_manifest
from slopguard.deps.mapping import ImportMapper
from slopguard.deps.model import Ecosystem, PackageRef

JS_LANGUAGES = frozenset({"javascript", "typescript"})
# An install command on a line of its own (a shell block) or quoted inline in prose (Run `pip install x`).
_INSTALL = re.compile(
    r"(?:^\s*|`\s*)(?:\$\s*)?(?:sudo\s+)?(?P<tool>pip3?|python3?\s+-m\s+pip|uv\s+pip|poetry|npm|pnpm|yarn|bun)\s+"
    r"(?P<verb>install|i|add)\b(?P<args>[^\n#|&;`]*)",
    re.MULTILINE,
)
# Options of the install commands that take a value (the value is not a package).
_VALUE_OPTIONS = frozenset(
    {"-r", "--requirement", "-c", "--constraint", "-i", "--index-url", "--extra-index-url", "-f", "--find-links",
     "-t", "--target", "--prefix", "--root", "--python-version", "--platform", "--registry", "--tag", "-w",
     "--workspace", "--cache"}
)  # fmt: skip


@dataclass
class Collected:
    """References found, and manifest problems worth telling the user about."""

    refs: list[PackageRef] = field(default_factory=list)
    problems: list[ManifestProblem] = field(default_factory=list)


def from_manifests(paths: Iterable[tuple[Path, str]]) -> Collected:
    """Parse manifests given as (path, display); files included by another one are read once."""
    out = Collected()
    seen_sources: set[str] = set()
    for path, display in sorted(paths, key=lambda p: p[1]):
        if display in seen_sources:
            continue
        try:
            parsed = parse_manifest(path, display)
        except ManifestError as exc:
            out.problems.append(ManifestProblem(display, 0, str(exc)))
            continue
        seen_sources.update(parsed.sources)
        out.refs += parsed.refs
        out.problems += parsed.problems
    return out


def from_imports(
    imports: Iterable[tuple[str, str, int, str]], root: Path, mapper: ImportMapper | None = None
) -> list[PackageRef]:
    """(display, module, line, language) -> references to the distributions that provide the modules."""
    mapper = mapper or ImportMapper(root)
    refs: list[PackageRef] = []
    for display, module, line, language in imports:
        if language in JS_LANGUAGES:
            name = js_package(module)
            if name:
                refs.append(PackageRef(Ecosystem.NPM, name, path=display, line=line, origin="import"))
            continue
        folder = (root / display).parent if display and not display.startswith("<") else None
        dists = mapper(module, folder)
        if dists:
            refs.append(
                PackageRef(Ecosystem.PYPI, dists[0], path=display, line=line, origin="import", imported_as=module)
            )
    return refs


def from_commands(text: str, display: str) -> list[PackageRef]:
    """Packages named in ``pip install ...`` / ``npm install ...`` lines of an answer or a script."""
    refs: list[PackageRef] = []
    for m in _INSTALL.finditer(text):
        line = text.count("\n", 0, m.start("tool")) + 1
        tool = m.group("tool").split()[-1]
        ecosystem = Ecosystem.NPM if tool in ("npm", "pnpm", "yarn", "bun") else Ecosystem.PYPI
        if tool == "poetry" and m.group("verb") != "add":
            continue
        refs += install_args(_split(m.group("args")), ecosystem, display, line)
    return refs


def install_args(args: Sequence[str], ecosystem: Ecosystem, display: str, line: int = 0) -> list[PackageRef]:
    """Package references among an install command's arguments (options and their values skipped)."""
    from packaging.requirements import InvalidRequirement, Requirement

    refs: list[PackageRef] = []
    skip_next = False
    for arg in args:
        if skip_next:
            skip_next = False
            continue
        if arg.startswith("-"):
            skip_next = arg in _VALUE_OPTIONS
            continue
        if ("/" in arg and not arg.startswith("@")) or arg.startswith((".", "git+", "http:", "https:", "file:")):
            continue
        if ecosystem is Ecosystem.NPM:
            name, _, version = arg[1:].partition("@") if arg.startswith("@") else ("", "", "")
            if arg.startswith("@"):
                name, version = "@" + name, version
            else:
                name, _, version = arg.partition("@")
            exact = version if re.fullmatch(r"\d+\.\d+\.\d+\S*", version) else None
            refs.append(PackageRef(ecosystem, name, exact, version, display, line, "cli"))
            continue
        try:
            req = Requirement(arg)
        except InvalidRequirement:
            continue
        pins = [s.version for s in req.specifier if s.operator in ("==", "===") and "*" not in s.version]
        refs.append(
            PackageRef(ecosystem, req.name, pins[0] if pins else None, str(req.specifier), display, line, "cli")
        )
    return refs


def _split(args: str) -> list[str]:
    try:
        return shlex.split(args)
    except ValueError:
        return args.split()
