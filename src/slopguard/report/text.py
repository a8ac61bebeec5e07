"""Human output with rich: findings grouped by file, the code around each, and a summary."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import TextIO

from rich.console import Console, Group
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from slopguard.core.finding import Finding, Severity
from slopguard.core.report import Report
from slopguard.core.secrets import redact
from slopguard.report import RenderOptions

STYLE = {
    Severity.CRITICAL: "bold white on red",
    Severity.HIGH: "bold red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
}
CONTEXT_LINES = 1


class SourceLines:
    """Reads the lines around a finding for display (display only: analysis never re-reads files)."""

    def __init__(self, root: Path, snippets: dict[str, str] | None = None) -> None:
        self.root = root
        self.snippets = snippets or {}
        self._cache: dict[str, list[str]] = {}

    def lines(self, path: str) -> list[str]:
        if path not in self._cache:
            text = self.snippets.get(path)
            if text is None:
                try:
                    text = (self.root / path).read_text(encoding="utf-8", errors="replace")
                except OSError:
                    text = ""
            self._cache[path] = text.splitlines()
        return self._cache[path]


def _code(f: Finding, source: SourceLines) -> Text:
    lines = source.lines(f.location.path)
    loc = f.location
    first = max(1, loc.start_line - CONTEXT_LINES)
    last = min(len(lines), min(loc.end_line, loc.start_line + 2) + CONTEXT_LINES)
    out = Text()
    if not lines or loc.start_line > len(lines):
        for line in f.snippet.splitlines():
            out.append(f"      │ {line}\n", style="bold")
        return out
    width = len(str(last))
    for number in range(first, last + 1):
        text = redact(lines[number - 1].rstrip())
        if len(text) > 160:
            text = text[:157] + "..."
        flagged = loc.start_line <= number <= max(loc.end_line, loc.start_line)
        marker = ">" if flagged else " "
        out.append(f"   {marker} {number:>{width}} │ ", style="dim")
        out.append(text + "\n", style="bold" if flagged else "dim")
    return out


def _finding(f: Finding, source: SourceLines) -> Group:
    head = Text("  ")
    head.append(f"{f.location.start_line}:{f.location.start_col}", style="bold")
    head.append("  ")
    head.append(f" {f.severity.label.upper()} ", style=STYLE[f.severity])
    head.append(f"  {f.rule_id}", style="bold magenta")
    cwe = ", ".join(f"CWE-{c}" for c in f.cwe)
    head.append(f"  {cwe}  {f.title} ({f.confidence.label} confidence)", style="dim")
    message = Text(f"     {f.message}")
    fix = Text("     fix: ", style="green")
    fix.append(f.fix)
    return Group(head, message, _code(f, source), fix, Text(""))


def render(result: Report, stream: TextIO, options: RenderOptions) -> None:
    """Findings grouped by file with code context; colour and the terminal's width only on a terminal."""
    # Off a terminal (a pipe, a file, a CI log) lines are never wrapped: one finding line stays one line.
    console = Console(file=stream) if options.terminal else Console(file=stream, width=100_000, no_color=True)
    render_text(result, console, options, snippets=dict(options.texts))


def render_text(
    result: Report,
    console: Console,
    options: RenderOptions,
    show_skipped: bool = True,
    snippets: dict[str, str] | None = None,
) -> None:
    source = SourceLines(result.root, snippets)
    by_file: dict[str, list[Finding]] = defaultdict(list)
    for f in result.findings:
        by_file[f.location.path].append(f)
    for path, findings in by_file.items():
        console.print(Text(path, style="bold underline"))
        for f in findings:
            console.print(_finding(f, source))
    if show_skipped and result.skipped:
        console.print(Text(f"Skipped {len(result.skipped)} file(s):", style="bold yellow"))
        for s in result.skipped:
            console.print(f"  {escape(s.display)}: {escape(s.reason)}")
        console.print()
    _summary(result, console, options.fail_on)


def _summary(result: Report, console: Console, fail_on: Severity) -> None:
    if result.findings:
        table = Table(title="Findings", title_justify="left", show_edge=False)
        table.add_column("Rule", style="magenta")
        table.add_column("Title")
        table.add_column("Severity")
        table.add_column("Count", justify="right")
        counts: dict[str, tuple[Finding, int]] = {}
        for f in result.findings:
            first, n = counts.get(f.rule_id, (f, 0))
            counts[f.rule_id] = (first if first.severity >= f.severity else f, n + 1)
        for rid, (f, n) in sorted(counts.items(), key=lambda kv: (-kv[1][0].severity, -kv[1][1], kv[0])):
            table.add_row(rid, f.title, Text(f.severity.label, style=STYLE[f.severity]), str(n))
        console.print(table)
        console.print()
    parts = [f"{n} {s.label}" for s in sorted(Severity, reverse=True) if (n := _count(result, s))]
    cached = f" ({result.files_from_cache} from cache)" if result.files_from_cache else ""
    line = (
        f"{len(result.findings)} finding(s)" + (f" [{', '.join(parts)}]" if parts else "")
        + f" in {result.files_scanned} file(s){cached}, {len(result.skipped)} skipped, {result.seconds:.2f}s"
    )  # fmt: skip
    failing = sum(1 for f in result.findings if f.severity >= fail_on)
    style = "bold red" if failing else "bold green"
    console.print(Text(line, style=style))
    if failing:
        console.print(Text(f"{failing} at or above --fail-on {fail_on.label}: failing.", style="red"))


def _count(result: Report, severity: Severity) -> int:
    return sum(1 for f in result.findings if f.severity == severity)
