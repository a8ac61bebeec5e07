"""Inline suppressions applied to one file's findings, and the engine's own rule about them (SG-SUPPRESS-001)."""

from __future__ import annotations

from slopguard.core.finding import Confidence, Finding, Location, Severity
from slopguard.core.rule import RuleMeta
from slopguard.core.secrets import redact
from slopguard.core.suppress import parse_suppressions
from slopguard.engine.registry import declare

SUPPRESSION_WITHOUT_REASON = declare(
    RuleMeta(
        id="SG-SUPPRESS-001",
        title="Suppression without a reason",
        cwe=(1164,),
        severity=Severity.MEDIUM,
        confidence=Confidence.HIGH,
        languages=("*",),
        why="A silenced finding with no stated reason cannot be reviewed: nobody can tell a checked false "
        "alarm from an assistant (or a hurried person) hiding a real flaw to get the build green.",
        fix="Write why the code is safe after the directive: '# slopguard: ignore[RULE-ID] -- reason'.",
    )
)


def apply_suppressions(
    display: str, lines: list[str], findings: list[Finding], rule_ids: frozenset[str]
) -> list[Finding]:
    """Drop the findings a directive covers; report directives that give no reason (when that rule is on)."""
    directives = parse_suppressions(lines)
    if not directives:
        return findings
    kept = [
        f for f in findings if not any(d.covers == f.location.start_line and d.matches(f.rule_id) for d in directives)
    ]
    meta = SUPPRESSION_WITHOUT_REASON
    if meta.id not in rule_ids:
        return kept
    for d in directives:
        if d.reason:
            continue
        snippet = lines[d.line - 1].rstrip()
        location = Location(display, d.line, 1, d.line, len(snippet) + 1)
        message = "slopguard suppression has no reason; add '-- why this is safe'"
        kept.append(meta.finding(message, location, redact(snippet), identity=snippet))
    return sorted(kept, key=lambda f: (f.location.start_line, f.location.start_col, f.rule_id))
