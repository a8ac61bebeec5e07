"""What the tools return: pydantic models, so the SDK publishes an output schema for each tool and checks
every result against it."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from slopguard.core.finding import Confidence, Severity

ScanVerdict = Literal["findings", "clean", "incomplete"]
ClassifyVerdict = Literal["never", "caution", "relatively safe"]
SeverityLabel = Literal["low", "medium", "high", "critical"]
ConfidenceLabel = Literal["low", "medium", "high"]
SEVERITY: dict[Severity, SeverityLabel] = {
    Severity.LOW: "low", Severity.MEDIUM: "medium", Severity.HIGH: "high", Severity.CRITICAL: "critical"
}  # fmt: skip
CONFIDENCE: dict[Confidence, ConfidenceLabel] = {
    Confidence.LOW: "low", Confidence.MEDIUM: "medium", Confidence.HIGH: "high"
}  # fmt: skip


class FindingOut(BaseModel):
    """One flaw: where, how bad, how sure, and the safe idiom."""

    rule_id: str
    title: str
    severity: SeverityLabel
    confidence: ConfidenceLabel
    cwe: list[int]
    path: str
    line: int
    end_line: int
    column: int
    message: str
    fix: str
    snippet: str = Field(description="The flagged code, secrets redacted.")
    fails_gate: bool = Field(description="At or above the configured fail-on severity and min-confidence.")


class NotAnalysed(BaseModel):
    path: str
    reason: str


class ScanResult(BaseModel):
    """A scan's findings and whether the scan saw everything it was given."""

    verdict: ScanVerdict = Field(
        description="findings: something fails the gate; incomplete: nothing does, but some input could not be "
        "analysed (not proof of safety); clean: everything was analysed and nothing fails the gate."
    )
    complete: bool = Field(description="False when some file or block could not be analysed.")
    files_scanned: int
    findings_total: int
    findings: list[FindingOut] = Field(description="Worst first, at most 500; see findings_total.")
    not_analysed: list[NotAnalysed]
    notes: list[str]


class PackageSignal(BaseModel):
    check: str
    severity: SeverityLabel
    message: str


class PackageVerdict(BaseModel):
    """The verdict on one package name."""

    name: str
    version: str | None
    verdict: str = Field(
        description="ok, or the first concern: missing (does not exist: hallucinated, and free for an attacker to "
        "register), typosquat, new, young-and-obscure, vulnerable, deprecated, yanked, ..., or unknown (the registry "
        "could not be asked or answered nothing usable: not verified, never ok)."
    )
    safe_to_use: bool = Field(description="False when a concern fails the gate (unknown included).")
    signals: list[PackageSignal]
    note: str


class PackageCheckResult(BaseModel):
    ecosystem: Literal["pypi", "npm"]
    all_safe: bool
    packages: list[PackageVerdict]


class ReasonOut(BaseModel):
    category: str
    title: str
    verdict: ClassifyVerdict
    score: float
    counted: bool
    evidence: list[str]
    why: str


class Classification(BaseModel):
    """Should an assistant write this? A verdict with its reasons and advice."""

    verdict: ClassifyVerdict
    confidence: float
    category: str | None
    category_title: str | None
    reasons: list[ReasonOut]
    notes: list[str]
    advice: list[str]
    files: dict[str, ClassifyVerdict] = Field(description="Per file, when files were classified.")


class Instructions(BaseModel):
    languages: list[str]
    contexts: list[str]
    text: str = Field(description="The instructions, as `slopguard prompt` prints them.")


class RuleExample(BaseModel):
    fixture: str
    flagged: str
    not_flagged: str


class RuleExplanation(BaseModel):
    """One rule: what it catches, why it matters, the fix, and code it flags and leaves alone."""

    rule_id: str
    title: str
    cwe: list[int]
    severity: SeverityLabel
    confidence: ConfidenceLabel
    languages: list[str]
    why: str
    fix: str
    example: RuleExample | None
