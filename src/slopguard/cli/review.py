"""``slopguard review``: the review checklist for a change (paths, or what changed since a git revision).

``--sign-off --reviewer NAME`` records that a person went through the checklist, in two places:

- every provenance marker (``slopguard:ai`` comments, see ``slopguard.provenance.markers``) in the change's files
  gets ``reviewer=NAME reviewed=DATE`` (``markers.sign_off``), so ``slopguard provenance`` sees the code as reviewed;
- one JSON line is appended to ``.slopguard/reviews.jsonl`` at the project root (the git top level with
  ``--diff``): reviewer, date, every file of the change with its SHA-256 (after the markers were updated), the
  markers updated per file, and the checklist summary with the failing and open item ids. The newest line for a
  file is its current review.

Exit codes: 0 no machine-answered item fails, 1 some does, 2 bad input.
"""

from __future__ import annotations

import hashlib
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn

import click

from slopguard.core.changes import ChangeError, changed_files
from slopguard.core.config import ConfigError, Settings, load_settings
from slopguard.core.report import Report
from slopguard.engine.markers import comment_styles
from slopguard.engine.registry import select_rules
from slopguard.pipeline.catalog import code_rules, make_scanner, rule_catalog
from slopguard.pipeline.packages import check, references
from slopguard.pipeline.scan import scan_paths, verify_options
from slopguard.provenance.markers import MarkError, sign_off
from slopguard.review.checklist import PROVENANCE_TAG, Change, Checklist, build_checklist
from slopguard.review.render import render_json, render_markdown

REVIEWS_FILE = Path(".slopguard") / "reviews.jsonl"
MAX_REVIEWER = 200


def fail(message: str) -> NoReturn:
    click.echo(f"slopguard: error: {message}", err=True)
    sys.exit(2)


def _settings(config_file: Path | None, start: Path, root: Path | None) -> Settings:
    try:
        settings = load_settings(config_file, start)
    except ConfigError as exc:
        fail(str(exc))
    if root is not None and settings.source is None:
        settings = settings.with_overrides(root=root)
    return settings.with_overrides(cache=False)


def build(settings: Settings, targets: list[Path], change: Change, offline: bool) -> Checklist:
    """Scan the change, verify its packages, answer the checklist."""
    metas = code_rules()
    try:
        chosen = select_rules(settings.select, settings.ignore, rule_catalog())
    except ValueError as exc:
        fail(f"{exc} (see 'slopguard rules')")
    # AI provenance rules (opt-in for scan) always feed the review, unless the configuration ignores them.
    ignored = tuple(sel.strip().upper() for sel in settings.ignore)
    provenance = {m.id for m in metas.values() if PROVENANCE_TAG in m.tags and not m.id.startswith(ignored)}
    scanner = make_scanner(settings, chosen | provenance)
    report = scan_paths(settings.with_overrides(deps=False), targets, scanner=scanner).report if targets else None
    result = report or Report(settings.root, rules=scanner.rules)
    # A file skipped in part (a syntax error: text rules still ran) is both in ``files`` and ``not_analysed``.
    change.files = {s.display: s.language for s in result.sources}
    change.not_analysed = [(s.display, s.reason) for s in result.skipped]
    # Packages are always verified for a review, whatever the scan settings say.
    refs, problems = references(result.root, result.sources, result.imports)
    packages = check(result.root, refs, verify_options(settings, offline), problems=problems)
    code_findings = [f for f in result.findings if not f.rule_id.startswith("DEP-")]
    return build_checklist(
        change, code_findings, metas, scanner.rule_ids, packages.reports, packages.problems, settings.fail_on
    )


def _sha256(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def mark_reviewed(checklist: Checklist, reviewer: str, date: str, root: Path) -> dict[str, int]:
    """Set reviewer and review date on the AI provenance markers of the change's files: display -> markers."""
    updated: dict[str, int] = {}
    for display in checklist.change.all_files:
        path = Path(display) if Path(display).is_absolute() else root / display
        if comment_styles(path) is None or not path.is_file():
            continue
        try:
            count = sign_off(path, reviewer, date)
        except MarkError as exc:
            click.echo(f"slopguard: warning: {display}: markers not updated: {exc}", err=True)
            continue
        if count:
            updated[display] = count
    return updated


def sign_off_record(checklist: Checklist, reviewer: str, now: datetime, root: Path,
                    marked: dict[str, int]) -> dict[str, Any]:  # fmt: skip
    change = checklist.change
    files = [
        {"path": d, "sha256": _sha256(Path(d) if Path(d).is_absolute() else root / d), "markers": marked.get(d, 0)}
        for d in change.all_files
    ]
    return {
        "reviewer": reviewer,
        "date": now.date().isoformat(),
        "timestamp": now.isoformat(timespec="seconds"),
        "change": {"source": change.source, "rev": change.rev, "paths": list(change.paths)},
        "files": [f for f in files if f["sha256"] is not None],
        "summary": checklist.summary,
        "failing": [i.id for i in checklist.items if i.status.value == "fail"],
        "open_questions": [i.id for i in checklist.items if i.status.value == "needs-human"],
    }


def write_sign_off(record: dict[str, Any], root: Path) -> Path:
    path = root / REVIEWS_FILE
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(record, sort_keys=True, ensure_ascii=False) + "\n")
    except OSError as exc:
        fail(f"cannot write {path}: {exc.strerror or exc}")
    return path


