"""SG-REVIEW-001: code marked as AI-generated (``slopguard:ai`` markers) with no recorded reviewer.

Opt-in: ``scan --require-review`` turns it on; it is not part of the default rule selection.
"""

from __future__ import annotations

from collections.abc import Iterator

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.markers import TAG, parse_lines
from slopguard.engine.registry import text_rule
from slopguard.engine.text import TextContext

RULE_ID = "SG-REVIEW-001"


@text_rule(
    id=RULE_ID,
    title="AI-generated code without a recorded review",
    cwe=1357,
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    why="""Code an assistant wrote is merged on the strength of 'the tests pass': nobody has read it for the
    injection, the missing authorization check or the hard-coded secret it may carry, and nothing records that
    anyone did. The file or region is marked as AI-generated but names no reviewer, so it is an untrusted
    component in production; when a flaw is found in a model's habits, nobody can say which code was checked.""",
    fix="""Have a person review the marked code, then record it on the marker: 'slopguard mark FILE[:START-END]
    --model M --reviewer NAME --verified sqli,authz' (or 'slopguard review --sign-off --reviewer NAME').""",
    tags=("provenance", "opt-in"),
)
def unreviewed_ai_code(ctx: TextContext) -> Iterator[Hit]:
    if TAG not in ctx.text:
        return
    for region in parse_lines(ctx.lines, ctx.path).regions:
        if region.is_reviewed:
            continue
        line = region.marker_line
        text = ctx.lines[line - 1] if 0 < line <= len(ctx.lines) else ""
        span = "the whole file" if region.scope == "file" else f"lines {region.start}-{region.end}"
        model = region.model or "an unnamed model"
        yield Hit(
            line,
            len(text) - len(text.lstrip()) + 1,
            line,
            len(text) + 1,
            f"AI-generated code ({span}, {model}) has no recorded reviewer; review it, then add reviewer= to it",
        )
