"""The gate: one verdict and one exit code for a finished scan, whatever front end ran it.

| code | meaning |
|---|---|
| 0 | nothing at or above ``--fail-on``, and every file found was analysed |
| 1 | at least one finding at or above ``--fail-on`` with at least ``--min-confidence`` (whatever else happened) |
| 2 | usage error, bad configuration, a path that does not exist, nothing selected, or an internal error |
| 3 | incomplete: no finding fails the gate, but some file could not be analysed (``--allow-skipped``: 0) |

Precedence: 2 stops before a verdict; otherwise 1 beats 3, and 3 beats 0. An incomplete scan is never clean.
"""

from __future__ import annotations

from collections.abc import Iterable

from slopguard.core.config import Settings
from slopguard.core.finding import Finding
from slopguard.core.report import Report
from slopguard.core.verdict import failing

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2
EXIT_INCOMPLETE = 3
# Reasons of excluded entries that a project's configuration or ignore files chose (not vendored folders).
_CHOSEN_EXCLUSIONS = ("excluded by configuration", "ignored by .gitignore")


def exit_code(findings: Iterable[Finding], settings: Settings) -> int:
    """0 when nothing fails the gate, 1 otherwise."""
    counted = failing(findings, settings.fail_on, settings.allow_unknown, settings.min_confidence)
    return EXIT_FINDINGS if counted else EXIT_CLEAN


def scan_exit_code(report: Report, settings: Settings) -> int:
    """1 when a finding fails the gate, else 3 when the scan is incomplete, else 0."""
    if exit_code(report.findings, settings) == EXIT_FINDINGS:
        return EXIT_FINDINGS
    return EXIT_INCOMPLETE if report.incomplete else EXIT_CLEAN


def nothing_selected(report: Report, settings: Settings) -> str | None:
    """Why a scan that found files analysed none of them (every file excluded), or None. Such a scan checks
    nothing and must not pass."""
    if report.files_scanned or report.skipped or report.sources:
        return None
    chosen = [e for e in report.excluded if e.reason in _CHOSEN_EXCLUSIONS]
    if not chosen:
        return None
    keys = []
    if any(e.reason == "excluded by configuration" for e in chosen):
        where = f" in {settings.source}" if settings.source else ""
        keys.append(f"'exclude'{where} (or --exclude)")
    if any(e.reason == "ignored by .gitignore" for e in chosen):
        keys.append("'respect-gitignore' (.gitignore files)")
    return f"nothing to scan: all {len(chosen)} file(s) and folder(s) found were excluded by " + " and ".join(keys)
