"""``slopguard scan``: run the rule engine over files, a directory tree, or a snippet on stdin."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

import click

from slopguard.core.baseline import BaselineError, load_baseline, new_findings, write_baseline
from slopguard.core.changes import ChangeError, changed_files
from slopguard.core.config import ConfigError, Settings, load_settings
from slopguard.core.finding import Confidence, Severity
from slopguard.core.report import Report
from slopguard.engine.languages import language_of, scanned_languages
from slopguard.engine.scanner import Progress as ProgressFn
from slopguard.engine.scanner import Scanner
from slopguard.pipeline.catalog import make_scanner
from slopguard.pipeline.gate import EXIT_CLEAN, EXIT_FINDINGS, nothing_selected, scan_exit_code
from slopguard.pipeline.scan import ScanOutcome, scan_answer, scan_paths, scan_source
from slopguard.report import REPORTERS, RULES_URL, RenderOptions, reporter
from slopguard.report.escape import printable
from slopguard.report.statistics import render_statistics

SEVERITIES = [s.label for s in Severity]
CONFIDENCES = [c.label for c in Confidence]
PROGRESS_MIN_FILES = 200


def _split(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(v.strip() for value in values for v in value.split(",") if v.strip())


def fail(message: str) -> None:
    click.echo(f"slopguard: error: {message}", err=True)
    sys.exit(2)


@contextmanager
def _progress(enabled: bool) -> Iterator[ProgressFn | None]:
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(
        TextColumn("scanning"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=Console(stderr=True), transient=True,
    )  # fmt: skip
    task = bar.add_task("scan", total=None)
    state = {"started": False}

    def update(done: int, total: int) -> None:
        if total < PROGRESS_MIN_FILES:
            return
        if not state["started"]:
            bar.start()
            state["started"] = True
        bar.update(task, completed=done, total=total)

    try:
        yield update
    finally:
        if state["started"]:
            bar.stop()


@click.command("scan")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(tuple(REPORTERS)), help="Output format (default: text).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write the report to FILE.")
@click.option("--fail-on", type=click.Choice(SEVERITIES), help="Exit 1 when a finding is at or above (default: high).")
@click.option("--min-confidence", type=click.Choice(CONFIDENCES),
              help="Only findings at least this sure fail the gate (default: medium).")  # fmt: skip
@click.option("--role-policy/--no-role-policy", default=None,
              help="Tests and examples: hygiene findings are low; vendored, minified and generated files are "
              "left out (default: on).")  # fmt: skip
@click.option("--select", multiple=True, help="Only these rule ids or prefixes (repeatable, comma-separated).")
@click.option("--ignore", "ignore_", multiple=True, help="Skip these rule ids or prefixes.")
@click.option("--exclude", multiple=True, help="Gitignore-style globs to leave out (repeatable).")
@click.option("-j", "--jobs", type=click.IntRange(min=0), help="Worker processes (0 = one per CPU on big scans).")
@click.option("--lang", type=click.Choice(scanned_languages()),
              help="Language of unlabelled code on stdin (default: from --stdin-filename, else detected).")  # fmt: skip
@click.option("--stdin-filename", default="<stdin>", show_default=True,
              help="Name of stdin input; a code file's name (app.js) means stdin is that file.")  # fmt: skip
@click.option("--baseline", type=click.Path(dir_okay=False, path_type=Path),
              help="Report only findings not in FILE; a missing FILE is written from this scan.")  # fmt: skip
@click.option("--update-baseline", is_flag=True, help="Rewrite the --baseline file from this scan.")
@click.option("--no-cache", is_flag=True, help="Analyse every file even if unchanged.")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path), help="Where the cache lives.")
@click.option("--max-file-size", type=click.IntRange(min=1), help="Skip files larger than this many bytes.")
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Config file (default: nearest slopguard.toml or [tool.slopguard] in pyproject.toml).")  # fmt: skip
@click.option("--no-progress", is_flag=True, help="Never show a progress bar.")
@click.option("--deps/--no-deps", "deps", default=None, help="Verify the packages named in manifests and imports.")
@click.option("--transitive", is_flag=True, default=None,
              help="Verify every package a lockfile pins, not only the direct dependencies.")  # fmt: skip
@click.option("--diff", "rev", metavar="REV",
              help="Scan only the files changed since git revision REV (and untracked files); PATHS limit "
              "them.")  # fmt: skip
@click.option("--offline", is_flag=True, default=None, help="Verify packages from the cache and shipped index only.")
@click.option("--allow-unknown", is_flag=True, default=None, help="Packages that cannot be verified do not fail.")
@click.option("--new-days", type=click.IntRange(min=0), help="A package younger than this many days is 'new'.")
@click.option("--require-review", is_flag=True, default=None,
              help="Report AI-generated code (slopguard:ai markers) that has no recorded reviewer.")  # fmt: skip
@click.option("--statistics", is_flag=True, help="Print how many findings each rule raised instead of the findings.")
@click.option("--allow-skipped", is_flag=True, default=None,
              help="Files that could not be analysed do not make the scan incomplete (exit 3).")  # fmt: skip
@click.option("--time-budget", type=click.FloatRange(min=0, min_open=True), metavar="SECONDS",
              help="Give up on a file after this long and report it skipped (default: 20).")  # fmt: skip
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when findings fail the gate (errors still exit 2).")
@click.option("--rules-url", default=RULES_URL, show_default=True,
              help="Base URL of the rule reference, for the SARIF helpUri of each rule (URL#rule-id).")  # fmt: skip
def scan_command(
    paths: tuple[Path, ...],
    fmt: str | None,
    output: Path | None,
    fail_on: str | None,
    min_confidence: str | None,
    role_policy: bool | None,
    select: tuple[str, ...],
    ignore_: tuple[str, ...],
    exclude: tuple[str, ...],
    jobs: int | None,
    lang: str | None,
    stdin_filename: str,
    baseline: Path | None,
    update_baseline: bool,
    no_cache: bool,
    cache_dir: Path | None,
    max_file_size: int | None,
    config_file: Path | None,
    no_progress: bool,
    deps: bool | None,
    transitive: bool | None,
    rev: str | None,
    offline: bool | None,
    allow_unknown: bool | None,
    new_days: int | None,
    require_review: bool | None,
    statistics: bool,
    exit_zero: bool,
    rules_url: str,
    allow_skipped: bool | None,
    time_budget: float | None,
) -> None:
    """Scan PATHS (default: .) for the flaws AI assistants write; '-' reads a snippet or a whole answer
    from stdin.

    Exit codes: 0 clean (with --diff: also when no file changed); 1 a finding at or above --fail-on; 2 usage or
    configuration error, a missing path, a bad --diff revision, or nothing to scan (every file found excluded);
    3 incomplete (some file could not be analysed; --allow-skipped makes that 0)."""
    use_stdin = paths == (Path("-"),)
    if Path("-") in paths and not use_stdin:
        fail("'-' (stdin) cannot be combined with other paths")
    if use_stdin and rev is not None:
        fail("--diff cannot be combined with '-' (stdin)")
    targets = list(paths) or [Path(".")]
    missing = [p for p in targets if not use_stdin and not os.path.lexists(p)]
    if missing:
        fail("; ".join(f"{printable(str(p))}: no such file or directory" for p in missing))
    start = Path.cwd() if use_stdin else (targets[0] if targets[0].is_dir() else targets[0].parent)
    try:
        settings = load_settings(config_file, start)
    except ConfigError as exc:
        fail(str(exc))
        return
    if rev is not None:
        repository, targets = _changed(rev, list(paths))
        if settings.source is None:  # as for review: excludes and fingerprints relative to the repository
            settings = settings.with_overrides(root=repository)
    settings = settings.with_overrides(
        format=fmt,
        output=output,
        fail_on=Severity.parse(fail_on) if fail_on else None,
        min_confidence=Confidence.parse(min_confidence) if min_confidence else None,
        role_policy=role_policy,
        select=_split(select) or None,
        ignore=_split(ignore_) or None,
        exclude=(*settings.exclude, *exclude) if exclude else None,
        jobs=jobs,
        baseline=baseline,
        cache=False if no_cache else None,
        cache_dir=cache_dir,
        max_file_size=max_file_size,
        deps=deps,
        transitive=transitive,
        offline=offline,
        allow_unknown=allow_unknown,
        new_days=new_days,
        require_review=require_review,
        allow_skipped=allow_skipped,
        time_budget=time_budget,
    )
    try:
        scanner = make_scanner(settings)
    except ValueError as exc:
        fail(f"{exc} (see 'slopguard rules')")
        return
    if use_stdin:
        outcome = _scan_stdin(settings, sys.stdin.read(), lang, stdin_filename, scanner)
    else:
        show = not no_progress and sys.stderr.isatty()
        with _progress(show) as progress:
            outcome = scan_paths(settings, targets, progress=progress, scanner=scanner)
    empty = nothing_selected(outcome.report, settings)
    if empty:
        fail(empty)
    _apply_baseline(settings, outcome.report, update_baseline)
    options = RenderOptions(
        settings.fail_on,
        settings.allow_unknown,
        settings.min_confidence,
        outcome.texts,
        terminal=_is_terminal(settings),
        rules_url=rules_url,
    )
    # Paths as seen from where slopguard runs; a snippet from stdin keeps the name it was given.
    shown = outcome.report if use_stdin else outcome.report.seen_from(Path.cwd())
    _report(settings, shown, options, statistics)
    code = scan_exit_code(outcome.report, settings)
    sys.exit(EXIT_CLEAN if exit_zero and code == EXIT_FINDINGS else code)


def _changed(rev: str, limits: list[Path]) -> tuple[Path, list[Path]]:
    """The repository's top folder and the files changed since ``rev`` inside ``limits`` (all when empty)."""
    try:
        changed = changed_files(rev, Path.cwd())
    except ChangeError as exc:
        fail(str(exc))
        raise  # unreachable: fail exits
    files, _ = changed.under(limits)
    if not files:
        click.echo(f"slopguard: no files changed since {rev}", err=True)
    return changed.root, files


