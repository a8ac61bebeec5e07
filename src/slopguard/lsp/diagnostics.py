"""Findings as LSP diagnostics: the rule id as ``code``, the fix in the message, a severity that says what the gate
would do with the finding, and one diagnostic for a document that was not (wholly) analysed."""

from __future__ import annotations

from collections.abc import Sequence

from lsprotocol import types
from pygls.workspace.position_codec import PositionCodec, ServerTextPosition

from slopguard.core.config import Settings
from slopguard.core.finding import Finding, Severity
from slopguard.core.verdict import failing
from slopguard.lsp.analysis import Analysis

SOURCE = "slopguard"
# The reason text the suppression code action inserts: valid syntax, but a person must replace it.
REASON_PLACEHOLDER = "<say why this is safe>"

_LEVEL = types.DiagnosticSeverity


def severity_of(finding: Finding, settings: Settings) -> types.DiagnosticSeverity:
    """Error: the finding fails the gate. Warning/Information: medium-or-worse/low findings that do not. Findings
    less sure than the gate's min-confidence are a level lower (Information/Hint): they never fail a build."""
    if failing([finding], settings.fail_on, settings.allow_unknown, settings.min_confidence):
        return _LEVEL.Error
    medium = finding.severity >= Severity.MEDIUM
    if finding.confidence < settings.min_confidence:
        return _LEVEL.Information if medium else _LEVEL.Hint
    return _LEVEL.Warning if medium else _LEVEL.Information


def rule_link(rule_id: str, rules_url: str | None) -> types.CodeDescription | None:
    """A link to the rule's documentation, when the rule reference is published at an http(s) URL."""
    if not rules_url or not rules_url.startswith(("https://", "http://")):
        return None
    return types.CodeDescription(href=f"{rules_url}#{rule_id.lower()}")


def to_diagnostics(
    analysis: Analysis, lines: Sequence[str], codec: PositionCodec, rules_url: str | None = None
) -> list[types.Diagnostic]:
    """Every finding in the buffer, then one diagnostic per reason it was not (wholly) analysed."""
    if analysis.problem is not None or analysis.outcome is None or analysis.settings is None:
        return [_not_analysed(analysis.problem or "it was not analysed", lines, codec)]
    report = analysis.outcome.report
    out = [
        _finding(f, analysis.settings, lines, codec, rules_url)
        for f in report.findings
        if f.location.path == analysis.display
    ]
    out += [_not_analysed(s.reason, lines, codec) for s in report.skipped]
    out += _unfilled_reasons(lines, codec)
    return out


def _finding(
    finding: Finding, settings: Settings, lines: Sequence[str], codec: PositionCodec, rules_url: str | None
) -> types.Diagnostic:
    sure = f"{finding.severity.label} severity, {finding.confidence.label} confidence"
    return types.Diagnostic(
        range=_range(finding, lines, codec),
        message=f"{finding.message} [{sure}]\nFix: {finding.fix}",
        severity=severity_of(finding, settings),
        code=finding.rule_id,
        code_description=rule_link(finding.rule_id, rules_url),
        source=SOURCE,
    )


def _not_analysed(reason: str, lines: Sequence[str], codec: PositionCodec) -> types.Diagnostic:
    """Fail closed: a document slopguard could not read is reported, never shown as clean."""
    return types.Diagnostic(
        range=_line_range(0, lines, codec),
        message=f"slopguard did not analyse this file: {reason}. Its code was not checked.",
        severity=_LEVEL.Warning,
        source=SOURCE,
    )


def _unfilled_reasons(lines: Sequence[str], codec: PositionCodec) -> list[types.Diagnostic]:
    """Suppressions whose reason is still the placeholder the code action inserted."""
    return [
        types.Diagnostic(
            range=_line_range(number, lines, codec),
            message="replace the placeholder with the reason this code is safe; reviewers read it",
            severity=_LEVEL.Warning,
            source=SOURCE,
        )
        for number, text in enumerate(lines)
        if REASON_PLACEHOLDER in text and "slopguard:" in text
    ]


def _range(finding: Finding, lines: Sequence[str], codec: PositionCodec) -> types.Range:
    """Finding columns count UTF-8 bytes from 1; an end of 0 means "to the end of the line"."""
    loc = finding.location
    start_line = _clamp(loc.start_line - 1, lines)
    end_line = _clamp(loc.end_line - 1, lines) if loc.end_line else start_line
    start = _position(lines, start_line, loc.start_col, codec)
    end = _position(lines, end_line, loc.end_col if loc.end_col else 0, codec)
    if (end.line, end.character) <= (start.line, start.character):
        end = _position(lines, start_line, 0, codec)
    return types.Range(start=start, end=end)


def _line_range(number: int, lines: Sequence[str], codec: PositionCodec) -> types.Range:
    number = _clamp(number, lines)
    return types.Range(start=types.Position(line=number, character=0), end=_position(lines, number, 0, codec))


def _position(lines: Sequence[str], number: int, byte_column: int, codec: PositionCodec) -> types.Position:
    """Column ``byte_column`` (1-based UTF-8 bytes; 0: end of line) in the client's units."""
    text = lines[number] if lines else ""
    data = text.encode("utf-8", "surrogatepass")
    prefix = data[: byte_column - 1] if byte_column > 0 else data
    characters = len(prefix.decode("utf-8", "ignore"))
    return codec.position_to_client_units(lines, ServerTextPosition(number, characters))


def _clamp(number: int, lines: Sequence[str]) -> int:
    return min(max(number, 0), max(len(lines) - 1, 0))
