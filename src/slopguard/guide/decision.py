"""The decision framework behind ``slopguard classify``: verdicts, categories, and how signals become a verdict.

Both classifiers (task text and code) produce :class:`Signal` objects — "this evidence points at that category,
with this weight" — and :func:`decide` turns them into a :class:`Decision`:

1. A category's score is the sum of the weights of its distinct pieces of evidence.
2. A category counts when its score reaches :data:`THRESHOLD` (1.0). Weak evidence (0.3-0.8) needs company.
3. The verdict is the highest verdict among counted categories (**never** > **caution** > **relatively safe**);
   with no counted category it is **relatively safe**. Within the verdict, the highest-scoring category wins.
4. A *cap* (the task is only tests / docs / a UI mock-up, the file lives under ``tests/`` or ``docs/``) lowers
   the verdict to the cap; the capped categories stay in the reasons as context. Evidence from scan findings is
   never capped.
5. Confidence is ``s / (s + 1)`` of the winning score ``s`` (0.5 at the threshold, 0.75 at 3.0), lowered when a
   riskier category came close to counting, and 0.4 when nothing matched at all. It is a reading aid for people,
   not a calibrated probability.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

THRESHOLD = 1.0
NO_SIGNAL_CONFIDENCE = 0.4


class Verdict(IntEnum):
    """Whether to let an assistant write this, ordered by risk."""

    SAFE = 0
    CAUTION = 1
    NEVER = 2

    @property
    def label(self) -> str:
        return "relatively safe" if self is Verdict.SAFE else self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Verdict:
        key = text.strip().lower().replace("-", " ").replace("_", " ")
        for verdict in cls:
            if key in (verdict.label, verdict.name.lower()):
                return verdict
        raise ValueError(f"unknown verdict {text!r} (choose from never, caution, relatively safe)")


@dataclass(frozen=True, slots=True)
class Category:
    """One kind of work in the framework, with why it has its verdict and what to do about it."""

    id: str
    verdict: Verdict
    title: str
    why: str
    advice: str


def _cat(id: str, verdict: Verdict, title: str, why: str, advice: str) -> tuple[str, Category]:
    return id, Category(id, verdict, title, why, advice)


N, C, S = Verdict.NEVER, Verdict.CAUTION, Verdict.SAFE
SCAN_FINDINGS = "scan-findings"

CATEGORIES: dict[str, Category] = dict(
    [
        _cat("crypto", N, "cryptographic implementation",
             "Assistants pick broken modes, reuse nonces, hard-code keys and invent schemes; the code looks right "
             "and fails silently.",
             "Use a vetted high-level library (e.g. cryptography's Fernet/AEAD, libsodium) with its defaults; a "
             "person who knows cryptography writes and reviews any key handling."),
        _cat("auth", N, "authentication or authorization logic",
             "Login, password storage, tokens and permission models are where assistants skip constant-time "
             "comparison, expiry, rate limits and revocation.",
             "Use the framework's auth system or a maintained identity provider; a person designs the permission "
             "model and reviews every check."),
        _cat("payment", N, "payment processing",
             "Money movement needs idempotency, webhook signature checks, server-side amounts and PCI scope "
             "control that generated code routinely gets wrong.",
             "Use the provider's SDK and hosted checkout; a person writes the charge/refund paths and reviews "
             "them against the provider's docs."),
        _cat("medical", N, "medical device or clinical software",
             "Dosing, alarms and diagnostics are safety-critical and regulated (IEC 62304, FDA); a plausible bug "
             "can hurt a patient.",
             "Write it by hand under your quality system with traceable requirements and verification; do not "
             "ship generated code."),
        _cat("kernel", N, "security-critical kernel or low-level code",
             "Kernel modules, drivers, eBPF, syscall filters and boot code run with full privilege; memory errors "
             "there are privilege escalations.",
             "A person with kernel experience writes it; use existing, reviewed mechanisms (LSMs, seccomp "
             "profiles from the runtime) where possible."),
        _cat("pii", N, "personal data (PII) handling",
             "Collecting, exporting, logging or anonymising personal data has legal consequences; assistants log "
             "it, over-collect it and anonymise it reversibly.",
             "Have the data owner or privacy reviewer approve what is collected and where it goes; minimise, "
             "encrypt at rest, never log it."),
        _cat("db-migration", N, "production database migration",
             "Schema changes and bulk updates on live data can lose data or lock tables; generated migrations "
             "rarely handle backfills, downtime or rollback.",
             "A person writes the migration, tests it on a copy of production data, and prepares the rollback."),
        _cat("api-input", C, "API endpoint taking user input",
             "Every request field is attacker-controlled; assistants skip validation, authorisation and limits.",
             "Validate type, length, format and range of every field; check authorisation; rate-limit public "
             "endpoints."),
        _cat("file-upload", C, "file upload or processing",
             "Uploads bring path traversal, zip bombs, content-type spoofing and parser exploits.",
             "Use secure_filename or generated names, size limits, type checks by content, and store outside "
             "the web root."),
        _cat("session", C, "session management",
             "Session fixation, missing cookie flags, no expiry and CSRF gaps are common in generated code.",
             "Use the framework's session support with Secure/HttpOnly/SameSite cookies, expiry and CSRF "
             "protection."),
        _cat("access-control", C, "access control",
             "Wiring checks into views is where assistants forget one route or check the wrong object's owner.",
             "Enforce checks on the server for every route and object (deny by default); test that other users "
             "are refused."),
        _cat("compliance", C, "regulatory compliance code",
             "Audit trails, retention and consent have legal requirements the assistant does not know.",
             "Write the requirements down first (from your compliance owner) and review the code against them."),
        _cat("untrusted-parsing", C, "parsing untrusted data",
             "XML, YAML, pickle, HTML and fetched URLs bring XXE, code execution, SSRF and injection.",
             "Use safe parsers (defusedxml, yaml.safe_load, no pickle), limit sizes, and allow-list fetched "
             "hosts."),
        _cat(SCAN_FINDINGS, C, "high or critical scan findings",
             "The scanner already found a serious flaw in this code.",
             "Fix or triage every high and critical finding before merging."),
        _cat("internal-script", S, "internal script",
             "Local automation with no untrusted input and a small blast radius.",
             "Run it on a copy first; keep secrets out of it."),
        _cat("test-data", S, "tests or test data",
             "Test code and fake data do not ship to users.",
             "Check that tests assert the right thing and that fake data contains no real personal data."),
        _cat("build", S, "build scaffolding",
             "Build, CI and project layout files are reviewed by running them.",
             "Pin versions and check every package it adds exists (`slopguard deps`); keep secrets in the CI's "
             "secret store."),
        _cat("docs", S, "documentation", "Prose does not execute.", "Check the facts and the example commands."),
        _cat("data-analysis", S, "data transformation for analysis",
             "One-off analysis of data you already hold; mistakes show up in the numbers.",
             "Spot-check results by hand; keep real personal data out of shared notebooks."),
        _cat("presentation", S, "UI, styling or copy",
             "Markup, styles and wording change how a screen looks, not what the code behind it decides.",
             "Keep the change to presentation; if the handler, the checks or the calls behind the element change "
             "too, classify that part on its own."),
        _cat("ui-prototype", S, "UI prototype",
             "Mock-ups with fake data and no backend are thrown away.",
             "Before it becomes real, the backend parts get classified on their own."),
    ]
)  # fmt: skip

VERDICT_ADVICE: dict[Verdict, tuple[str, ...]] = {
    Verdict.NEVER: (
        "Do not let an assistant write this: a person writes it, or reviews every line as if it were hostile.",
        "Use vetted, maintained libraries instead of custom code.",
        "Get a security review from the owner of this area before merging.",
    ),
    Verdict.CAUTION: (
        "Constrain the assistant: start the session with `slopguard prompt` (or `slopguard init`).",
        "Review the result with the checklist from `slopguard review` and scan it with `slopguard scan`.",
    ),
    Verdict.SAFE: (
        "An assistant may write this; still scan the result (`slopguard scan`) and read it before merging.",
    ),
}


@dataclass(frozen=True, slots=True)
class Signal:
    """One piece of evidence for a category. ``source``: text, path, import, decorator, call, content, finding."""

    category: str
    weight: float
    evidence: str
    source: str = "text"


@dataclass
class Reason:
    """A category's total evidence; ``counted`` is False for categories below the threshold or under a cap."""

    category: Category
    score: float
    evidence: list[str]
    counted: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "category": self.category.id,
            "title": self.category.title,
            "verdict": self.category.verdict.label,
            "score": round(self.score, 2),
            "counted": self.counted,
            "evidence": list(self.evidence),
            "why": self.category.why,
        }


