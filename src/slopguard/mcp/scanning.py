"""``scan_code`` and ``scan_diff``: a snippet, an answer, a path or a change through the scan pipeline, as a
:class:`ScanResult` with secrets masked."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from mcp.server.mcpserver.exceptions import ToolError

from slopguard.core.config import Settings
from slopguard.core.files import NotReadable, read_regular
from slopguard.core.finding import Finding
from slopguard.core.verdict import failing
from slopguard.engine.languages import language_of, scanned_languages
from slopguard.engine.scanner import Scanner
from slopguard.guide.code_input import ClassifyInputError, changed_files
from slopguard.llm.extract import CodeFile
from slopguard.llm.masking import Masker
from slopguard.mcp.models import CONFIDENCE, SEVERITY, FindingOut, NotAnalysed, ScanResult, ScanVerdict
from slopguard.mcp.workspace import MAX_FINDINGS, OutsideWorkspace, Workspace
from slopguard.pipeline.catalog import make_scanner
from slopguard.pipeline.gate import EXIT_FINDINGS, EXIT_INCOMPLETE, nothing_selected, scan_exit_code
from slopguard.pipeline.scan import ScanOutcome, scan_answer, scan_paths, scan_source

ANSWER = "markdown"  # the language name for an assistant's whole answer: each fenced block in its own language


def snippet_languages() -> list[str]:
    """What ``language`` may be: every language a scan reads, and ``markdown`` for a whole answer."""
    return [lang for lang in scanned_languages() if lang != "docs"] + [ANSWER]


def _settings(ws: Workspace, verify_packages: bool) -> Settings:
    # One process: tools run on the SDK's worker threads, and forking a process pool from a thread can hang.
    return ws.settings.with_overrides(deps=ws.settings.deps and verify_packages, jobs=1)


def _scanner(settings: Settings) -> Scanner:
    try:
        return make_scanner(settings)
    except ValueError as exc:  # an unknown rule selector in the user's configuration
        raise ToolError(f"the slopguard configuration selects no valid rules: {exc}") from None


def scan_snippet(
    ws: Workspace, code: str, language: str | None, filename: str | None, verify_packages: bool
) -> ScanResult:
    """Scan code that is not on disk, as ``slopguard scan -`` does: a file's text when ``filename`` names a code
    file; otherwise an answer whose fenced blocks are each scanned in their own language (unlabelled code, or
    the whole text when it has no fences, is ``language`` or detected)."""
    if language is not None and language not in snippet_languages():
        raise ToolError(f"unknown language {language!r} (valid: {', '.join(snippet_languages())})")
    settings = _settings(ws, verify_packages)
    scanner = _scanner(settings)
    lang = None if language == ANSWER else language
    named = language_of(filename) if filename else None
    if filename and named is not None and named != "docs":  # the text of that file, as `scan --stdin-filename`
        outcome = scan_source(settings, code, lang or named, filename, scanner=scanner)
    else:  # unlabelled code is ``language``, or detected
        outcome = scan_answer(settings, code, lang, filename or "<snippet>", scanner=scanner)
    return _result(ws, settings, outcome, [])


def scan_path(ws: Workspace, given: str, verify_packages: bool) -> ScanResult:
    """Scan a file or folder inside the workspace root."""
    try:
        path = ws.resolve(given)
    except OutsideWorkspace as exc:
        raise ToolError(str(exc)) from None
    settings = _settings(ws, verify_packages)
    outcome = scan_paths(settings, [path], scanner=_scanner(settings))
    return _result(ws, settings, outcome, [])


def scan_diff(ws: Workspace, revision: str, verify_packages: bool) -> ScanResult:
    """Scan the files changed since ``revision`` (committed, staged, unstaged and untracked) that lie inside the
    workspace root; the revision is checked to be a commit, and can never be read as a git option."""
    try:
        _, changed, deleted = changed_files(revision, ws.root)
    except ClassifyInputError as exc:
        raise ToolError(str(exc)) from None
    inside: list[Path] = []
    for path in changed:
        try:
            inside.append(ws.resolve(str(path)))
        except OutsideWorkspace:
            continue  # another part of the repository, or a link out of the workspace
    notes = [f"{len(inside)} changed file(s) inside the workspace since {revision}"]
    if deleted:
        notes.append(f"{len(deleted)} deleted file(s) not scanned")
    settings = _settings(ws, verify_packages)
    if not inside:
        return ScanResult(verdict="clean", complete=True, files_scanned=0, findings_total=0, findings=[],
                          not_analysed=[], notes=notes)  # fmt: skip
    outcome = scan_paths(settings, inside, scanner=_scanner(settings))
    return _result(ws, settings, outcome, notes)


def _result(ws: Workspace, settings: Settings, outcome: ScanOutcome, notes: list[str]) -> ScanResult:
    report = outcome.report
    empty = nothing_selected(report, settings)
    if empty:
        raise ToolError(empty)
    code = scan_exit_code(report, settings)
    verdict: ScanVerdict = "findings" if code == EXIT_FINDINGS else "incomplete" if code == EXIT_INCOMPLETE else "clean"
    gate = {id(f) for f in failing(report.findings, settings.fail_on, settings.allow_unknown, settings.min_confidence)}
    ordered = sorted(
        report.findings, key=lambda f: (-f.severity, -f.confidence, f.location.path, f.location.start_line)
    )
    if len(ordered) > MAX_FINDINGS:
        notes = [*notes, f"only the {MAX_FINDINGS} worst of {len(ordered)} findings are listed"]
    if report.incomplete:
        notes = [*notes, "some input could not be analysed: its absence of findings proves nothing"]
    result = ScanResult(
        verdict=verdict,
        complete=not report.skipped,
        files_scanned=report.files_scanned,
        findings_total=len(ordered),
        findings=[_finding(f, id(f) in gate) for f in ordered[:MAX_FINDINGS]],
        not_analysed=[NotAnalysed(path=s.display, reason=s.reason) for s in report.skipped],
        notes=notes,
    )
    masker = Masker()
    masker.learn(_texts(ws, outcome, report.findings), report.findings)
    return ScanResult.model_validate(masker.data(result.model_dump()))


def _finding(f: Finding, fails_gate: bool) -> FindingOut:
    loc = f.location
    return FindingOut(
        rule_id=f.rule_id, title=f.title, severity=SEVERITY[f.severity], confidence=CONFIDENCE[f.confidence],
        cwe=list(f.cwe), path=loc.path, line=loc.start_line, end_line=max(loc.end_line, loc.start_line),
        column=loc.start_col, message=f.message, fix=f.fix, snippet=f.snippet, fails_gate=fails_gate,
    )  # fmt: skip


def _texts(ws: Workspace, outcome: ScanOutcome, findings: Sequence[Finding]) -> list[CodeFile]:
    """The texts of the files with findings, so the masker learns the secrets their snippets redacted."""
    out = [CodeFile(display, None, text) for display, text in outcome.texts.items()]
    for display in sorted({f.location.path for f in findings} - set(outcome.texts)):
        try:
            data = read_regular(ws.resolve(display), ws.settings.max_file_size)
        except (OutsideWorkspace, NotReadable):
            continue  # "<command line>", or a name that is no file under the root
        out.append(CodeFile(display, None, data.decode("utf-8", errors="replace")))
    return out
