"""GitLab Code Quality report (``artifacts: reports: codequality``): a JSON array of issues."""

from __future__ import annotations

import hashlib
import json
from typing import Any, TextIO

from slopguard.core.finding import Finding, Severity
from slopguard.core.report import Report
from slopguard.report import RenderOptions

_SEVERITY = {
    Severity.LOW: "minor",
    Severity.MEDIUM: "major",
    Severity.HIGH: "critical",
    Severity.CRITICAL: "blocker",
}
SKIPPED_CHECK = "slopguard/not-analysed"


def _issue(f: Finding) -> dict[str, Any]:
    return {
        "type": "issue",
        "check_name": f.rule_id,
        "description": f"{f.rule_id}: {f.message}",
        "content": {"body": f"{f.title}. Fix: {f.fix}"},
        "categories": ["Security"],
        "fingerprint": f.fingerprint,
        "severity": _SEVERITY[f.severity],
        "location": {"path": f.location.path, "lines": {"begin": f.location.start_line}},
    }


def _not_analysed(display: str, reason: str) -> dict[str, Any]:
    digest = hashlib.sha256(f"{SKIPPED_CHECK}\0{display}\0{reason}".encode()).hexdigest()[:32]
    return {
        "type": "issue",
        "check_name": SKIPPED_CHECK,
        "description": f"not analysed: {reason}",
        "categories": ["Security"],
        "fingerprint": digest,
        "severity": "info",
        "location": {"path": display, "lines": {"begin": 1}},
    }


def render(result: Report, stream: TextIO, options: RenderOptions) -> None:
    """Every finding as an issue; every file that was not analysed as an ``info`` issue, so it is not missed."""
    issues = [_issue(f) for f in result.findings] + [_not_analysed(s.display, s.reason) for s in result.skipped]
    stream.write(json.dumps(issues, indent=2) + "\n")