@dataclass
class Decision:
    """A verdict with its reasons (strongest first) and what to do."""

    verdict: Verdict
    confidence: float
    category: Category | None
    reasons: list[Reason] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def advice(self) -> list[str]:
        out = list(VERDICT_ADVICE[self.verdict])
        seen: set[str] = set()
        for reason in self.reasons:
            cat = reason.category
            if reason.counted and cat.verdict == self.verdict and cat.id not in seen:
                seen.add(cat.id)
                out.append(f"{cat.title}: {cat.advice}")
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict.label,
            "confidence": self.confidence,
            "category": self.category.id if self.category else None,
            "category_title": self.category.title if self.category else None,
            "reasons": [r.to_dict() for r in self.reasons],
            "notes": list(self.notes),
            "advice": self.advice,
        }


def decide(signals: Iterable[Signal], cap: Verdict | None = None, cap_note: str = "") -> Decision:
    """Turn evidence into a decision (see the module docstring for the rules)."""
    scores: dict[str, float] = {}
    evidence: dict[str, list[str]] = {}
    uncapped: set[str] = set()
    seen: set[tuple[str, str]] = set()
    for sig in signals:
        if (sig.category, sig.evidence) in seen:
            continue
        seen.add((sig.category, sig.evidence))
        scores[sig.category] = scores.get(sig.category, 0.0) + sig.weight
        evidence.setdefault(sig.category, []).append(sig.evidence)
        if sig.source == "finding":
            uncapped.add(sig.category)
    reasons: list[Reason] = []
    for cid, score in scores.items():
        cat = CATEGORIES[cid]
        counted = score >= THRESHOLD - 1e-9
        if counted and cap is not None and cat.verdict > cap and cid not in uncapped:
            counted = False
        reasons.append(Reason(cat, score, evidence[cid], counted))
    reasons.sort(key=lambda r: (not r.counted, -r.category.verdict, -r.score, r.category.id))
    winners = [r for r in reasons if r.counted]
    notes = []
    if cap is not None and any(r.score >= THRESHOLD and not r.counted for r in reasons):
        notes.append(cap_note or f"risk signals were lowered to at most {cap.label} by the context")
    if not winners:
        conf = NO_SIGNAL_CONFIDENCE if not reasons else 0.5
        return Decision(Verdict.SAFE, conf, None, reasons, notes or ["no category reached the threshold"])
    top = winners[0]
    verdict = top.category.verdict
    conf = top.score / (top.score + 1.0)
    riskier = [r.score for r in reasons if not r.counted and r.category.verdict > verdict]
    if riskier:
        conf *= 1.0 - 0.4 * min(1.0, max(riskier) / THRESHOLD)
    return Decision(verdict, round(min(conf, 0.95), 2), top.category, reasons, notes)


def worst(decisions: Iterable[Decision]) -> Verdict:
    """The highest verdict among ``decisions`` (relatively safe for none)."""
    return max((d.verdict for d in decisions), default=Verdict.SAFE)
