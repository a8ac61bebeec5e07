"""The language server's parts without a client: severities, positions, suppression syntax, documents, the memo
and the debounce."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from lsprotocol import types
from pygls.workspace.position_codec import PositionCodec

from slopguard.core.config import Settings
from slopguard.core.finding import Confidence, Finding, Location, Severity
from slopguard.core.report import Report
from slopguard.core.suppress import parse_suppressions
from slopguard.engine.languages import HTML, LANGUAGES, CommentStyle
from slopguard.lsp.actions import suppression_edit, suppression_line
from slopguard.lsp.analysis import Analyser, Analysis, ServerOptions, project_root
from slopguard.lsp.diagnostics import REASON_PLACEHOLDER, rule_link, severity_of, to_diagnostics
from slopguard.lsp.documents import document, split_lines
from slopguard.lsp.server import SlopguardServer
from slopguard.pipeline.scan import ScanOutcome

LEVEL = types.DiagnosticSeverity
# An extension the language table knows but no scan reads.
UNANALYSED = next(ext for lang in LANGUAGES if not lang.scanned for ext in lang.extensions)


def _finding(severity: Severity, confidence: Confidence, rule_id: str = "PY-CMDI-001", **where: int) -> Finding:
    location = Location(
        "app.py", where.get("line", 1), where.get("col", 1), where.get("end_line", 0), where.get("end_col", 0)
    )
    return Finding(rule_id, "t", severity, confidence, "m", location, "s", (78,), "f", "fp")


@pytest.mark.parametrize(
    ("severity", "confidence", "expected"),
    [
        (Severity.HIGH, Confidence.MEDIUM, LEVEL.Error),  # fails the default gate
        (Severity.CRITICAL, Confidence.HIGH, LEVEL.Error),
        (Severity.MEDIUM, Confidence.HIGH, LEVEL.Warning),  # below fail-on
        (Severity.LOW, Confidence.HIGH, LEVEL.Information),
        (Severity.HIGH, Confidence.LOW, LEVEL.Information),  # below min-confidence: never fails the gate
        (Severity.LOW, Confidence.LOW, LEVEL.Hint),
    ],
)
def test_severity_follows_the_gate(severity: Severity, confidence: Confidence, expected: LEVEL) -> None:
    assert severity_of(_finding(severity, confidence), Settings()) == expected


def test_severity_follows_the_projects_gate_settings() -> None:
    strict = Settings(fail_on=Severity.MEDIUM, min_confidence=Confidence.LOW)
    assert severity_of(_finding(Severity.MEDIUM, Confidence.LOW), strict) == LEVEL.Error
    unknown = _finding(Severity.HIGH, Confidence.HIGH, "DEP-UNKNOWN-001")
    assert severity_of(unknown, Settings(allow_unknown=True)) == LEVEL.Warning


def test_rule_links_only_to_published_references() -> None:
    assert rule_link("PY-SQLI-001", "docs/rules.md") is None
    assert rule_link("PY-SQLI-001", None) is None
    link = rule_link("PY-SQLI-001", "https://docs.example.com/rules")
    assert link is not None and link.href == "https://docs.example.com/rules#py-sqli-001"


@pytest.mark.parametrize(
    ("encoding", "start", "end"),
    [
        (types.PositionEncodingKind.Utf16, 10, 22),  # the emoji is two UTF-16 units
        (types.PositionEncodingKind.Utf8, 12, 24),
        (types.PositionEncodingKind.Utf32, 9, 21),
    ],
)
def test_byte_columns_become_client_units(encoding: str, start: int, end: int) -> None:
    line = "s = '😀'; os.system(x)"  # engine columns count UTF-8 bytes from 1: os.system(x) is bytes 13 to 25
    finding = _finding(Severity.HIGH, Confidence.HIGH, line=1, col=13, end_line=1, end_col=25)
    outcome = ScanOutcome(Report(Path("."), findings=[finding]))
    (diagnostic,) = to_diagnostics(Analysis("app.py", Settings(), outcome), [line], PositionCodec(encoding))
    assert (diagnostic.range.start.character, diagnostic.range.end.character) == (start, end)


def test_unknown_end_runs_to_the_end_of_the_line() -> None:
    finding = _finding(Severity.HIGH, Confidence.HIGH, line=2, col=3)
    outcome = ScanOutcome(Report(Path("."), findings=[finding]))
    lines = ["first", "  second line"]
    (diagnostic,) = to_diagnostics(Analysis("app.py", Settings(), outcome), lines, PositionCodec())
    assert diagnostic.range == types.Range(types.Position(1, 2), types.Position(1, 13))


@pytest.mark.parametrize(
    "style", sorted({s for lang in LANGUAGES for s in lang.comments}, key=repr), ids=lambda s: f"{s.open}{s.close}"
)
def test_inserted_suppression_is_a_valid_directive_in_every_comment_syntax(style: CommentStyle) -> None:
    directive = suppression_line("PY-CMDI-001", style, "    ")
    (parsed,) = parse_suppressions([directive, "    flagged()"])
    assert parsed.covers == 2  # a line of its own covers the next line
    assert parsed.rule_ids == {"PY-CMDI-001"}
    assert parsed.reason == REASON_PLACEHOLDER
    if style == HTML:  # an XML comment must not contain "--"
        assert "--" not in directive.strip().removeprefix(style.open).removesuffix(style.close)


def test_suppression_keeps_the_documents_line_endings_and_needs_comments() -> None:
    py = document("file:///w/app.py", "python")
    edit = suppression_edit(py, "a = 1\r\n\tb()\r\n", 1, "PY-X-001")
    assert edit is not None and edit.changes is not None
    (insert,) = edit.changes["file:///w/app.py"]
    assert insert.new_text == f"\t# slopguard: ignore[PY-X-001] -- {REASON_PLACEHOLDER}\r\n"
    assert insert.range.start == types.Position(1, 0)
    assert suppression_edit(document("file:///w/data.json", "json"), "{}\n", 0, "SEC-X-001") is None


def test_document_kind_comes_from_the_name_then_the_editor() -> None:
    assert document("file:///w/app.tsx", "plaintext").scanned_language == "typescript"
    assert document("file:///w/Dockerfile", "dockerfile").scanned_language == "config"
    assert document("untitled:Untitled-1", "typescriptreact").scanned_language == "typescript"
    assert document("file:///w/scratch", "go").scanned_language == "go"
    assert document(f"file:///w/page{UNANALYSED}", "plaintext").scanned_language is None  # known, not analysed
    assert document("file:///w/notes.xyz", "python").scanned_language is None  # a name the table does not know
    assert split_lines("a\r\nb\rc\nd\x0ce") == ["a", "b", "c", "d\x0ce"]


def test_project_root_is_the_innermost_workspace_folder(tmp_path: Path) -> None:
    inner = tmp_path / "services" / "api"
    assert project_root(inner / "app.py", [tmp_path, inner]) == inner
    assert project_root(Path("/elsewhere/x.py"), [tmp_path]) == Path("/elsewhere")
    assert project_root(None, [tmp_path]) == tmp_path


def test_unchanged_text_is_not_analysed_again(tmp_path: Path) -> None:
    (tmp_path / "slopguard.toml").write_text("deps = false\n", encoding="utf-8")
    analyser = Analyser(ServerOptions())
    doc = document((tmp_path / "app.py").as_uri(), "python")
    text = "import os\nos.system('ls ' + input())\n"
    first = analyser.scan(doc, text, [tmp_path])
    again = analyser.scan(doc, text, [tmp_path])
    assert first.outcome is not None and again.outcome is first.outcome
    changed = analyser.scan(doc, text + "\n", [tmp_path])
    assert changed.outcome is not first.outcome
    assert first.display == "app.py" and first.settings is not None and first.settings.root == tmp_path
    analyser.forget_settings()
    assert analyser.scan(doc, text, [tmp_path]).outcome is not first.outcome


def test_options_override_the_project(tmp_path: Path) -> None:
    (tmp_path / "slopguard.toml").write_text("deps = true\n", encoding="utf-8")
    settings = Analyser(ServerOptions(deps=False, offline=True)).settings_for(tmp_path)
    assert (settings.deps, settings.offline, settings.root) == (False, True, tmp_path)


def test_a_keystroke_replaces_the_pending_scan_of_that_document_only() -> None:
    server = SlopguardServer(ServerOptions())
    server.open_document = lambda uri: None  # type: ignore[method-assign]

    async def scenario() -> None:
        server.schedule("file:///a.py", 30)
        first = server.pending["file:///a.py"]
        server.schedule("file:///b.py", 30)
        server.schedule("file:///a.py", 30)
        await asyncio.sleep(0)
        assert first.cancelled()
        assert not server.pending["file:///b.py"].cancelled()
        assert server.pending["file:///a.py"] is not first
        server.stop_scanning()

    asyncio.run(scenario())
