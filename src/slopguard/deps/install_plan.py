"""What a ``pip`` or ``npm`` command line would install, and from where: the registry packages to verify, and every
source that is not a registry package (VCS links, URLs, local paths, editables, other indexes) with the reason it
cannot be verified.

Parsing only: nothing here runs a client or asks a registry. Requirement and constraint files named with
``-r``/``-c`` are read (recursively, to ``MAX_INCLUDE_DEPTH``), like pip reads them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement

from slopguard.deps.model import Ecosystem, PackageRef

MAX_INCLUDE_DEPTH = 8
MAX_REQUIREMENTS_BYTES = 2_000_000
PIP_INSTALL = frozenset({"install"})
NPM_INSTALL = frozenset(
    {"install", "i", "in", "ins", "inst", "insta", "instal", "isnt", "isnta", "isntal", "isntall", "add",
     "install-test", "it", "ci", "clean-install", "ic", "install-clean", "isntall-clean"}
)  # fmt: skip
# pip's general options that take a value (they may come before the command).
_PIP_GLOBAL_VALUES = frozenset(
    {"--python", "--log", "--keyring-provider", "--proxy", "--retries", "--timeout", "--exists-action",
     "--trusted-host", "--cert", "--client-cert", "--cache-dir", "--use-feature", "--use-deprecated",
     "--resume-retries", "--log-file", "--local-log"}
)  # fmt: skip
_PIP_GLOBAL_FLAGS = frozenset(
    {"-h", "--help", "--debug", "--isolated", "--require-virtualenv", "-v", "--verbose", "-V", "--version", "-q",
     "--quiet", "--no-input", "--no-cache-dir", "--disable-pip-version-check", "--no-color",
     "--no-python-version-warning"}
)  # fmt: skip
# `pip install` options that take a value and name no source of packages.
_PIP_INSTALL_VALUES = _PIP_GLOBAL_VALUES | frozenset(
    {"-t", "--target", "--prefix", "--root", "--platform", "--python-version", "--implementation", "--abi",
     "--src", "--upgrade-strategy", "--progress-bar", "--no-binary", "--only-binary", "-C", "--config-settings",
     "--global-option", "--report", "--root-user-action", "--hash", "--group"}
)  # fmt: skip
# npm options that take a value and name no source of packages.
_NPM_VALUES = frozenset(
    {"--prefix", "--tag", "-w", "--workspace", "--cache", "--omit", "--include", "--install-strategy", "--loglevel",
     "--before", "--cpu", "--os", "--libc", "--save-prefix", "--otp", "--auth-type", "--script-shell"}
)  # fmt: skip
# npm options that swap the configuration slopguard verified against.
_NPM_CONFIG_SWAPS = frozenset({"--userconfig", "--globalconfig"})
_VCS = ("git+", "hg+", "svn+", "bzr+")
_ARCHIVE = re.compile(r"\.(?:whl|tar\.gz|tgz|tar\.bz2|tar\.xz|zip|tar)$", re.IGNORECASE)
_NPM_HOSTED = ("github:", "gitlab:", "bitbucket:", "gist:")
_NPM_NAME = re.compile(r"^(?:@[a-z0-9][\w.~-]*/)?[a-z0-9~][\w.~-]*$", re.IGNORECASE)
_ENV_VAR = re.compile(r"\$\{([A-Z0-9_]+)\}")

Reader = Callable[[Path], str]


@dataclass(frozen=True, slots=True)
class Unverifiable:
    """Something the command would install that no registry can vouch for, or a reason the plan is unsafe."""

    what: str
    reason: str
    where: str = "<command line>"


@dataclass
class InstallPlan:
    """What one command would install: registry packages, the index they come from (None: the user's configured
    one), and everything that cannot be verified. ``installs`` is False for commands that install nothing."""

    ecosystem: Ecosystem
    installs: bool = False
    command: str = ""
    refs: list[PackageRef] = field(default_factory=list)
    index: str | None = None
    unverifiable: list[Unverifiable] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def set_index(self, url: str, where: str) -> None:
        if self.index is not None and self.index != url:
            self.unverifiable.append(Unverifiable(url, "a second index URL: packages may come from either", where))
        self.index = url


def _read_text(path: Path) -> str:
    with path.open("rb") as handle:
        data = handle.read(MAX_REQUIREMENTS_BYTES + 1)
    if len(data) > MAX_REQUIREMENTS_BYTES:
        raise ValueError(f"over {MAX_REQUIREMENTS_BYTES:,} bytes")
    return data.decode("utf-8")


# --- pip ------------------------------------------------------------------------------------------------------------


def _split_option(arg: str, values: frozenset[str]) -> tuple[str, str | None, bool]:
    """(option, attached value, takes a separate value) for ``--opt=value``, ``-rFILE`` and ``--opt``."""
    if arg.startswith("--") and "=" in arg:
        name, _, value = arg.partition("=")
        return name, value, False
    if not arg.startswith("--") and len(arg) > 2 and arg[:2] in values | {"-r", "-c", "-e", "-i", "-f"}:
        return arg[:2], arg[2:], False
    return arg, None, arg in values


def pip_command(args: Sequence[str]) -> tuple[str | None, int, str | None]:
    """(command, index of its first argument, error) for pip's arguments; an unknown option before the command is
    an error, since it may take a value that hides the real command."""
    i = 0
    while i < len(args):
        arg = args[i]
        if not arg.startswith("-") or arg == "-":
            return arg, i + 1, None
        name, attached, _ = _split_option(arg, _PIP_GLOBAL_VALUES)
        if name in _PIP_GLOBAL_VALUES:
            i += 2 if attached is None else 1
            continue
        if name not in _PIP_GLOBAL_FLAGS and not re.fullmatch(r"-[vq]+", name):
            return None, i, f"unknown pip option {arg!r} before the command: cannot tell what pip would do"
        i += 1
    return None, len(args), None


def _classify_pip(text: str, where: str, plan: InstallPlan, line: int, cwd: Path, editable: bool = False) -> None:
    """One requirement (a command-line argument or a requirements-file line)."""
    if editable:
        plan.unverifiable.append(Unverifiable(text, "an editable install (local code or a repository)", where))
        return
    if text.startswith(_VCS):
        plan.unverifiable.append(Unverifiable(text, "a version-control repository", where))
        return
    if re.match(r"^[a-z][a-z0-9+.-]*://", text, re.IGNORECASE) or text.startswith("file:"):
        plan.unverifiable.append(Unverifiable(text, "a URL, not a registry package", where))
        return
    direct = "@" in text  # name @ URL: a direct reference, read below
    looks_local = "/" in text.split(";")[0] or text.startswith(".") or bool(_ARCHIVE.search(text))
    if (looks_local and not direct) or "\\" in text:
        plan.unverifiable.append(Unverifiable(text, "a local path or archive", where))
        return
    try:
        req = Requirement(text)
    except InvalidRequirement:
        if (cwd / text).exists():
            plan.unverifiable.append(Unverifiable(text, "a local path", where))
        else:
            plan.unverifiable.append(Unverifiable(text, "not a requirement pip's rules can read", where))
        return
    if req.url:
        plan.unverifiable.append(Unverifiable(text, f"a direct reference ({req.name} @ URL)", where))
        return
    if (cwd / text).exists():
        plan.unverifiable.append(Unverifiable(text, "a local path (a file or folder of that name exists)", where))
        return
    pins = [s.version for s in req.specifier if s.operator in ("==", "===") and "*" not in s.version]
    plan.refs.append(
        PackageRef(Ecosystem.PYPI, req.name, pins[0] if pins else None, str(req.specifier), where, line, "cli")
    )


class _PipReader:
    """Walks pip's install arguments and the requirement files they name."""

    def __init__(self, plan: InstallPlan, cwd: Path, read: Reader, env: dict[str, str]) -> None:
        self.plan, self.cwd, self.read, self.env = plan, cwd, read, env
        self.seen: set[Path] = set()

    def option(self, name: str, value: str, where: str, base: Path, depth: int) -> None:
        """A source-naming option with its value (from the command line or a requirements file)."""
        if name in ("-r", "--requirement", "-c", "--constraint"):
            self.include(value, where, base, depth)
        elif name in ("-e", "--editable"):
            _classify_pip(value, where, self.plan, 0, base, editable=True)
        elif name in ("-i", "--index-url"):
            self.plan.set_index(value, where)
        elif name == "--extra-index-url":
            self.plan.unverifiable.append(
                Unverifiable(value, "an extra index: pip may take any package from it (dependency confusion)", where)
            )
        elif name in ("-f", "--find-links"):
            self.plan.unverifiable.append(Unverifiable(value, "find-links: packages from a page or folder", where))

    def include(self, value: str, where: str, base: Path, depth: int) -> None:
        if re.match(r"^[a-z][a-z0-9+.-]*://", value, re.IGNORECASE):
            self.plan.unverifiable.append(Unverifiable(value, "a requirements file from a URL", where))
            return
        path = (base / value).resolve()
        if depth >= MAX_INCLUDE_DEPTH:
            self.plan.errors.append(f"{where}: requirement files nested deeper than {MAX_INCLUDE_DEPTH} ({value})")
            return
        if path in self.seen:
            return
        self.seen.add(path)
        try:
            text = self.read(path)
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            self.plan.errors.append(f"{where}: cannot read the requirements file {value}: {exc}")
            return
        self.requirements(text, value, path.parent, depth + 1)

    def requirements(self, text: str, display: str, base: Path, depth: int) -> None:
        for number, line in _logical_lines(text):
            line = _ENV_VAR.sub(lambda m: self.env.get(m.group(1), m.group(0)), line)
            where = f"{display}:{number}"
            if not line.startswith("-"):
                requirement = re.split(r"\s+--?[a-z]", line, maxsplit=1)[0].strip()  # per-line --hash etc.
                _classify_pip(requirement, where, self.plan, number, base)
                continue
            parts = line.split(None, 1)
            name, attached, _ = _split_option(parts[0], _PIP_INSTALL_VALUES)
            value = attached if attached is not None else (parts[1].strip() if len(parts) > 1 else "")
            self.option(name, value, where, base, depth)

    def arguments(self, args: Sequence[str]) -> None:
        i = 0
        while i < len(args):
            arg = args[i]
            i += 1
            if not arg.startswith("-") or arg == "-":
                _classify_pip(arg, "<command line>", self.plan, 0, self.cwd)
                continue
            name, attached, separate = _split_option(arg, _PIP_INSTALL_VALUES)
            sourcing = name in ("-r", "--requirement", "-c", "--constraint", "-e", "--editable", "-i", "--index-url",
                                "--extra-index-url", "-f", "--find-links")  # fmt: skip
            if sourcing:
                value = attached
                if value is None:
                    value = args[i] if i < len(args) else ""
                    i += 1
                self.option(name, value, "<command line>", self.cwd, 0)
            elif separate:
                i += 1


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """Requirement-file lines with comments removed and backslash continuations joined: (first line, text)."""
    out: list[tuple[int, str]] = []
    pending, start = "", 0
    for number, raw in enumerate(text.splitlines(), 1):
        line = re.sub(r"(^|\s)#.*$", "", raw)
        if not pending:
            start = number
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line = (pending + line).strip()
        pending = ""
        if line:
            out.append((start, line))
    if pending.strip():
        out.append((start, pending.strip()))
    return out


