"""Probe observations as common findings (location: the URL path, line 1; method and parameter in the message),
rendered as text, JSON or SARIF through the shared reporters."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.text import Text

from slopguard.core.finding import Finding, Location, Severity
from slopguard.core.report import Report
from slopguard.probe.model import Observation
from slopguard.probe.rules import PROBE_RULES
from slopguard.probe.runner import ProbeResult
from slopguard.report import RenderOptions
from slopguard.report.json_report import render_json as json_document
from slopguard.report.sarif import render_sarif as sarif_document
from slopguard.report.text import STYLE


def to_finding(obs: Observation) -> Finding:
    meta = PROBE_RULES[obs.rule_id]
    message = obs.message
    if obs.request:
        message += f" — request: {obs.request}"
    if obs.evidence:
        message += f" — evidence: {obs.evidence}"
    snippet = obs.request + (f"\n=> {obs.evidence}" if obs.evidence else "")
    where = f"{obs.method} {obs.path} {obs.parameter or ''}".strip()
    location = Location(obs.path or "/", 1, 1, 1, 0)
    return meta.finding(message, location, snippet, severity=obs.severity, confidence=obs.confidence, identity=where)


def findings(result: ProbeResult) -> list[Finding]:
    out = [to_finding(o) for o in result.observations]
    return sorted(out, key=lambda f: (-f.severity, f.location.path, f.rule_id))


def scan_result(result: ProbeResult) -> Report:
    return Report(
        Path.cwd(),
        rules=dict(PROBE_RULES),
        findings=findings(result),
        seconds=result.seconds,
    )


def stats(result: ProbeResult) -> dict[str, object]:
    o = result.options
    return {
        "target": result.target,
        "endpoints": len(result.endpoints),
        "requests": result.requests,
        "seconds": round(result.seconds, 3),
        "limits": {"max_requests": o.max_requests, "rate": o.rate, "max_seconds": o.max_seconds, "burst": o.burst},
        "stopped": result.stopped,
        "incomplete": result.incomplete,
        "dry_run": o.dry_run,
        "notes": result.notes,
    }


def summary_line(result: ProbeResult) -> str:
    o = result.options
    rate = f"{o.rate:g}/s" if o.rate > 0 else "unpaced"
    verb = "planned" if o.dry_run else "sent"
    return (
        f"{result.requests} request(s) {verb} in {result.seconds:.1f}s to {len(result.endpoints)} endpoint(s) "
        f"(limits: {o.max_requests} requests, {rate}, {o.max_seconds:g}s)"
        + (f"; stopped early: {result.stopped}" if result.stopped else "")
        + (f"; incomplete: {len(result.incomplete)} check(s) could not be verified" if result.incomplete else "")
    )


def render_json(result: ProbeResult) -> str:
    doc = json.loads(json_document(scan_result(result), RenderOptions(fail_on=Severity.LOW)))
    probe = stats(result)
    if result.options.dry_run:
        probe["planned"] = result.planned
    doc["summary"]["probe"] = probe  # the documented schema allows extra summary fields only
    return json.dumps(doc, indent=2) + "\n"


def render_sarif(result: ProbeResult) -> str:
    """SARIF with the target's base URL as %SRCROOT%, so each result's location reads as the probed URL."""
    report = scan_result(result)
    # URL paths (/search) become references relative to the target (search), the way files are to the root.
    report.findings = [
        replace(f, location=replace(f.location, path=f.location.path.lstrip("/") or ".")) for f in report.findings
    ]
    doc = json.loads(sarif_document(report))
    for run in doc.get("runs", []):
        run["originalUriBaseIds"] = {"%SRCROOT%": {"uri": result.target.split("?")[0].rstrip("/") + "/"}}
        run.setdefault("properties", {})["probe"] = stats(result)
    return json.dumps(doc, indent=2) + "\n"


def render_text(result: ProbeResult, console: Console) -> None:
    console.print(Text(f"slopguard probe {result.target}", style="bold underline"))
    if result.options.dry_run:
        console.print(
            Text("Dry run: nothing was sent. Planned requests (adaptive follow-ups not shown):", style="bold")
        )
        for line in result.planned:
            console.print(f"  {escape(line)}")
    by_place: dict[str, list[Finding]] = defaultdict(list)
    for f in findings(result):
        by_place[f.location.path].append(f)
    for path, items in by_place.items():
        console.print(Text(path, style="bold"))
        for f in items:
            head = Text("  ")
            head.append(f" {f.severity.label.upper()} ", style=STYLE[f.severity])
            head.append(f"  {f.rule_id}", style="bold magenta")
            cwe = ", ".join(f"CWE-{c}" for c in f.cwe)
            head.append(f"  {cwe}  {f.title} ({f.confidence.label} confidence)", style="dim")
            console.print(head)
            console.print(Text(f"     {f.message.split(' — request: ')[0]}"))
            for line in f.snippet.splitlines():
                console.print(Text(f"       {line}", style="dim"))
            console.print(Text("     fix: ", style="green") + Text(f.fix))
        console.print()
    for note in result.notes:
        console.print(Text(f"note: {note}", style="yellow"))
    for gap in result.incomplete:
        console.print(Text(f"not checked: {gap}", style="bold yellow"))
    counts = [
        f"{n} {s.label}"
        for s in sorted(Severity, reverse=True)
        if (n := sum(1 for f in findings(result) if f.severity == s))
    ]
    total = len(result.observations)
    style = "bold red" if total else "bold green"
    console.print(Text(f"{total} finding(s)" + (f" [{', '.join(counts)}]" if counts else ""), style=style))
    console.print(Text(summary_line(result), style="dim"))
