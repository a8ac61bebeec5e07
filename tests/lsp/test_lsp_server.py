"""``slopguard lsp`` driven over stdio as an editor drives it: diagnostics on open and change, the suppression and
"explain rule" code actions, hover, files it cannot analyse, and the exit codes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lsp_client import LspClient, LspError, apply_edit

from slopguard.engine.languages import LANGUAGES

ERROR, WARNING = 1, 2
PYTHON_APP = "import subprocess\n\n\ndef run(cmd):\n    subprocess.run(cmd, shell=True)\n"
JS_APP = "const { exec } = require('child_process');\n\nfunction list(req) {\n  exec('ls ' + req.query.dir);\n}\n"
REASON = "cmd is one of the fixed COMMANDS above"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A workspace folder with its own (empty) configuration, so no configuration above it applies."""
    (tmp_path / "slopguard.toml").write_text("", encoding="utf-8")
    return tmp_path


@pytest.fixture
def client(project: Path) -> Iterator[LspClient]:
    lsp = LspClient(["--no-deps", "--debounce", "0.05"], cwd=project)
    lsp.initialize(project)
    yield lsp
    lsp.close()


def _codes(diagnostics: list[dict[str, Any]]) -> list[Any]:
    return [d.get("code") for d in diagnostics]


def _suppress_action(client: LspClient, uri: str, diagnostic: dict[str, Any]) -> dict[str, Any]:
    actions = client.request(
        "textDocument/codeAction",
        {"textDocument": {"uri": uri}, "range": diagnostic["range"], "context": {"diagnostics": [diagnostic]}},
    )
    suppress = [a for a in actions if a["title"].startswith("Suppress")]
    explain = [a for a in actions if a["title"].startswith("Explain")]
    assert len(suppress) == 1
    assert explain[0]["command"]["arguments"] == [diagnostic["code"]]
    found: dict[str, Any] = suppress[0]
    return found


def test_initialize_advertises_the_features(project: Path) -> None:
    lsp = LspClient(["--no-deps"], cwd=project)
    try:
        capabilities = lsp.initialize(project)["capabilities"]
        assert capabilities["codeActionProvider"]["codeActionKinds"] == ["quickfix"]
        assert capabilities["hoverProvider"]
        assert capabilities["executeCommandProvider"]["commands"] == ["slopguard.explainRule"]
        assert capabilities["textDocumentSync"]["openClose"]
        assert capabilities["textDocumentSync"]["save"] == {"includeText": False}
        assert lsp.stop() == 0
    finally:
        lsp.close()


def test_python_finding_is_suppressed_by_the_code_action(client: LspClient, project: Path) -> None:
    uri = (project / "app.py").as_uri()  # never written to disk: the server scans the editor's buffer
    client.open(uri, "python", PYTHON_APP)
    (finding,) = client.diagnostics(uri, 1)
    assert finding["code"] == "PY-CMDI-001"
    assert finding["source"] == "slopguard"
    assert finding["severity"] == ERROR  # high severity, medium confidence: fails the default gate
    assert finding["range"]["start"] == {"line": 4, "character": 4}
    assert "Fix: Pass an argument list without a shell" in finding["message"]
    assert "codeDescription" not in finding  # no published rule reference was named

    action = _suppress_action(client, uri, finding)
    (edit,) = action["edit"]["changes"][uri]
    assert edit["newText"] == "    # slopguard: ignore[PY-CMDI-001] -- <say why this is safe>\n"
    suppressed = apply_edit(PYTHON_APP, [edit])

    client.replace(uri, suppressed, 2)
    left = client.diagnostics(uri, 2)
    assert "PY-CMDI-001" not in _codes(left)
    (unfilled,) = left  # the placeholder is a valid reason, but the editor asks for the real one
    assert unfilled["range"]["start"]["line"] == 4
    assert "placeholder" in unfilled["message"]

    client.replace(uri, suppressed.replace("<say why this is safe>", REASON), 3)
    assert client.diagnostics(uri, 3) == []
    assert client.stop() == 0


def test_javascript_document_and_its_comment_syntax(client: LspClient, project: Path) -> None:
    uri = (project / "src" / "routes.js").as_uri()
    client.open(uri, "javascript", JS_APP)
    (finding,) = client.diagnostics(uri, 1)
    assert finding["code"] == "JS-CMDI-001"
    assert finding["range"]["start"] == {"line": 3, "character": 2}
    (edit,) = _suppress_action(client, uri, finding)["edit"]["changes"][uri]
    assert edit["newText"] == "  // slopguard: ignore[JS-CMDI-001] -- <say why this is safe>\n"
    client.replace(uri, apply_edit(JS_APP, [edit]).replace("<say why this is safe>", REASON), 2)
    assert client.diagnostics(uri, 2) == []


def test_unsaved_buffer_takes_the_editor_language(client: LspClient) -> None:
    uri = "untitled:Untitled-1"
    client.open(uri, "python", PYTHON_APP)
    assert _codes(client.diagnostics(uri, 1)) == ["PY-CMDI-001"]


