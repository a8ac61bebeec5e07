"""The gate: one verdict and one exit code for a finished scan, whatever front end ran it.

| code | meaning |
|---|---|
| 0 | nothing at or above ``--fail-on`` |
| 1 | at least one finding at or above ``--fail-on`` |
| 2 | usage error, bad configuration or internal error (decided by the front end) |
"""

from __future__ import annotations

from collections.abc import Iterable

from slopguard.core.config import Settings
from slopguard.core.finding import Finding
from slopguard.core.verdict import failing

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2


def exit_code(findings: Iterable[Finding], settings: Settings) -> int:
    """0 when nothing fails the gate, 1 otherwise."""
    return EXIT_FINDINGS if failing(findings, settings.fail_on, settings.allow_unknown) else EXIT_CLEAN
