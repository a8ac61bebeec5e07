"""``slopguard mark`` records that code is AI-generated; ``slopguard provenance`` lists AI-generated code, which of
it is unreviewed, which carries findings, and which a rule or a CWE hits."""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from pathlib import Path
from typing import NoReturn

import click

from slopguard.core.config import ConfigError, load_settings
from slopguard.engine.registry import select_rules
from slopguard.pipeline.catalog import code_rules
from slopguard.provenance.index import REVIEW_RULE_ID, Entry, Inventory, attach_findings, collect
from slopguard.provenance.markers import MarkError, mark
from slopguard.provenance.trailers import GitError

EXIT_ERROR = 2
_TARGET = re.compile(r"(?P<file>.+):(?P<start>\d+)(?:-(?P<end>\d+))?")


def fail(message: str) -> NoReturn:
    click.echo(f"slopguard: error: {message}", err=True)
    sys.exit(EXIT_ERROR)


def _split(values: tuple[str, ...]) -> list[str]:
    out: list[str] = []
    for value in values:
        out += [v.strip() for v in value.split(",") if v.strip() and v.strip() not in out]
    return out


def parse_target(target: str) -> tuple[Path, int | None, int | None]:
    """FILE or FILE:START-END (or FILE:LINE); a file whose name really ends in ':N' wins."""
    path = Path(target)
    if not path.exists():
        m = _TARGET.fullmatch(target)
        if m is None or not Path(m["file"]).exists():
            fail(f"no such file: {m['file'] if m else target}")
        start = int(m["start"])
        end = int(m["end"]) if m["end"] else start
        if start < 1 or end < start:
            fail(f"bad line range {m['start']}-{m['end']}: give START-END with 1 <= START <= END")
        path = Path(m["file"])
        if path.is_dir():
            fail(f"{path} is a directory; mark a file")
        return path, start, end
    if path.is_dir():
        fail(f"{path} is a directory; mark a file")
    return path, None, None


@click.command("mark")
@click.argument("target", metavar="FILE[:START-END]")
@click.option("--model", required=True, help="The assistant or model that generated the code.")
@click.option("--generated", help="When it was generated (YYYY-MM-DD; default today for a new marker).")
@click.option("--reviewer", help="Who reviewed it.")
@click.option("--reviewed", help="When it was reviewed (YYYY-MM-DD; default today when --reviewer is given).")
@click.option("--verified", multiple=True, help="Security considerations checked: rule ids, CWE ids or words.")
def mark_command(
    target: str,
    model: str,
    generated: str | None,
    reviewer: str | None,
    reviewed: str | None,
    verified: tuple[str, ...],
) -> None:
    """Mark FILE (or lines START-END of it) as AI-generated, or update its marker."""
    path, start, end = parse_target(target)
    today = dt.date.today().isoformat()
    if not model.strip():
        fail("--model must name the assistant or model")
    if reviewer is not None and not reviewer.strip():
        fail("--reviewer must not be empty")
    values: dict[str, str | None] = {
        "model": model.strip(),
        "generated": generated,
        "reviewer": reviewer.strip() if reviewer else None,
        "reviewed": reviewed or (today if reviewer else None),
        "verified": ",".join(_split(verified)) or None,
    }
    try:
        result = mark(path, values, start, end, new_defaults={"generated": today})
    except MarkError as exc:
        fail(str(exc))
    region = result.region
    what = "whole-file marker" if start is None else f"region marker for lines {region.start}-{region.end}"
    click.echo(f"{result.action} {what} in {path} (line {result.line})")
    if result.moved:
        click.echo(f"note: {result.moved}")


def _rule_ids(
    rules: tuple[str, ...], cwes: tuple[str, ...], select: tuple[str, ...], ignore: tuple[str, ...]
) -> set[str]:

    metas = code_rules()
    if not rules and not cwes:
        try:
            return select_rules(select, ignore, metas) - {REVIEW_RULE_ID}
        except ValueError as exc:
            fail(f"{exc} (see 'slopguard rules')")
    chosen: set[str] = set()
    for rule in _split(rules):
        try:
            chosen |= select_rules([rule], [], metas)
        except ValueError:
            fail(f"unknown rule {rule!r} (see 'slopguard rules')")
    for cwe in _split(cwes):
        digits = cwe.upper().removeprefix("CWE-").removeprefix("CWE")
        if not digits.isdigit():
            fail(f"--cwe takes a CWE number such as 89 or CWE-89, not {cwe!r}")
        ids = {rid for rid, m in metas.items() if int(digits) in m.cwe}
        if not ids:
            fail(f"no slopguard rule maps to CWE-{int(digits)} (see 'slopguard rules')")
        chosen |= ids
    return chosen


