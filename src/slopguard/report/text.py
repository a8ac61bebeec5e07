"""Human output with rich: findings grouped by file, the code around each, and a summary.

An incomplete scan says so first. Everything that came from the scanned tree (names, messages, code, reasons) is
shown with its control characters escaped, and code is shown masked: a flagged line as the engine masked it in the
finding's snippet, a line around it with known token formats and the literals of secret-looking names masked.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from slopguard.core.files import NotReadable, read_regular
from slopguard.core.finding import Finding, Severity
from slopguard.core.report import Report
from slopguard.core.secrets import mask, redact
from slopguard.report import RenderOptions
from slopguard.report.escape import printable, printable_lines, printable_path

STYLE = {
    Severity.CRITICAL: "bold white on red",
    Severity.HIGH: "bold red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
}
CONTEXT_LINES = 1
MAX_SHOWN_FILE = 20_000_000
_SECRETISH = re.compile(r"""(?i)(?:pass|pwd|secret|token|key|auth|cred|private|salt)\w*["'`]?\s*(?:=|:|,)""")
_LITERAL = re.compile(r"""(?P<q>["'`])(?P<v>(?:\\.|(?!(?P=q)).){4,}?)(?P=q)""")
_BARE_VALUE = re.compile(r"""(?P<k>[=:]\s*)(?P<v>[^\s'"`#;,]{4,})""")


def mask_context(line: str) -> str:
    """A line shown around a finding: known token formats masked and, on a line that sets something named like
    a secret, every string literal (and a bare ``KEY=value``) masked too."""
    line = redact(line)
    if not _SECRETISH.search(line):
        return line
    line = _LITERAL.sub(lambda m: m.group("q") + mask(m.group("v")) + m.group("q"), line)
    return _BARE_VALUE.sub(lambda m: m.group("k") + mask(m.group("v")), line)


class SourceLines:
    """Reads the lines around a finding for display (display only: analysis never re-reads files). A line some
    finding flags is shown from that finding's snippet, which the engine masked with the secret's own value."""

    def __init__(self, root: Path, snippets: dict[str, str] | None = None, findings: Iterable[Finding] = ()) -> None:
        self.root = root
        self.snippets = snippets or {}
        self._cache: dict[str, list[str]] = {}
        self.flagged: dict[tuple[str, int], str] = {}
        for f in findings:
            for offset, line in enumerate(f.snippet.splitlines()):
                self.flagged.setdefault((f.location.path, f.location.start_line + offset), line)

    def shown(self, path: str, number: int) -> str:
        """Line ``number`` of ``path`` as it may be shown: masked."""
        masked = self.flagged.get((path, number))
        if masked is not None:
            return masked
        return mask_context(self.lines(path)[number - 1])

    def lines(self, path: str) -> list[str]:
        if path not in self._cache:
            text = self.snippets.get(path)
            if text is None:
                try:
                    text = read_regular(self.root / path, MAX_SHOWN_FILE).decode("utf-8", "replace")
                except NotReadable:
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
            out.append(f"      │ {printable(line)}\n", style="bold")
        return out
    width = len(str(last))
    for number in range(first, last + 1):
        text = printable(source.shown(f.location.path, number).rstrip())
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
    head.append(f"  {cwe}  {printable(f.title)} ({f.confidence.label} confidence)", style="dim")
    message = Text(f"     {printable_lines(f.message)}")
    fix = Text("     fix: ", style="green")
    fix.append(printable_lines(f.fix))
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
    source = SourceLines(result.root, snippets, result.findings)
    if show_skipped and result.skipped:
        _skipped(result, console)
    by_file: dict[str, list[Finding]] = defaultdict(list)
    for f in result.findings:
        by_file[f.location.path].append(f)
    for path, findings in by_file.items():
        header = Text(printable_path(path), style="bold underline")
        if findings[0].role != "source":
            header.append(f"  ({findings[0].role} file)", style="dim")
        console.print(header)
        for f in findings:
            console.print(_finding(f, source))
    _summary(result, console, options.fail_on)


def _skipped(result: Report, console: Console) -> None:
    """First, before any finding: the scan did not cover everything, and what it left out."""
    count = len(result.skipped)
    if result.incomplete:
        head = f"INCOMPLETE: {count} file(s) could not be analysed; this scan is not a pass (--allow-skipped)."
        console.print(Text(head, style="bold red"))
    else:
        console.print(Text(f"Skipped {count} file(s) (allowed by --allow-skipped):", style="bold yellow"))
    for s in result.skipped:
        console.print(Text(f"  {printable_path(s.display)}: {printable(s.reason)}"))
    console.print()


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
    excluded = f", {len(result.excluded)} excluded" if result.excluded else ""
    line = (
        ("INCOMPLETE: " if result.incomplete else "")
        + f"{len(result.findings)} finding(s)" + (f" [{', '.join(parts)}]" if parts else "")
        + f" in {result.files_scanned} file(s){cached}, {len(result.skipped)} skipped{excluded}, {result.seconds:.2f}s"
    )  # fmt: skip
    failing = sum(1 for f in result.findings if f.severity >= fail_on)
    style = "bold red" if failing or result.incomplete else "bold green"
    console.print(Text(line, style=style))
    if failing:
        console.print(Text(f"{failing} at or above --fail-on {fail_on.label}: failing.", style="red"))


def _count(result: Report, severity: Severity) -> int:
    return sum(1 for f in result.findings if f.severity == severity)
