"""Scan files or an assistant's answer, then verify the packages they name: the shared front half of every command."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from slopguard.core.config import Settings
from slopguard.core.discovery import Skipped
from slopguard.core.finding import sort_key
from slopguard.core.report import Report
from slopguard.core.snippets import CodeBlock, fenced_blocks
from slopguard.deps.options import VerifyOptions
from slopguard.engine.detect import block_language
from slopguard.engine.scanner import Progress, Scanner
from slopguard.pipeline.catalog import make_scanner
from slopguard.pipeline.packages import PackageOutcome, check, references


@dataclass
class ScanOutcome:
    """A finished scan: the report, the package verdicts behind its DEP findings, and texts that are not on disk
    (an answer read from stdin) for reporters that quote code."""

    report: Report
    packages: PackageOutcome = field(default_factory=PackageOutcome)
    texts: dict[str, str] = field(default_factory=dict)


def verify_options(settings: Settings, offline: bool = False) -> VerifyOptions:
    """How the package phase verifies, from the settings."""
    return VerifyOptions(offline=offline or settings.offline, new_days=settings.new_days, project_dir=settings.root)


def scan_paths(
    settings: Settings,
    paths: Sequence[Path],
    *,
    progress: Progress | None = None,
    rule_ids: Iterable[str] | None = None,
    scanner: Scanner | None = None,
) -> ScanOutcome:
    """Scan files and folders; with ``settings.deps`` and a DEP rule selected, verify their packages too."""
    scanner = scanner or make_scanner(settings, rule_ids)
    outcome = ScanOutcome(scanner.scan_paths(paths, progress))
    _verify(settings, scanner, outcome)
    return outcome


def scan_answer(
    settings: Settings,
    text: str,
    language: str | None = None,
    display: str = "<stdin>",
    *,
    scanner: Scanner | None = None,
) -> ScanOutcome:
    """Scan an assistant's answer: every fenced block in its own language (see :func:`block_language`;
    unlabelled blocks are ``language``, or detected when it is None), or the whole text when it has no fences.
    Lines are counted in the answer; install commands anywhere in it are verified with the packages."""
    blocks = fenced_blocks(text) or [CodeBlock(1, text)]
    parts = [(b.code, block_language(b.label, language, b.code), b.first_line) for b in blocks if b.code.strip()]
    return _scan_parts(settings, text, display, parts, scanner)


def scan_source(
    settings: Settings, text: str, language: str, display: str, *, scanner: Scanner | None = None
) -> ScanOutcome:
    """Scan one file's text that is not on disk (piped in with its name), whole, as ``language``."""
    return _scan_parts(settings, text, display, [(text, language, 1)], scanner)


def _scan_parts(
    settings: Settings, text: str, display: str, parts: list[tuple[str, str, int]], scanner: Scanner | None
) -> ScanOutcome:
    """Scan (code, language, first line) parts of one text as one file named ``display``."""
    scanner = scanner or make_scanner(settings)
    merged = Report(settings.root, rules=scanner.rules, allow_skipped=settings.allow_skipped)
    for code, language, first_line in parts:
        part = scanner.scan_text(code, language, display, first_line)
        merged.findings += part.findings
        merged.skipped += part.skipped
        merged.imports += part.imports
        merged.seconds += part.seconds
    merged.findings.sort(key=sort_key)
    merged.files_scanned = 1
    outcome = ScanOutcome(merged, texts={display: text})
    _verify(settings, scanner, outcome)
    return outcome


def _verify(settings: Settings, scanner: Scanner, outcome: ScanOutcome) -> None:
    if not settings.deps or not any(rid.startswith("DEP-") for rid in scanner.rule_ids):
        return
    # Loaded here: a scan without the package phase (--no-deps) never pays for the manifest readers.
    from slopguard.deps.collect import from_commands

    report = outcome.report
    refs, problems = references(report.root, report.sources, report.imports, settings.transitive)
    extra = [ref for display, text in outcome.texts.items() for ref in from_commands(text, display)]
    outcome.packages = check(report.root, extra + refs, verify_options(settings), outcome.texts, problems)
    report.findings += [f for f in outcome.packages.findings if f.rule_id in scanner.rule_ids]
    report.findings.sort(key=sort_key)
    report.skipped += [Skipped(p.path, f"manifest line {p.line}: {p.message}") for p in problems]
