"""Package reports as findings (for SARIF/JSON and `scan`), as a table, and as JSON."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from rich.console import Console
from rich.text import Text

from slopguard.core.finding import Finding, Location, Severity
from slopguard.deps.checks import CHECK_RULES
from slopguard.deps.model import Check, PackageReport

LineReader = Callable[[str, int], str]
_STYLE = {
    Severity.CRITICAL: "bold white on red",
    Severity.HIGH: "bold red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
}


def to_findings(reports: Sequence[PackageReport], line_of: LineReader) -> list[Finding]:
    """One finding per signal, located at the manifest or import line that names the package."""
    out: list[Finding] = []
    for report in reports:
        ref = report.ref
        snippet = line_of(ref.path, ref.line).rstrip() if ref.line else f"{ref.name}{ref.spec}"
        for signal in report.signals:
            meta = CHECK_RULES[signal.check]
            location = Location(ref.path or "<command line>", max(ref.line, 1), 1, max(ref.line, 1), 0)
            message = f"{ref.ecosystem.value} package '{ref.name}': {signal.message}"
            identity = f"{ref.ecosystem}:{ref.name}"
            out.append(meta.finding(message, location, snippet, severity=signal.severity, identity=identity))
    return out


def only_notes(report: PackageReport) -> bool:
    """The package checked out, and the only thing said is that its advisories could not be checked."""
    return bool(report.signals) and all(s.check is Check.ADVISORIES_UNKNOWN for s in report.signals)


def render_table(reports: Sequence[PackageReport], console: Console) -> None:
    """Worst first: each package with its verdict, where it is named, and every reason."""
    seen: set[tuple[str, str, str, str]] = set()
    for report in sorted(reports, key=lambda r: (-(r.worst or 0), r.ref.name.lower())):
        ref = report.ref
        # The same requirement named twice in one place is shown once; different versions never are merged.
        key = (ref.ecosystem.value, ref.name.lower(), ref.version or ref.spec, ref.path)
        if key in seen:
            continue
        seen.add(key)
        worst = report.worst
        head = Text("  ")
        mark = "✗ " if worst and not only_notes(report) else "? " if worst else "✓ "
        head.append(mark, style=_STYLE[worst] if worst else "green")
        head.append(ref.name + (f" {ref.version or ref.spec}" if ref.version or ref.spec else ""), style="bold")
        head.append(f"  ({ref.ecosystem.value})  ", style="dim")
        head.append(f" {report.verdict.upper()} ", style=_STYLE[worst] if worst else "green")
        where = f"{ref.path}:{ref.line}" if ref.line else ref.path
        head.append(f"  {where}", style="dim")
        console.print(head)
        for signal in report.signals:
            line = Text(f"      {signal.check.value} [{signal.severity.label}]: ", style=_STYLE[signal.severity])
            line.append(signal.message, style="default")
            console.print(line)
        if report.note:
            console.print(Text(f"      {report.note}", style="dim"))


def reports_json(reports: Sequence[PackageReport]) -> str:
    doc: dict[str, Any] = {
        "packages": [
            {
                "ecosystem": r.ref.ecosystem.value,
                "name": r.ref.name,
                "version": r.ref.version,
                "spec": r.ref.spec,
                "path": r.ref.path,
                "line": r.ref.line,
                "origin": r.ref.origin,
                "verdict": r.verdict,
                "note": r.note,
                "signals": [
                    {"check": s.check.value, "severity": s.severity.label, "message": s.message} for s in r.signals
                ],
            }
            for r in reports
        ]
    }
    doc["summary"] = {
        "packages": len({(p["ecosystem"], p["name"]) for p in doc["packages"]}),
        "verdicts": {
            v: sum(1 for p in doc["packages"] if p["verdict"] == v)
            for v in sorted({p["verdict"] for p in doc["packages"]})
        },
    }
    return json.dumps(doc, indent=2) + "\n"
