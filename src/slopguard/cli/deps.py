"""``slopguard deps`` and ``check``: verify packages before anyone installs them."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TextIO

import click

from slopguard.core.config import ConfigError, Settings, load_settings
from slopguard.core.finding import Severity
from slopguard.core.report import Report
from slopguard.core.snippets import code_blocks
from slopguard.deps.collect import from_commands, from_imports, install_args
from slopguard.deps.model import Ecosystem, PackageRef, PackageReport
from slopguard.deps.popularity import normalize
from slopguard.deps.registries import RegistryConfigError, osv_api_url
from slopguard.deps.report import only_notes, render_table, reports_json
from slopguard.engine.languages import fence_names
from slopguard.engine.snippet_imports import snippet_imports
from slopguard.pipeline.catalog import package_rules
from slopguard.pipeline.gate import exit_code
from slopguard.pipeline.packages import PackageOutcome, check, first_imports, references
from slopguard.pipeline.scan import scan_paths, verify_options
from slopguard.report import RenderOptions, reporter

SEVERITIES = [s.label for s in Severity]


def _fail(message: str) -> None:
    click.echo(f"slopguard: error: {message}", err=True)
    sys.exit(2)


def _settings(config_file: Path | None, start: Path) -> Settings:
    try:
        return load_settings(config_file, start)
    except ConfigError as exc:
        _fail(str(exc))
        raise  # unreachable


def _output(outcome: PackageOutcome, fmt: str, output: Path | None, root: Path) -> None:
    reports = outcome.reports
    if fmt == "sarif":
        report = Report(root, rules=package_rules(), findings=outcome.findings)
        _write(output, lambda stream: reporter("sarif")(report, stream, RenderOptions()))
        return
    if fmt == "json":
        _write(output, lambda stream: stream.write(reports_json(reports)))
        return
    from rich.console import Console  # only text output pays for rich

    def table(stream: TextIO) -> None:
        console = Console(file=stream) if output is None else Console(file=stream, width=140, no_color=True)
        if reports:
            render_table(reports, console)
        flagged = {_requirement(r) for r in reports if r.signals and not only_notes(r)}
        unaudited = {_requirement(r) for r in reports if only_notes(r)}
        total = len({_requirement(r) for r in reports})
        tail = f", {len(unaudited)} without advisory data" if unaudited else ""
        console.print(f"{total} package(s) checked, {len(flagged)} with concerns{tail}")

    _write(output, table)


def _requirement(report: PackageReport) -> tuple[Ecosystem, str, str]:
    """What the count counts: a package at a version (``requests==2.5.0`` and ``requests==2.32.3`` are two)."""
    ref = report.ref
    return ref.ecosystem, normalize(ref.ecosystem, ref.name), ref.version or ref.spec


def _write(output: Path | None, write: Callable[[TextIO], object]) -> None:
    if output is None:
        write(sys.stdout)
        return
    try:
        with output.open("w", encoding="utf-8") as stream:
            write(stream)
    except OSError as exc:
        _fail(f"cannot write {output}: {exc.strerror}")


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
            click.option(
                "--osv-url",
                metavar="URL",
                help="An OSV API to ask for advisories (POST URL/v1/querybatch); else $SLOPGUARD_OSV_URL.",
            ),
            click.option(
                "--advisories",
                "advisory_files",
                multiple=True,
                type=click.Path(exists=True, path_type=Path),
                help="An OSV export (PyPI/all.zip, npm/all.zip) or a folder of OSV JSON; repeatable.",
            ),
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
    osv_url: str | None,
    advisory_files: tuple[Path, ...],
) -> None:
    """Verify, report, and exit 1 when a concern reaches --fail-on (unverifiable ones unless allowed)."""
    try:
        osv_api_url(osv_url)
    except RegistryConfigError as exc:
        _fail(str(exc))
    options = replace(verify_options(settings, offline), osv_url=osv_url, advisory_files=advisory_files)
    if new_days is not None:
        options = replace(options, new_days=new_days)
    outcome = check(settings.root, refs, options, snippets)
    _output(outcome, fmt, output, settings.root)
    gate = settings.with_overrides(
        fail_on=Severity.parse(fail_on) if fail_on else None, allow_unknown=allow_unknown or None
    )
    sys.exit(exit_code(outcome.findings, gate))


def _collect_target(target: str, settings: Settings, lang: str) -> tuple[list[PackageRef], dict[str, str]]:
    """References in a directory tree or file (through the scanner's discovery and import extraction) or stdin."""
    if target == "-":
        text = sys.stdin.read()
        found = [
            ("<stdin>", module, line + block.first_line - 1, lang)
            for block in code_blocks(text, fence_names(lang))
            for module, line in snippet_imports(lang, block.code)
        ]
        refs = from_imports(found, settings.root) + from_commands(text, "<stdin>")
        return first_imports(refs), {"<stdin>": text}
    path = Path(target)
    if not path.exists():
        _fail(f"{target}: no such file or directory")
    report = scan_paths(settings.with_overrides(deps=False), [path], rule_ids=()).report
    refs, problems = references(report.root, report.sources, report.imports, settings.transitive)
    for p in problems:
        click.echo(f"slopguard: {p.path}:{p.line}: {p.message}", err=True)
    return refs, {}


@click.command("deps")
@click.argument("target", default=".")
@click.option("--lang", type=click.Choice(["python", "javascript", "typescript"]), default="python", show_default=True,
              help="Language of code read from stdin ('-').")  # fmt: skip
@click.option("--transitive", is_flag=True, default=None,
              help="Verify every package a lockfile pins, not only the direct dependencies.")  # fmt: skip
@_common
def deps_command(
    target: str,
    lang: str,
    transitive: bool | None,
    fmt: str,
    output: Path | None,
    fail_on: str | None,
    offline: bool,
    allow_unknown: bool,
    new_days: int | None,
    osv_url: str | None,
    advisory_files: tuple[Path, ...],
    config_file: Path | None,
) -> None:
    """Verify every package named in manifests, imports and install commands under TARGET (default: .),
    or in code/an answer read from stdin ('-'): does it exist, is it new, obscure, a typosquat, vulnerable?"""
    start = Path.cwd() if target == "-" else Path(target) if Path(target).is_dir() else Path(target).parent
    settings = _settings(config_file, start).with_overrides(transitive=transitive)
    refs, snippets = _collect_target(target, settings, lang)
    _finish(refs, settings, snippets, fmt, output, fail_on, offline, allow_unknown, new_days, osv_url, advisory_files)


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
    osv_url: str | None,
    advisory_files: tuple[Path, ...],
    config_file: Path | None,
) -> None:
    """Look up package NAMES (optionally NAME==VERSION, or name@version for npm) before using them."""

    settings = _settings(config_file, Path.cwd())
    refs = install_args(list(names), Ecosystem(ecosystem), "<command line>")
    if len(refs) != len(names):
        _fail("every NAME must be a package name, optionally with a version")
    _finish(refs, settings, {}, fmt, output, fail_on, offline, allow_unknown, new_days, osv_url, advisory_files)