def _check_reviewer(sign_off: bool, reviewer: str | None) -> str | None:
    if reviewer is not None and not sign_off:
        fail("--reviewer is only used with --sign-off")
    if not sign_off:
        return None
    name = " ".join((reviewer or "").split())
    if not name:
        fail("--sign-off needs --reviewer NAME (the person who went through the checklist)")
    if len(name) > MAX_REVIEWER or any(not ch.isprintable() for ch in name):
        fail(f"--reviewer must be a printable name of at most {MAX_REVIEWER} characters")
    return name


def _change(paths: tuple[Path, ...], rev: str | None, config_file: Path | None) -> tuple[Settings, list[Path], Change]:
    for path in paths:
        if not path.exists():
            fail(f"{path}: no such file or directory")
    if rev is None:
        targets = list(paths) or [Path(".")]
        start = targets[0] if targets[0].is_dir() else targets[0].parent
        settings = _settings(config_file, start, None)
        return settings, targets, Change("paths", None, tuple(str(p) for p in targets))
    try:
        changed = changed_files(rev, Path.cwd())
    except ChangeError as exc:
        fail(str(exc))
    files, gone = changed.under(list(paths))
    settings = _settings(config_file, changed.root, changed.root)
    return settings, files, Change("diff", rev, tuple(str(p) for p in paths), deleted=tuple(gone))


@click.command("review")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--diff", "rev", metavar="REV",
              help="Review the files changed since REV in this git repository (plus untracked files).")  # fmt: skip
@click.option("--format", "fmt", type=click.Choice(["markdown", "json"]), default="markdown", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write the checklist to FILE.")
@click.option("--offline", is_flag=True, help="Verify packages from the cache and the shipped index only.")
@click.option("--link-base", default="", metavar="URL",
              help="Prefix for file links in Markdown, e.g. the blob URL at the PR's head commit.")  # fmt: skip
@click.option("--sign-off", is_flag=True, help="Record that --reviewer went through this checklist.")
@click.option("--reviewer", metavar="NAME", help="Who signs off (with --sign-off).")
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Config file (default: nearest slopguard.toml or [tool.slopguard] in pyproject.toml).")  # fmt: skip
def review_command(
    paths: tuple[Path, ...],
    rev: str | None,
    fmt: str,
    output: Path | None,
    offline: bool,
    link_base: str,
    sign_off: bool,
    reviewer: str | None,
    config_file: Path | None,
) -> None:
    """The review checklist for PATHS (default: .) or for the files changed since --diff REV: the questions
    every change must answer, per language, answered from the scan and the package checks where a machine can,
    left open for a person where it cannot."""

    name = _check_reviewer(sign_off, reviewer)
    settings, targets, change = _change(paths, rev, config_file)
    checklist = build(settings, targets, change, offline)
    record: dict[str, Any] | None = None
    if name is not None:
        if not checklist.change.all_files:
            fail("the change has no files to sign off")
        now = datetime.now(UTC)
        marked = mark_reviewed(checklist, name, now.date().isoformat(), settings.root)
        if marked:  # the markers now name a reviewer: answer again from the files as signed off
            change = Change(change.source, change.rev, change.paths, deleted=change.deleted)
            checklist = build(settings, targets, change, offline)
        record = sign_off_record(checklist, name, now, settings.root, marked)
        where = write_sign_off(record, settings.root)
        regions = f"; {sum(marked.values())} AI marker(s) in {len(marked)} file(s) updated" if marked else ""
        click.echo(f"slopguard: review signed off by {name}, recorded in {where}{regions}", err=True)
    text = render_json(checklist, record) if fmt == "json" else render_markdown(checklist, link_base, record)
    if output:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            fail(f"cannot write {output}: {exc.strerror or exc}")
    else:
        click.echo(text, nl=False)
    sys.exit(1 if checklist.failed else 0)