def test_what_cannot_be_analysed_is_said(client: LspClient, project: Path) -> None:
    name = "unread" + next(ext for lang in LANGUAGES if not lang.scanned for ext in lang.extensions)
    unread = (project / name).as_uri()
    client.open(unread, "plaintext", "a = 1\n")
    (note,) = client.diagnostics(unread, 1)
    assert note["severity"] == WARNING
    assert "did not analyse this file" in note["message"]
    assert name in note["message"]

    broken = (project / "broken.py").as_uri()
    client.open(broken, "python", "def run(:\n")
    (note,) = client.diagnostics(broken, 1)
    assert "did not analyse this file: syntax error" in note["message"]


def test_bad_project_configuration_fails_closed(project: Path) -> None:
    (project / "slopguard.toml").write_text("no-such-key = 1\n", encoding="utf-8")
    lsp = LspClient(["--no-deps"], cwd=project)
    try:
        lsp.initialize(project)
        uri = (project / "app.py").as_uri()
        lsp.open(uri, "python", "x = 1\n")
        (note,) = lsp.diagnostics(uri, 1)
        assert "configuration error" in note["message"]
        assert "no-such-key" in note["message"]
    finally:
        lsp.close()


def test_explain_rule_command_and_hover(client: LspClient, project: Path) -> None:
    uri = (project / "app.py").as_uri()
    client.open(uri, "python", PYTHON_APP)
    (finding,) = client.diagnostics(uri, 1)

    text = client.request(
        "workspace/executeCommand", {"command": "slopguard.explainRule", "arguments": ["PY-CMDI-001"]}
    )
    assert text.startswith("**PY-CMDI-001: OS command built from non-constant data** (CWE-78;")
    assert "**Fix:** Pass an argument list without a shell" in text
    shown = client.wait_for(lambda m: m.get("method") == "window/showMessage")
    assert shown["params"]["message"].startswith("PY-CMDI-001: OS command built from non-constant data")

    with pytest.raises(LspError):
        client.request("workspace/executeCommand", {"command": "slopguard.explainRule", "arguments": ["PY-NOPE-1"]})

    hover = client.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": finding["range"]["start"]})
    assert hover["contents"]["kind"] == "markdown"
    assert hover["contents"]["value"] == text
    nothing = client.request(
        "textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}}
    )
    assert nothing is None


def test_rules_url_links_each_diagnostic(project: Path) -> None:
    lsp = LspClient(["--no-deps", "--rules-url", "https://docs.example.com/slopguard/rules"], cwd=project)
    try:
        lsp.initialize(project)
        uri = (project / "app.py").as_uri()
        lsp.open(uri, "python", PYTHON_APP)
        (finding,) = lsp.diagnostics(uri, 1)
        assert finding["codeDescription"] == {"href": "https://docs.example.com/slopguard/rules#py-cmdi-001"}
        lsp.request("workspace/executeCommand", {"command": "slopguard.explainRule", "arguments": ["PY-CMDI-001"]})
        # The server asks before it answers, and messages arrive in order: the request is already here.
        (show,) = [r for r in lsp.server_requests if r["method"] == "window/showDocument"]
        assert show["params"] == {"uri": "https://docs.example.com/slopguard/rules#py-cmdi-001", "external": True}
    finally:
        lsp.close()


def test_close_clears_the_diagnostics(client: LspClient, project: Path) -> None:
    uri = (project / "app.py").as_uri()
    client.open(uri, "python", PYTHON_APP)
    assert client.diagnostics(uri, 1)
    client.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    cleared = client.wait_for(
        lambda m: m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri
    )
    assert cleared["params"]["diagnostics"] == []


def test_exit_without_shutdown_exits_1(project: Path) -> None:
    lsp = LspClient(["--no-deps"], cwd=project)
    try:
        lsp.initialize(project)
        assert lsp.stop(shutdown=False) == 1
    finally:
        lsp.close()


def test_bad_option_exits_2(project: Path) -> None:
    lsp = LspClient(["--debounce", "soon"], cwd=project)
    try:
        assert lsp.proc.wait(timeout=120) == 2
    finally:
        lsp.close()


def test_packages_are_verified_and_not_offered_a_suppression(project: Path) -> None:
    lsp = LspClient(["--offline"], cwd=project)  # the package check runs, from the shipped index only
    try:
        lsp.initialize(project)
        uri = (project / "app.py").as_uri()
        lsp.open(uri, "python", "import flask_sqlalchemy_helperz\n")
        (finding,) = lsp.diagnostics(uri, 1)
        assert finding["code"] == "DEP-UNKNOWN-001"
        assert finding["severity"] == ERROR  # what cannot be verified fails the gate
        assert "flask_sqlalchemy_helperz" in finding["message"]
        actions = lsp.request(
            "textDocument/codeAction",
            {"textDocument": {"uri": uri}, "range": finding["range"], "context": {"diagnostics": [finding]}},
        )
        # Inline directives silence code rules only; a package is fixed in the code or the manifest.
        assert [a["title"] for a in actions] == ["Explain DEP-UNKNOWN-001"]
    finally:
        lsp.close()