def plan_pip(args: Sequence[str], cwd: Path, env: dict[str, str], read: Reader = _read_text) -> InstallPlan:
    """What ``pip ARGS`` would install; ``cwd`` resolves relative paths, ``env`` expands ``${VAR}`` in files."""
    plan = InstallPlan(Ecosystem.PYPI)
    command, start, error = pip_command(args)
    if error:
        plan.errors.append(error)
        return plan
    plan.command = command or ""
    if command not in PIP_INSTALL:
        return plan
    plan.installs = True
    _PipReader(plan, cwd, read, env).arguments(args[start:])
    return plan


# --- npm ------------------------------------------------------------------------------------------------------------


def _classify_npm(spec: str, where: str, plan: InstallPlan, line: int = 0) -> None:
    """One npm package spec: ``name``, ``name@range``, ``alias@npm:real@range``, or a non-registry source."""
    low = spec.lower()
    if low.startswith(("git+", "git://", "git@")) or low.startswith(_NPM_HOSTED):
        plan.unverifiable.append(Unverifiable(spec, "a git repository", where))
        return
    if re.match(r"^[a-z][a-z0-9+.-]*://", low):
        plan.unverifiable.append(Unverifiable(spec, "a tarball or other URL, not a registry package", where))
        return
    if low.startswith(("file:", "link:", ".", "/", "~")) or "\\" in spec or _ARCHIVE.search(low):
        plan.unverifiable.append(Unverifiable(spec, "a local path or tarball", where))
        return
    scoped = spec.startswith("@")
    name, sep, version = spec[1:].partition("@") if scoped else spec.partition("@")
    name = "@" + name if scoped else name
    if version.startswith("npm:"):
        _classify_npm(version[4:], where, plan, line)
        return
    if not _NPM_NAME.match(name):
        reason = "a GitHub shorthand (user/repo)" if "/" in name else "not an npm package name"
        plan.unverifiable.append(Unverifiable(spec, reason, where))
        return
    if version and re.match(r"^(?:[a-z][a-z0-9+.-]*:|\.{1,2}/|/)", version, re.IGNORECASE):
        plan.unverifiable.append(Unverifiable(spec, "a non-registry source after @", where))
        return
    exact = version if re.fullmatch(r"\d+\.\d+\.\d+\S*", version) else None
    plan.refs.append(PackageRef(Ecosystem.NPM, name, exact, version if sep else "", where, line, "cli"))


