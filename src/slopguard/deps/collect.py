"""The dependency sources: manifests (and lockfiles), imports, and install commands in an answer or a script.

Each is a :class:`~slopguard.deps.source.DependencySource`; ``from_manifests``, ``from_imports`` and
``from_commands`` are the same sources called in one step, for front ends that want the references at once.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement

from slopguard.deps.imports import js_package
from slopguard.deps.manifests import LOCKFILE_MANIFESTS, ManifestError, ManifestProblem, parse_manifest
from slopguard.deps.manifests.pairing import pair_with_lockfiles
from slopguard.deps.mapping import ImportMapper
from slopguard.deps.model import Ecosystem, PackageRef
from slopguard.deps.source import Collected

__all__ = [
    "Collected",  # re-exported for the install wrapper until it imports slopguard.deps.source
    "CommandSource",
    "ImportSource",
    "ManifestSource",
    "from_commands",
    "from_imports",
    "from_manifests",
    "install_args",
]

Import = tuple[str, str, int, str]  # (display, module, line, language)

JS_LANGUAGES = frozenset({"javascript", "typescript"})
# An install command on a line of its own (a shell block) or quoted inline in prose (Run `pip install x`).
_INSTALL = re.compile(
    r"(?:^\s*|`\s*)(?:\$\s*)?(?:sudo\s+)?(?P<tool>pip3?|python3?\s+-m\s+pip|uv\s+pip|uv|poetry|npm|pnpm|yarn|bun)\s+"
    r"(?P<verb>install|i|add)\b(?P<args>[^\n#|&;`]*)",
    re.MULTILINE,
)
# Options of the install commands that take a value (the value is not a package).
_VALUE_OPTIONS = frozenset(
    {"-r", "--requirement", "-c", "--constraint", "-i", "--index-url", "--extra-index-url", "-f", "--find-links",
     "-t", "--target", "--prefix", "--root", "--python-version", "--platform", "--registry", "--tag", "-w",
     "--workspace", "--cache"}
)  # fmt: skip


@dataclass(frozen=True)
class ManifestSource:
    """Manifests and lockfiles given as (path, display); a file included by another one is read once.

    A lockfile's direct dependencies are verified at their locked versions (at the manifest's line when the
    manifest beside it is read too); the packages only they need are left out unless ``transitive`` is set.
    """

    paths: Sequence[tuple[Path, str]]
    transitive: bool = False

    def collect(self) -> Collected:
        out = Collected()
        seen_sources: set[str] = set()
        for path, display in sorted(self.paths, key=lambda p: p[1]):
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
        out.refs = pair_with_lockfiles(out.refs, LOCKFILE_MANIFESTS)
        if not self.transitive:
            out.refs = [ref for ref in out.refs if not ref.transitive]
        return out


@dataclass(frozen=True)
class ImportSource:
    """Imports as (display, module, line, language): references to the distributions that provide the modules."""

    imports: Sequence[Import]
    root: Path
    mapper: ImportMapper | None = None

    def collect(self) -> Collected:
        mapper = self.mapper or ImportMapper(self.root)
        refs: list[PackageRef] = []
        for display, module, line, language in self.imports:
            if language in JS_LANGUAGES:
                name = js_package(module)
                if name:
                    refs.append(PackageRef(Ecosystem.NPM, name, path=display, line=line, origin="import"))
                continue
            folder = (self.root / display).parent if display and not display.startswith("<") else None
            dists = mapper(module, folder)
            if dists:
                ref = PackageRef(Ecosystem.PYPI, dists[0], path=display, line=line, origin="import", imported_as=module)
                refs.append(ref)
        return Collected(refs)


@dataclass(frozen=True)
class CommandSource:
    """Packages named in ``pip install ...`` / ``npm install ...`` lines of an answer or a script."""

    text: str
    display: str

    def collect(self) -> Collected:
        refs: list[PackageRef] = []
        for m in _INSTALL.finditer(self.text):
            line = self.text.count("\n", 0, m.start("tool")) + 1
            tool = m.group("tool").split()[-1]
            ecosystem = Ecosystem.NPM if tool in ("npm", "pnpm", "yarn", "bun") else Ecosystem.PYPI
            if tool in ("poetry", "uv") and m.group("verb") != "add":  # `poetry add`, `uv add`
                continue
            refs += install_args(_split(m.group("args")), ecosystem, self.display, line)
        return Collected(refs)


def from_manifests(paths: Iterable[tuple[Path, str]], transitive: bool = False) -> Collected:
    return ManifestSource(tuple(paths), transitive).collect()


def from_imports(imports: Iterable[Import], root: Path, mapper: ImportMapper | None = None) -> list[PackageRef]:
    return ImportSource(tuple(imports), root, mapper).collect().refs


def from_commands(text: str, display: str) -> list[PackageRef]:
    return CommandSource(text, display).collect().refs


def install_args(args: Sequence[str], ecosystem: Ecosystem, display: str, line: int = 0) -> list[PackageRef]:
    """Package references among an install command's arguments (options and their values skipped)."""
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
