"""SG-SUPPRESS-001: the engine reports inline suppressions that give no reason (see core/suppress.py)."""

from __future__ import annotations

from slopguard.core.finding import Confidence, Severity
from slopguard.core.rule import RuleMeta
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
