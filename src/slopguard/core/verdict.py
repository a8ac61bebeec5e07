"""Which findings fail the gate: one definition for the exit code and for every report's "failed" field."""

from __future__ import annotations

from collections.abc import Iterable

from slopguard.core.finding import Confidence, Finding, Severity

UNVERIFIED_RULE = "DEP-UNKNOWN-001"


def failing(
    findings: Iterable[Finding],
    fail_on: Severity,
    allow_unknown: bool = False,
    min_confidence: Confidence = Confidence.MEDIUM,
) -> list[Finding]:
    """The findings at or above ``fail_on`` that are at least ``min_confidence`` sure (a guess does not fail a
    build, as with Bandit's confidence filter); unverifiable packages do not count when ``allow_unknown``."""
    return [
        f
        for f in findings
        if f.severity >= fail_on
        and f.confidence >= min_confidence
        and not (allow_unknown and f.rule_id == UNVERIFIED_RULE)
    ]