def _scan_stdin(settings: Settings, text: str, lang: str | None, name: str, scanner: Scanner) -> ScanOutcome:
    """A file piped in under a code file's name is that file; anything else is an answer (Markdown or a bare
    snippet) whose unlabelled code is ``--lang`` or detected."""
    named = language_of(name)
    if named is not None and named != "docs":
        return scan_source(settings, text, lang or named, name, scanner=scanner)
    return scan_answer(settings, text, lang, name, scanner=scanner)


def _is_terminal(settings: Settings) -> bool:
    """Colour and wrapping only for a person at a terminal, never for a file, a pipe or a CI log."""
    return settings.output is None and sys.stdout.isatty()


def _apply_baseline(settings: Settings, result: Report, update: bool) -> None:
    path = settings.baseline
    if path is None:
        if update:
            fail("--update-baseline needs --baseline FILE")
        return
    if update or not path.exists():
        try:
            count = write_baseline(path, result.findings)
        except OSError as exc:
            fail(f"cannot write baseline {path}: {exc.strerror}")
        click.echo(f"slopguard: baseline {path} written with {count} finding(s)", err=True)
        result.findings = []
        return
    try:
        known = load_baseline(path)
    except BaselineError as exc:
        fail(str(exc))
        return
    before = len(result.findings)
    result.findings = new_findings(result.findings, known)
    click.echo(f"slopguard: {before - len(result.findings)} finding(s) hidden by baseline {path}", err=True)


def _report(settings: Settings, result: Report, options: RenderOptions, statistics: bool) -> None:
    def render(stream: TextIO) -> None:
        if statistics:
            render_statistics(result, stream, as_json=settings.format == "json")
        else:
            reporter(settings.format)(result, stream, options)

    if settings.output is None:
        render(sys.stdout)
        return
    try:
        settings.output.parent.mkdir(parents=True, exist_ok=True)
        with settings.output.open("w", encoding="utf-8") as out:
            render(out)
    except OSError as exc:
        fail(f"cannot write {settings.output}: {exc.strerror or exc}")