@click.command("provenance")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--rule", "rules", multiple=True, help="Only AI code that this rule id (or prefix) flags now.")
@click.option("--cwe", "cwes", multiple=True, help="Only AI code flagged now by a rule for this CWE (89, CWE-89).")
@click.option("--unreviewed", is_flag=True, help="Only AI code with no recorded reviewer.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "markdown"]), default="table", show_default=True)
@click.option("--git", "use_git", is_flag=True, help="Also trace lines to commits with AI-Assisted-By trailers.")
@click.option("--no-findings", is_flag=True, help="List the regions without scanning them for findings.")
def provenance_command(
    paths: tuple[Path, ...],
    rules: tuple[str, ...],
    cwes: tuple[str, ...],
    unreviewed: bool,
    fmt: str,
    use_git: bool,
    no_findings: bool,
) -> None:
    """List AI-generated code under PATHS (default: .): model, dates, reviewer, source (marker or git trailer),
    and the findings it carries now; --rule/--cwe answer "which AI-generated code does this rule hit?"."""

    targets = list(paths) or [Path(".")]
    for target in targets:
        if not target.exists():
            fail(f"no such file or directory: {target}")
        if target.is_file():
            try:
                with target.open("rb"):
                    pass
            except OSError as exc:
                fail(f"cannot read {target}: {exc.strerror or exc}")
    start = targets[0] if targets[0].is_dir() else targets[0].parent
    try:
        settings = load_settings(None, start)
    except ConfigError as exc:
        fail(str(exc))
    query = bool(rules or cwes)
    if no_findings and query:
        fail("--no-findings cannot be combined with --rule/--cwe")
    ids = _rule_ids(rules, cwes, settings.select, settings.ignore) if not no_findings else set()
    try:
        inventory = collect(targets, settings.root, git=use_git, excludes=settings.exclude)
    except GitError as exc:
        fail(str(exc))
    for shown, reason in attach_findings(inventory, ids, settings):
        click.echo(f"slopguard: warning: {shown}: not scanned for findings: {reason}", err=True)
    if query:
        inventory.entries = [e for e in inventory.entries if e.findings]
    if unreviewed:
        inventory.entries = [e for e in inventory.entries if not e.region.is_reviewed]
    if fmt == "json":
        click.echo(json.dumps(inventory.to_dict(), indent=2))
    elif fmt == "markdown":
        click.echo(render_markdown(inventory), nl=False)
    else:
        render_table(inventory, query)


def _lines(entry: Entry) -> str:
    r = entry.region
    return f"{r.start}-{r.end}" + (" (file)" if r.scope == "file" else "")


def _source(entry: Entry) -> str:
    r = entry.region
    return f"trailer {r.commit}" if r.commit else r.source


def _findings(entry: Entry) -> str:
    return ", ".join(f"{f.rule_id}:{f.location.start_line}" for f in entry.findings)


def _summary(inventory: Inventory) -> str:
    s = inventory.summary()
    text = f"{s['regions']} AI-generated region(s), {s['unreviewed']} unreviewed, {s['with_findings']} with findings"
    if inventory.rules and len(inventory.rules) <= 8:
        text += f" (rules: {', '.join(inventory.rules)})"
    return text


def render_table(inventory: Inventory, query: bool = False) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if not console.is_terminal:
        console = Console(width=160)
    for p in inventory.problems:
        where = f"{p.path}:{p.line}" if p.line else p.path
        click.echo(f"slopguard: warning: {where}: {p.message}", err=True)
    if not inventory.entries:
        console.print(_summary(inventory) if query else "No AI-generated code found.", highlight=False)
        return
    table = Table(show_lines=False)
    for column in ("File", "Lines", "Model", "Generated", "Reviewer", "Reviewed", "Source", "Findings"):
        table.add_column(column, overflow="fold", no_wrap=column in ("Lines", "Generated", "Reviewed", "Reviewer"))
    for e in inventory.entries:
        r = e.region
        reviewer = r.reviewer or "[bold red]unreviewed[/]"
        table.add_row(
            r.path, _lines(e), r.model or "?", r.generated or "", reviewer, r.reviewed or "", _source(e), _findings(e)
        )
    console.print(table)
    console.print(_summary(inventory), highlight=False)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(inventory: Inventory) -> str:
    out = ["# AI-generated code", "", _summary(inventory) + ".", ""]
    if inventory.entries:
        out += [
            "| File | Lines | Model | Generated | Reviewer | Reviewed | Verified | Source | Findings |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for e in inventory.entries:
            r = e.region
            cells = [
                f"`{r.path}`", _lines(e), r.model or "?", r.generated or "", r.reviewer or "**unreviewed**",
                r.reviewed or "", ", ".join(r.verified), _source(e), _findings(e),
            ]  # fmt: skip
            out.append("| " + " | ".join(_cell(c) for c in cells) + " |")
        out.append("")
    if inventory.problems:
        out += ["## Marker problems", ""]
        for p in inventory.problems:
            out.append(f"- `{p.path}:{p.line}`: {_cell(p.message)}" if p.line else f"- `{p.path}`: {p.message}")
        out.append("")
    return "\n".join(out)
