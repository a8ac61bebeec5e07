"""Inline suppressions applied to one file's findings, and the engine's own rules about them: a suppression needs a
reason (SG-SUPPRESS-001), must name rules that exist (SG-SUPPRESS-002) and must still silence something
(SG-SUPPRESS-003)."""

from __future__ import annotations

import re
from difflib import get_close_matches

from slopguard.core.finding import Confidence, Finding, Location, Severity
from slopguard.core.rule import RuleMeta
from slopguard.core.secrets import redact
from slopguard.core.suppress import Suppression, parse_suppressions
from slopguard.engine.registry import declare, known_rule_meta

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
SUPPRESSION_OF_UNKNOWN_RULE = declare(
    RuleMeta(
        id="SG-SUPPRESS-002",
        title="Suppression names an unknown rule",
        cwe=(1164,),
        severity=Severity.LOW,
        confidence=Confidence.HIGH,
        languages=("*",),
        why="A suppression whose rule id is mistyped (PY-CMDI-01) or belongs to a rule that no longer exists "
        "silences nothing, yet reads as if someone had reviewed the line: the real finding is still reported "
        "or, worse, the reader believes the code was checked when it never was.",
        fix="Name the rule exactly as 'slopguard rules' lists it, or delete the directive.",
    )
)
UNUSED_SUPPRESSION = declare(
    RuleMeta(
        id="SG-SUPPRESS-003",
        title="Unused suppression",
        cwe=(1164,),
        severity=Severity.LOW,
        confidence=Confidence.HIGH,
        languages=("*",),
        why="A suppression for a rule that no longer fires on its line is left over from code that changed. It "
        "still silences that rule there, so the next flaw an assistant writes on that line is hidden without "
        "anyone having looked at it.",
        fix="Delete the directive (or the rule id that no longer fires) now that the line is clean.",
    )
)
_RULE_ID_SHAPE = re.compile(r"[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*-\d+")
_OWN_PREFIX = "SG-SUPPRESS-"  # directives cannot silence these, so they are never "unused"


def apply_suppressions(
    display: str, lines: list[str], findings: list[Finding], rule_ids: frozenset[str], *, complete: bool = True
) -> list[Finding]:
    """Drop the findings a directive covers; report directives that give no reason, name unknown rules, or (when
    the whole file was analysed: ``complete``) silence nothing that ran. Each report only when its rule is on."""
    directives = parse_suppressions(lines)
    if not directives:
        return findings
    kept: list[Finding] = []
    used: set[tuple[int, str]] = set()  # (directive line, rule id it silenced)
    for f in findings:
        silencing = [d for d in directives if d.covers == f.location.start_line and d.matches(f.rule_id)]
        used |= {(d.line, f.rule_id) for d in silencing}
        if not silencing:
            kept.append(f)
    reports = _Reports(display, lines, rule_ids)
    for d in directives:
        if not d.reason:
            reports.add(SUPPRESSION_WITHOUT_REASON, d, "slopguard suppression has no reason; add '-- why this is safe'")
        reports.unknown_rules(d)
        if complete:
            reports.unused(d, used)
    kept += reports.findings
    return sorted(kept, key=lambda f: (f.location.start_line, f.location.start_col, f.rule_id))


def _every_rule_ran(rule_ids: frozenset[str]) -> bool:
    """A blanket directive is unused only if every rule that could have fired on its line ran."""
    return all(rid in rule_ids for rid, meta in known_rule_meta().items() if "opt-in" not in meta.tags)


class _Reports:
    """Findings about directives, for the engine rules that are on."""

    def __init__(self, display: str, lines: list[str], rule_ids: frozenset[str]) -> None:
        self.display = display
        self.lines = lines
        self.rule_ids = rule_ids
        # Rules of other phases (package checks) are known when selected; the engine knows every code rule.
        self.known = sorted(set(known_rule_meta()) | rule_ids)
        self.findings: list[Finding] = []

    def add(self, meta: RuleMeta, d: Suppression, message: str, rule_id: str = "") -> None:
        if meta.id not in self.rule_ids:
            return
        snippet = self.lines[d.line - 1].rstrip()
        column = snippet.upper().find(rule_id) + 1 if rule_id else 0
        location = Location(self.display, d.line, column or 1, d.line, len(snippet) + 1)
        identity = f"{snippet}\0{rule_id}" if rule_id else snippet
        self.findings.append(meta.finding(message, location, redact(snippet), identity=identity))

    def unknown_rules(self, d: Suppression) -> None:
        """Ids shaped like a rule id (``PY-CMDI-01``) that name no rule; placeholders such as ``RULE-ID`` in
        documentation are not directives anyone relies on."""
        for rule_id in sorted(d.rule_ids - set(self.known)):
            if not _RULE_ID_SHAPE.fullmatch(rule_id):
                continue
            near = get_close_matches(rule_id, self.known, n=1)
            hint = f"; did you mean {near[0]}?" if near else "; see 'slopguard rules'"
            self.add(SUPPRESSION_OF_UNKNOWN_RULE, d, f"suppression names unknown rule {rule_id}{hint}", rule_id)

    def unused(self, d: Suppression, used: set[tuple[int, str]]) -> None:
        """Rule ids of ``d`` that ran and silenced nothing; a blanket ``d`` when nothing at all was silenced."""
        for rule_id in sorted(d.rule_ids & self.rule_ids):
            if (d.line, rule_id) not in used and not rule_id.startswith(_OWN_PREFIX):
                self.add(
                    UNUSED_SUPPRESSION, d, f"unused suppression: {rule_id} reports nothing on line {d.covers}", rule_id
                )
        if not d.rule_ids and not any(line == d.line for line, _ in used) and _every_rule_ran(self.rule_ids):
            self.add(UNUSED_SUPPRESSION, d, f"unused suppression: no rule reports anything on line {d.covers}")
