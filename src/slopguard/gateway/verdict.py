"""Judging an answer: scanned through the pipeline (code blocks and the packages it names), then either a short
note appended to it (annotate) or a refusal in its place (block).

Fail closed: an answer that could not be checked whole (a block that did not parse, a stream cut at the size
limit, an error in the check) is never reported clean; in block mode it is blocked unless the user allows
incomplete checks.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from slopguard.core.config import Settings
from slopguard.core.finding import Finding, Severity
from slopguard.core.verdict import failing
from slopguard.engine.scanner import Scanner
from slopguard.pipeline.catalog import make_scanner
from slopguard.pipeline.scan import scan_answer
from slopguard.report.escape import printable

MAX_LISTED = 8  # findings listed in a note; the rest are counted
DISPLAY = "answer"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Judgement:
    """What checking one answer found, and whether the answer is withheld."""

    findings: tuple[Finding, ...] = ()
    unchecked: tuple[str, ...] = ()  # why parts of the answer were not analysed
    blocked: bool = False
    block_on: Severity | None = None

    @property
    def clean(self) -> bool:
        return not self.findings and not self.unchecked


class AnswerChecker:
    """Scans answers with one scanner (built once) through :func:`scan_answer`; one answer at a time."""

    def __init__(self, settings: Settings, block_on: Severity | None, scanner: Scanner | None = None) -> None:
        self.settings = settings
        self.block_on = block_on
        self._scanner = scanner or make_scanner(settings)
        self._lock = threading.Lock()

    @property
    def blocking(self) -> bool:
        return self.block_on is not None

    def judge(self, text: str, cut: str | None = None) -> Judgement:
        """Check ``text``; ``cut`` says why the answer ended early (what did not arrive is unchecked)."""
        unchecked: list[str] = []
        findings: list[Finding] = []
        if cut is not None:
            unchecked.append(f"{cut}; what did not arrive was not checked")
        try:
            with self._lock:
                outcome = scan_answer(self.settings, text, None, DISPLAY, scanner=self._scanner)
            findings = outcome.report.findings
            if not self.settings.allow_skipped:
                unchecked += [printable(s.reason) for s in outcome.report.skipped]
        except Exception as exc:  # fail closed: an answer the check could not finish is not clean
            log.error("checking an answer failed: %s", type(exc).__name__, exc_info=True)
            unchecked.append(f"the check failed ({type(exc).__name__})")
        blocked = self.block_on is not None and bool(
            unchecked or failing(findings, self.block_on, self.settings.allow_unknown, self.settings.min_confidence)
        )
        return Judgement(tuple(findings), tuple(unchecked), blocked, self.block_on)


def _lines(judgement: Judgement) -> list[str]:
    shown = judgement.findings[:MAX_LISTED]
    out = [
        f"- line {f.location.start_line}: {f.rule_id} ({f.severity.label}) {printable(f.title)}: {printable(f.message)}"
        for f in shown
    ]
    if len(judgement.findings) > len(shown):
        out.append(f"- and {len(judgement.findings) - len(shown)} more")
    out += [f"- not checked: {reason}" for reason in judgement.unchecked]
    return out


def annotation(judgement: Judgement) -> str | None:
    """The note appended to an answer that is let through, or None when there is nothing to say."""
    if judgement.clean:
        return None
    count = len(judgement.findings)
    head = f"slopguard: {count} problem(s) in this answer" if count else "slopguard: this answer was not fully checked"
    return "\n\n---\n" + head + " (lines count from the answer's first line):\n" + "\n".join(_lines(judgement)) + "\n"


def refusal(judgement: Judgement) -> str:
    """The text that replaces a blocked answer: why, and what to ask for instead."""
    level = judgement.block_on.label if judgement.block_on else "any"
    return (
        f"slopguard blocked this answer: it has problems at or above {level} severity, or could not be checked "
        "whole. The answer was withheld:\n"
        + "\n".join(_lines(judgement))
        + "\n\nAsk again for a version without these problems (parameterised queries, argument lists instead of a "
        "shell, packages that exist and that you have verified).\n"
    )


def note_for(judgement: Judgement) -> str | None:
    """What the gateway writes into the answer: the refusal when blocked, else the annotation (or None)."""
    return refusal(judgement) if judgement.blocked else annotation(judgement)
