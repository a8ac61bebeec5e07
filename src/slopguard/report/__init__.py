"""Reporters: they read a finished scan and never re-run analysis."""

from __future__ import annotations

from slopguard.core.finding import Severity
from slopguard.core.report import Report


def summary(result: Report, fail_on: Severity) -> dict[str, object]:
    """Counts shared by every output format."""
    by_severity = {s.label: 0 for s in sorted(Severity, reverse=True)}
    by_rule: dict[str, int] = {}
    for f in result.findings:
        by_severity[f.severity.label] += 1
        by_rule[f.rule_id] = by_rule.get(f.rule_id, 0) + 1
    return {
        "files_scanned": result.files_scanned,
        "files_from_cache": result.files_from_cache,
        "files_skipped": len(result.skipped),
        "findings": len(result.findings),
        "by_severity": by_severity,
        "by_rule": dict(sorted(by_rule.items(), key=lambda kv: (-kv[1], kv[0]))),
        "fail_on": fail_on.label,
        "failed": any(f.severity >= fail_on for f in result.findings),
        "seconds": round(result.seconds, 3),
    }