def npm_command(args: Sequence[str]) -> tuple[str | None, list[str]]:
    """(command, the arguments without it) for npm's arguments (options may come first)."""
    i = 0
    while i < len(args):
        arg = args[i]
        if not arg.startswith("-"):
            return arg, [*args[:i], *args[i + 1 :]]
        name, eq, _ = arg.partition("=")
        i += 2 if not eq and _npm_takes_value(name) else 1
    return None, list(args)


def _npm_takes_value(option: str) -> bool:
    return option in _NPM_VALUES | _NPM_CONFIG_SWAPS | {"--registry"} or (
        option.startswith("--@") and option.endswith(":registry")
    )


def _package_json(plan: InstallPlan, cwd: Path, read: Reader) -> None:
    """A bare ``npm install``: the project's own dependencies."""
    path = cwd / "package.json"
    try:
        data = json.loads(read(path))
    except FileNotFoundError:
        plan.errors.append("`npm install` without package names, and there is no package.json here")
        return
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        plan.errors.append(f"package.json: cannot read: {exc}")
        return
    if not isinstance(data, dict):
        plan.errors.append("package.json: not a JSON object")
        return
    for section in ("dependencies", "devDependencies", "optionalDependencies", "peerDependencies"):
        deps = data.get(section, {})
        if not isinstance(deps, dict):
            plan.errors.append(f"package.json: {section} is not an object")
            continue
        for name, spec in deps.items():
            if not isinstance(spec, str):
                plan.errors.append(f"package.json: {section}.{name} is not a string")
                continue
            text = name if spec in ("", "*", "latest") else f"{name}@{spec}"
            if not spec.startswith("npm:") and re.match(r"^[a-z][a-z0-9+.-]*:|^[./~]|^[\w.-]+/[\w.-]+", spec, re.I):
                text = spec  # a source (git, URL, path, GitHub shorthand), not a version range
            _classify_npm(text, f"package.json ({section})", plan)


def plan_npm(args: Sequence[str], cwd: Path, read: Reader = _read_text) -> InstallPlan:
    """What ``npm ARGS`` would install, and from which registry."""
    plan = InstallPlan(Ecosystem.NPM)
    command, rest = npm_command(args)
    plan.command = command or ""
    if command not in NPM_INSTALL:
        return plan
    plan.installs = True
    specs: list[str] = []
    i = 0
    while i < len(rest):
        arg = rest[i]
        i += 1
        if not arg.startswith("-"):
            specs.append(arg)
            continue
        name, eq, value = arg.partition("=")
        if not eq and _npm_takes_value(name):
            value = rest[i] if i < len(rest) else ""
            i += 1
        if name == "--registry":
            plan.set_index(value, "<command line>")
        elif name in _NPM_CONFIG_SWAPS:
            plan.unverifiable.append(Unverifiable(value, f"{name} swaps the npm configuration", "<command line>"))
        elif name.startswith("--@") and name.endswith(":registry"):
            plan.unverifiable.append(Unverifiable(value, f"a registry for the scope {name[2:-9]}", "<command line>"))
    for spec in specs:
        _classify_npm(spec, "<command line>", plan)
    if not specs:
        _package_json(plan, cwd, read)
    return plan
