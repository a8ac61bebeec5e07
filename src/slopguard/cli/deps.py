"""``slopguard deps``, ``check``, ``pip install`` and ``npm install``: verify packages before anyone installs them."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import click

from slopguard.core.config import ConfigError, Settings, load_settings
from slopguard.core.finding import Severity
from slopguard.deps.model import Check, Ecosystem, PackageRef, PackageReport

SEVERITIES = [s.label for s in Severity]
# Refused by the install wrappers unless --force.
BLOCKING = frozenset({Check.MISSING, Check.TYPOSQUAT, Check.NEW})


def _fail(message: str) -> None:
    click.echo(f"slopguard: error: {message}", err=True)
    sys.exit(2)


def _settings(config_file: Path | None, start: Path) -> Settings:
    try:
        return load_settings(config_file, start)
    except ConfigError as exc:
        _fail(str(exc))
        raise  # unreachable


def _verify(refs: list[PackageRef], settings: Settings, offline: bool, new_days: int | None) -> list[PackageReport]:
    from slopguard.deps.verify import VerifyOptions, verify

    options = VerifyOptions(
        offline=offline or settings.offline,
        new_days=settings.new_days if new_days is None else new_days,
        project_dir=settings.root,
    )
    return verify(refs, options)


def _failing(reports: Sequence[PackageReport], fail_on: Severity, allow_unknown: bool) -> bool:
    return any(
        s.severity >= fail_on and not (allow_unknown and s.check is Check.UNKNOWN) for r in reports for s in r.signals
    )


def _output(reports: list[PackageReport], fmt: str, output: Path | None, root: Path, snippets: dict[str, str]) -> None:
    from rich.console import Console

    from slopguard.deps.report import render_table, reports_json

    if fmt == "text":
        handle = output.open("w", encoding="utf-8") if output else None
        console = Console(file=handle, width=140 if handle else None, no_color=handle is not None)
        if reports:
            render_table(reports, console)
        from slopguard.deps.popularity import normalize

        flagged = len({(r.ref.ecosystem, normalize(r.ref.ecosystem, r.ref.name)) for r in reports if r.signals})
        total = len({(r.ref.ecosystem, normalize(r.ref.ecosystem, r.ref.name)) for r in reports})
        console.print(f"{total} package(s) checked, {flagged} with concerns")
        if handle:
            handle.close()
        return
    text = reports_json(reports) if fmt == "json" else _sarif(reports, root, snippets)
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)


def _sarif(reports: list[PackageReport], root: Path, snippets: dict[str, str]) -> str:
    from slopguard.core.report import Report
    from slopguard.deps.checks import CHECK_RULES
    from slopguard.deps.report import to_findings
    from slopguard.report.sarif import render_sarif

    def line_of(display: str, number: int) -> str:
        text = snippets.get(display)
        if text is None:
            try:
                text = (root / display).read_text(encoding="utf-8", errors="replace")
            except OSError:
                return ""
        lines = text.splitlines()
        return lines[number - 1] if 0 < number <= len(lines) else ""

    rules = {m.id: m for m in CHECK_RULES.values()}
    return render_sarif(Report(root, rules=rules, findings=to_findings(reports, line_of)))


def _common(func: click.decorators.FC) -> click.decorators.FC:
    for option in reversed(
        [
            click.option(
                "--format", "fmt", type=click.Choice(["text", "json", "sarif"]), default="text", show_default=True
            ),
            click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path)),
            click.option("--fail-on", type=click.Choice(SEVERITIES), default=None, help="Default: high."),
            click.option("--offline", is_flag=True, help="Use only the cache and the shipped popularity index."),
            click.option("--allow-unknown", is_flag=True, help="Packages that cannot be verified do not fail."),
            click.option("--new-days", type=click.IntRange(min=0), help="Younger packages are 'new' (default 30)."),
            click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path)),
        ]
    ):
        func = option(func)
    return func


def _finish(
    refs: list[PackageRef],
    settings: Settings,
    snippets: dict[str, str],
    fmt: str,
    output: Path | None,
    fail_on: str | None,
    offline: bool,
    allow_unknown: bool,
    new_days: int | None,
) -> None:
    """Verify, report, and exit 1 when a concern reaches --fail-on (unverifiable ones unless allowed)."""
    reports = _verify(refs, settings, offline, new_days)
    _output(reports, fmt, output, settings.root, snippets)
    threshold = Severity.parse(fail_on) if fail_on else settings.fail_on
    sys.exit(1 if _failing(reports, threshold, allow_unknown or settings.allow_unknown) else 0)


def _collect_target(target: str, settings: Settings, lang: str) -> tuple[list[PackageRef], dict[str, str]]:
    """References in a directory tree or file (through the scanner's discovery and import extraction) or stdin."""
    from slopguard.deps.collect import from_commands, from_imports
    from slopguard.deps.phase import first_imports, references

    if target == "-":
        from slopguard.core.snippets import code_blocks
        from slopguard.deps.imports import js_imports, python_imports_from_text

        text = sys.stdin.read()
        found: list[tuple[str, str, int, str]] = []
        for block in code_blocks(text, lang):
            offset = block.first_line - 1
            if lang == "python":
                pairs = python_imports_from_text(block.code, full=True)
            else:
                pairs = js_imports(block.code.encode(), typescript=lang == "typescript")
            found += [("<stdin>", module, line + offset, lang) for module, line in pairs]
        refs = from_imports(found, settings.root) + from_commands(text, "<stdin>")
        return first_imports(refs), {"<stdin>": text}
    from slopguard.engine.scanner import Scanner

    path = Path(target)
    if not path.exists():
        _fail(f"{target}: no such file or directory")
    result = Scanner(settings, rule_ids=()).scan_paths([path])
    refs, problems = references(result)
    for p in problems:
        click.echo(f"slopguard: {p.path}:{p.line}: {p.message}", err=True)
    return refs, {}


@click.command("deps")
@click.argument("target", default=".")
@click.option("--lang", type=click.Choice(["python", "javascript", "typescript"]), default="python", show_default=True,
              help="Language of code read from stdin ('-').")  # fmt: skip
@_common
def deps_command(
    target: str,
    lang: str,
    fmt: str,
    output: Path | None,
    fail_on: str | None,
    offline: bool,
    allow_unknown: bool,
    new_days: int | None,
    config_file: Path | None,
) -> None:
    """Verify every package named in manifests, imports and install commands under TARGET (default: .),
    or in code/an answer read from stdin ('-'): does it exist, is it new, obscure, a typosquat, vulnerable?"""
    start = Path.cwd() if target == "-" else Path(target) if Path(target).is_dir() else Path(target).parent
    settings = _settings(config_file, start)
    refs, snippets = _collect_target(target, settings, lang)
    _finish(refs, settings, snippets, fmt, output, fail_on, offline, allow_unknown, new_days)


@click.command("check")
@click.argument("names", nargs=-1, required=True)
@click.option("--ecosystem", type=click.Choice([e.value for e in Ecosystem]), default="pypi", show_default=True)
@_common
def check_command(
    names: tuple[str, ...],
    ecosystem: str,
    fmt: str,
    output: Path | None,
    fail_on: str | None,
    offline: bool,
    allow_unknown: bool,
    new_days: int | None,
    config_file: Path | None,
) -> None:
    """Look up package NAMES (optionally NAME==VERSION, or name@version for npm) before using them."""
    from slopguard.deps.collect import install_args

    settings = _settings(config_file, Path.cwd())
    refs = install_args(list(names), Ecosystem(ecosystem), "<command line>")
    if len(refs) != len(names):
        _fail("every NAME must be a package name, optionally with a version")
    _finish(refs, settings, {}, fmt, output, fail_on, offline, allow_unknown, new_days)


def _install_wrapper(ecosystem: Ecosystem, client: list[str] | None, args: tuple[str, ...], force: bool,
                     allow_unknown: bool, offline: bool) -> None:  # fmt: skip
    from slopguard.deps.collect import Collected, from_manifests, install_args
    from slopguard.deps.report import render_table

    if client is None:
        _fail(f"the {ecosystem.value} client is not installed")
        return
    settings = _settings(None, Path.cwd())
    position = next((i for i, a in enumerate(args) if not a.startswith("-")), len(args))
    if position < len(args) and args[position] in ("install", "i", "add"):
        refs = install_args(list(args[position + 1 :]), ecosystem, "<command line>")
        manifests = [a for i, a in enumerate(args) if i > 0 and args[i - 1] in ("-r", "--requirement")]
        collected: Collected = from_manifests((Path(m), m) for m in manifests)
        refs += collected.refs
        reports = _verify(refs, settings, offline, None)
        blocked = [
            r for r in reports
            if any(s.check in BLOCKING or (s.check is Check.UNKNOWN and not allow_unknown) for s in r.signals)
        ]  # fmt: skip
        if reports:
            from rich.console import Console

            render_table(reports, Console(stderr=True))
        if blocked and not force:
            names = ", ".join(sorted({r.ref.name for r in blocked}))
            click.echo(f"slopguard: refusing to install {names} (use --force to install anyway)", err=True)
            sys.exit(1)
    sys.exit(subprocess.call([*client, *args]))


# slopguard's own options come first (`slopguard pip --force install x`); everything from the client's first
# argument on is passed to the client untouched, so the client's own --force stays the client's.
_PASS_THROUGH = {
    "ignore_unknown_options": True,
    "allow_extra_args": True,
    "allow_interspersed_args": False,
    "help_option_names": [],
}


@click.command("pip", context_settings=_PASS_THROUGH)
@click.option("--force", is_flag=True, help="Install even when a package is missing, a typosquat or brand new.")
@click.option("--allow-unknown", is_flag=True, help="Install packages that could not be verified.")
@click.option("--offline", is_flag=True, help="Verify from the cache and shipped index only.")
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def pip_command(force: bool, allow_unknown: bool, offline: bool, args: tuple[str, ...]) -> None:
    """Verify the packages of `pip install ...`, then run pip with the same arguments."""
    _install_wrapper(Ecosystem.PYPI, [sys.executable, "-m", "pip"], args, force, allow_unknown, offline)


@click.command("npm", context_settings=_PASS_THROUGH)
@click.option("--force", is_flag=True, help="Install even when a package is missing, a typosquat or brand new.")
@click.option("--allow-unknown", is_flag=True, help="Install packages that could not be verified.")
@click.option("--offline", is_flag=True, help="Verify from the cache and shipped index only.")
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def npm_command(force: bool, allow_unknown: bool, offline: bool, args: tuple[str, ...]) -> None:
    """Verify the packages of `npm install ...`, then run npm with the same arguments."""
    npm = shutil.which("npm")
    _install_wrapper(Ecosystem.NPM, [npm] if npm else None, args, force, allow_unknown, offline)
