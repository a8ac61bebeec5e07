"""``slopguard classify``: should an assistant write this? A verdict (never / caution / relatively safe) with reasons.

Input is one of:

- a task description: ``slopguard classify "add a password reset flow"`` (or ``--text TEXT``, or ``-`` for stdin);
- files or folders: ``slopguard classify src/payments app.py``;
- ``--diff REV``: the files changed since REV in the git repository of the current directory — everything
  ``git diff --name-only REV`` lists (committed, staged and unstaged changes) plus untracked files that are not
  ignored; deleted files are listed but not classified.

Arguments that all exist are paths; otherwise they are read as one task description, except a single word that
looks like a file name (``app.py``, ``src/x``) and does not exist, which is an error. Exit codes: 0, or 1 when
``--fail-on`` is given and the verdict is at or above it; 2 for bad input.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import click

from slopguard.guide.classify_code import classify_diff, classify_paths
from slopguard.guide.classify_text import classify_text
from slopguard.guide.code_input import ClassifyInputError
from slopguard.guide.decision import Decision, Verdict

MAX_QUIET_ROWS = 20  # above this many files, the table leaves out files with no signal at all
STYLE = {Verdict.NEVER: "bold white on red", Verdict.CAUTION: "bold yellow", Verdict.SAFE: "bold green"}
_PATHLIKE_SUFFIXES = frozenset({
    ".py", ".pyw", ".js", ".mjs", ".cjs", ".jsx", ".ts", ".tsx", ".java", ".c", ".h", ".cc", ".cpp", ".go", ".rs",
    ".rb", ".php", ".cs", ".kt", ".sh", ".sql", ".md", ".rst", ".txt", ".toml", ".yaml", ".yml", ".json", ".ini",
    ".cfg", ".html", ".css", ".ipynb",
})  # fmt: skip


def _fail(message: str) -> None:
    click.echo(f"slopguard: error: {message}", err=True)
    sys.exit(2)


def _looks_like_path(arg: str) -> bool:
    return not any(c.isspace() for c in arg) and (
        "/" in arg or os.sep in arg or os.path.splitext(arg)[1].lower() in _PATHLIKE_SUFFIXES
    )


def _console() -> Any:
    from rich.console import Console

    return Console(highlight=False, soft_wrap=False, width=None if sys.stdout.isatty() else 120)


def _reasons_lines(decision: Decision) -> list[str]:
    from rich.markup import escape

    lines = []
    for r in decision.reasons:
        cat = r.category
        status = "" if r.counted else (" — below threshold" if r.score < 1.0 else " — context only")
        shown = ", ".join(escape(e) for e in r.evidence[:6]) + (" …" if len(r.evidence) > 6 else "")
        mark = "[bold]✔[/bold]" if r.counted else "·"
        lines.append(f"  {mark} {cat.id} ({cat.verdict.label}, score {r.score:.1f}{status}): {shown}")
    return lines


def _render_decision(console: Any, decision: Decision, heading: str) -> None:
    from rich.markup import escape

    v = decision.verdict
    what = f" — {decision.category.title}" if decision.category else " — no risk signal found"
    console.print(f"{heading}: [{STYLE[v]}] {v.label.upper()} [/] (confidence {decision.confidence:.2f}){what}")
    if decision.category:
        console.print(f"  {escape(decision.category.why)}")
    if decision.reasons:
        console.print("Reasons:")
        for line in _reasons_lines(decision):
            console.print(line)
    for note in decision.notes:
        console.print(f"[dim]note: {escape(note)}[/dim]")
    if v is Verdict.SAFE and decision.category is None:
        console.print("[dim]note: the classifier only knows the phrases and signals it lists; no match is not proof[/]")
    console.print("Advice:")
    for item in decision.advice:
        console.print(f"  - {escape(item)}")


def _render_code(console: Any, report: Any) -> None:
    from rich.markup import escape
    from rich.table import Table

    shown = report.files
    if len(shown) > MAX_QUIET_ROWS:
        shown = [f for f in report.files if f.decision.verdict > Verdict.SAFE or f.decision.category is not None]
    if shown:
        table = Table(show_lines=False)
        for col in ("File", "Verdict", "Conf.", "Category", "Evidence"):
            table.add_column(col, overflow="fold")
        for fv in shown:
            d = fv.decision
            counted = [e for r in d.reasons if r.counted for e in r.evidence]
            evidence = "; ".join(counted[:3]) + (" …" if len(counted) > 3 else "")
            table.add_row(escape(fv.path), f"[{STYLE[d.verdict]}]{d.verdict.label}[/]", f"{d.confidence:.2f}",
                          d.category.id if d.category else "-", escape(evidence))  # fmt: skip
        console.print(table)
    if len(shown) < len(report.files):
        console.print(
            f"[dim]{len(report.files) - len(shown)} more files: relatively safe, no signal (see --format json)[/]"
        )
    for fv in report.files:
        if fv.findings:
            console.print(f"[bold]{escape(fv.path)}[/bold]: {len(fv.findings)} scan finding(s)")
            for f in fv.findings:
                console.print(f"  {f.severity.label:<8} {f.rule_id} line {f.location.start_line}: {escape(f.title)}")
    for path, reason in report.skipped:
        console.print(f"[dim]skipped {escape(path)}: {escape(reason)}[/dim]")
    for path in report.deleted:
        console.print(f"[dim]deleted (not classified): {escape(path)}[/dim]")
    _render_decision(console, report.overall, "Overall")


@click.command("classify")
@click.argument("args", nargs=-1)
@click.option("--text", "text_opt", metavar="TEXT", help="Classify this task description (never read as a path).")
@click.option("--diff", "rev", metavar="REV", help="Classify the files changed since REV (plus untracked files).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--fail-on", type=click.Choice(["never", "caution"]), help="Exit 1 when the verdict is at or above this.")
@click.option("--no-scan", is_flag=True, help="Do not run the scanner on files (its findings then do not count).")
def classify_command(
    args: tuple[str, ...], text_opt: str | None, rev: str | None, fmt: str, fail_on: str | None, no_scan: bool
) -> None:
    """Decide whether an AI assistant should write something: a task description ("TASK TEXT"), files or
    folders (PATH...), or the files changed since a git revision (--diff REV). Prints never / caution /
    relatively safe with the reasons and advice. No language model is involved."""

    doc: dict[str, Any]
    if rev is not None:
        if args or text_opt is not None:
            _fail("--diff REV takes no task text or paths")
        try:
            report = classify_diff(rev, Path.cwd(), scan=not no_scan)
        except ClassifyInputError as exc:
            _fail(str(exc))
            return
        verdict, doc = report.overall.verdict, {"mode": "diff", "rev": rev, **report.to_dict()}
    elif text_opt is not None or args == ("-",) or (args and not any(Path(a).exists() for a in args)):
        if text_opt is None and args != ("-",) and len(args) == 1 and _looks_like_path(args[0]):
            _fail(f"no such file or directory: {args[0]} (use --text to classify it as a task description)")
        if text_opt is not None and args:
            _fail("--text takes no other arguments")
        text = text_opt if text_opt is not None else sys.stdin.read() if args == ("-",) else " ".join(args)
        if not text.strip():
            _fail("the task description is empty")
        decision = classify_text(text)
        verdict, doc = decision.verdict, {"mode": "text", "text": text.strip(), **decision.to_dict()}
        report = None
    elif args:
        missing = [a for a in args if not Path(a).exists()]
        if missing:
            _fail(f"no such file or directory: {', '.join(missing)}")
        report = classify_paths([Path(a) for a in args], Path.cwd(), scan=not no_scan)
        verdict, doc = report.overall.verdict, {"mode": "paths", **report.to_dict()}
    else:
        _fail('give a task description ("TASK TEXT"), PATH..., or --diff REV')
        return
    if fmt == "json":
        click.echo(json.dumps({"verdict": verdict.label, **doc}, indent=2))
    elif report is None:
        _render_decision(_console(), decision, "Verdict")
    else:
        _render_code(_console(), report)
    sys.exit(1 if fail_on and verdict >= Verdict.parse(fail_on) else 0)
