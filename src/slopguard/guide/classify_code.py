"""Classify code (files, folders, or the files changed since a git revision) into the decision framework.

Signals, each listed in the verdict's reasons:

- **imports**: crypto (cryptography, Crypto, nacl, hmac; hashlib only with key-derivation/HMAC calls), password
  hashing and tokens (bcrypt, argon2, passlib, jwt, authlib, oauthlib, flask_login, django.contrib.auth), payment
  SDKs (stripe, braintree, paypalrestsdk, adyen, square), migrations (alembic, django.db.migrations), medical
  formats (hl7, fhir, pydicom), uploads, sessions and parsers of untrusted formats; the JavaScript, C and other
  languages' equivalents by regular expression (``#include <linux/module.h>`` is kernel code).
- **decorators and request use** (Python): ``@login_required`` and friends (access control), routes that accept
  POST/PUT/PATCH/DELETE or read request data (API input), ``request.files`` (uploads), ``session`` (sessions).
- **paths**: ``auth/``, ``payments/``, ``migrations/``, ``alembic/versions/``; ``tests/`` and ``docs/`` cap the
  verdict at relatively safe (test and documentation files do not ship), ``scripts/`` is internal tooling.
- **scan findings**: the scanner runs on the files; any high or critical finding makes the file at least
  caution, even under ``tests/``.

A file's verdict comes from :func:`slopguard.guide.decision.decide`; the overall verdict is the worst file's.
The tables of signals are in :mod:`~slopguard.guide.code_vocabulary`, the readers of a file's signals in
:mod:`~slopguard.guide.code_signals`, and finding the files (folders, ``--diff``) in
:mod:`~slopguard.guide.code_input`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from slopguard.core.config import Settings
from slopguard.core.finding import Finding, Severity
from slopguard.guide.code_input import changed_files, expand, read_text
from slopguard.guide.code_signals import content_signals, path_signals
from slopguard.guide.decision import SCAN_FINDINGS, Decision, Reason, Signal, Verdict, decide, worst
from slopguard.pipeline.scan import scan_paths


@dataclass
class FileVerdict:
    """One file's decision and the scan findings behind it."""

    path: str
    decision: Decision
    findings: list[Finding] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, **self.decision.to_dict(), "findings": [_finding(f) for f in self.findings]}


@dataclass
class CodeReport:
    """Per-file verdicts and the overall one (the worst)."""

    files: list[FileVerdict]
    overall: Decision
    skipped: list[tuple[str, str]] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "overall": self.overall.to_dict(),
            "files": [f.to_dict() for f in self.files],
            "skipped": [{"path": p, "reason": r} for p, r in self.skipped],
            "deleted": list(self.deleted),
        }


def _finding(f: Finding) -> dict[str, Any]:
    loc = f.location
    return {"rule_id": f.rule_id, "severity": f.severity.label, "line": loc.start_line, "title": f.title,
            "message": f.message, "cwe": list(f.cwe)}  # fmt: skip


def classify_file(display: str, text: str | None, findings: Sequence[Finding] = ()) -> FileVerdict:
    """The verdict for one file from its path, its text (None: unreadable or binary) and its scan findings."""
    signals, cap_note = path_signals(display)
    docs = cap_note is not None and cap_note.startswith("documentation")
    if text is not None and not docs:
        signals += content_signals(display, text)
    serious = [f for f in findings if f.severity >= Severity.HIGH]
    signals += [Signal(SCAN_FINDINGS, 1.0, f"{f.rule_id} line {f.location.start_line}: {f.title}", "finding")
                for f in serious]  # fmt: skip
    decision = decide(signals, Verdict.SAFE if cap_note else None, cap_note or "")
    return FileVerdict(display, decision, sorted(findings, key=lambda f: (f.location.start_line, f.rule_id)))


def overall(files: Sequence[FileVerdict]) -> Decision:
    """The worst file's verdict, with the counted reasons of every file at that verdict."""
    if not files:
        return Decision(Verdict.SAFE, 0.4, None, [], ["no files to classify"])
    verdict = worst(f.decision for f in files)
    top = [f for f in files if f.decision.verdict == verdict]
    merged: dict[str, Reason] = {}
    for fv in top:
        for r in fv.decision.reasons:
            if r.counted and r.category.verdict == verdict:
                into = merged.setdefault(r.category.id, Reason(r.category, 0.0, [], True))
                into.score = max(into.score, r.score)
                into.evidence += [f"{fv.path}: {e}" for e in r.evidence]
    reasons = sorted(merged.values(), key=lambda r: -r.score)
    best = max(top, key=lambda f: f.decision.confidence)
    category = reasons[0].category if reasons else None
    return Decision(verdict, best.decision.confidence, category, reasons, [f"{len(top)} of {len(files)} files"])


def _scan(files: list[str], root: Path) -> dict[str, list[Finding]]:
    settings = Settings(root=root, cache=False, respect_gitignore=False, deps=False)
    result = scan_paths(settings, [Path(f) for f in files]).report
    by_path: dict[str, list[Finding]] = {}
    for f in result.findings:
        by_path.setdefault(f.location.path, []).append(f)
    return by_path


def classify_paths(paths: Sequence[Path], root: Path, scan: bool = True) -> CodeReport:
    """Classify files and folders; displays are relative to ``root``."""
    files, skipped = expand(paths, root)
    findings = _scan([s.path for s in files], root) if scan and files else {}
    verdicts = [classify_file(s.display, read_text(s.path), findings.get(s.display, [])) for s in files]
    return CodeReport(verdicts, overall(verdicts), skipped)


def classify_diff(rev: str, cwd: Path, scan: bool = True) -> CodeReport:
    """Classify the files changed since ``rev`` in the git repository containing ``cwd``."""
    root, files, deleted = changed_files(rev, cwd)
    report = classify_paths(files, root, scan) if files else CodeReport([], overall([]))
    report.deleted = deleted
    if not files:
        report.overall.notes = [f"no files changed since {rev}"]
    return report


__all__ = ["CodeReport", "FileVerdict", "classify_diff", "classify_paths"]
