"""`slopguard hook <agent>-post-edit` / `<agent>-pre-bash` run with recorded payloads (tests/hooks/payloads/) and
answer in the shape each agent reads. Registries are local servers on 127.0.0.1."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer

from slopguard.cli import cli

PAYLOADS = Path(__file__).parent / "payloads"
OLD = [{"upload_time_iso_8601": "2012-04-16T10:00:00.000000Z", "yanked": False}]

FLASK_SQLI = """\
import sqlite3

from flask import Flask, request

app = Flask(__name__)


@app.route("/user")
def user():
    name = request.args.get("name")
    conn = sqlite3.connect("app.db")
    rows = conn.execute(f"SELECT * FROM users WHERE name = '{name}'").fetchall()
    return {"rows": rows}
"""
FLASK_SAFE = FLASK_SQLI.replace(
    """conn.execute(f"SELECT * FROM users WHERE name = '{name}'")""",
    """conn.execute("SELECT * FROM users WHERE name = ?", (name,))""",
)


def _project(name: str) -> dict[str, object]:
    return {
        "info": {"name": name, "version": "3.0.0", "summary": "x", "project_urls": {}},
        "releases": {"1.0": OLD, "3.0.0": OLD},
        "vulnerabilities": [],
    }


@pytest.fixture
def pypi(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> HTTPServer:
    """flask and requests exist (old, popular); flask-jwt-simple-auth-helper does not."""
    monkeypatch.setenv("PIP_INDEX_URL", httpserver.url_for("/simple/"))
    monkeypatch.setenv("SLOPGUARD_CACHE_DIR", str(tmp_path / "facts"))
    for name in ("flask", "requests"):
        httpserver.expect_request(f"/pypi/{name}/json").respond_with_json(_project(name))
    httpserver.expect_request("/pypi/flask-jwt-simple-auth-helper/json").respond_with_json(
        {"message": "Not Found"}, status=404
    )
    return httpserver


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    for var in ("CLAUDE_PROJECT_DIR", "GEMINI_PROJECT_DIR"):
        monkeypatch.delenv(var, raising=False)
    return root


def payload(name: str, project: Path, command: str = "") -> bytes:
    text = (PAYLOADS / name).read_text(encoding="utf-8")
    return text.replace("$PROJECT", str(project)).replace("$COMMAND", command.replace('"', '\\"')).encode()


def hook(sub: str, data: bytes) -> tuple[int, str, str]:
    res = CliRunner().invoke(cli, ["hook", sub], input=data, catch_exceptions=False)
    return res.exit_code, res.stdout, res.stderr


def answer(stdout: str) -> dict[str, Any]:
    doc = json.loads(stdout)
    assert isinstance(doc, dict)
    return doc


# -- after an edit ----------------------------------------------------------------------------------------------


def test_claude_post_edit_returns_the_finding_to_the_agent(pypi: HTTPServer, project: Path) -> None:
    (project / "app.py").write_text(FLASK_SQLI)
    code, out, _ = hook("claude-post-edit", payload("claude_post_edit.json", project))
    assert code == 0
    doc = answer(out)
    assert doc["decision"] == "block"
    assert "app.py:12: PY-SQLI-001 [high]" in doc["reason"]
    assert "fix:" in doc["reason"]


def test_claude_post_edit_is_silent_on_a_clean_file(pypi: HTTPServer, project: Path) -> None:
    (project / "app.py").write_text(FLASK_SAFE)
    assert hook("claude-post-edit", payload("claude_post_edit.json", project)) == (0, "", "")


def test_the_project_comes_from_the_harness_environment(
    pypi: HTTPServer, project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """CLAUDE_PROJECT_DIR names the project; a payload file outside it is never scanned."""
    (project / "app.py").write_text(FLASK_SQLI)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.setenv("CLAUDE_PROJECT_DIR", str(elsewhere))
    code, out, err = hook("claude-post-edit", payload("claude_post_edit.json", project))
    assert (code, out) == (0, "")
    assert "outside the project" in err


def test_a_path_that_climbs_out_of_the_project_is_not_scanned(pypi: HTTPServer, project: Path, tmp_path: Path) -> None:
    (tmp_path / "secret.py").write_text(FLASK_SQLI)
    data = payload("claude_post_edit.json", project).replace(b"/app.py", b"/../secret.py")
    code, out, err = hook("claude-post-edit", data)
    assert (code, out) == (0, "")
    assert "outside the project" in err


def test_gemini_post_edit_appends_context_to_the_tool_result(pypi: HTTPServer, project: Path) -> None:
    (project / "app.py").write_text(FLASK_SQLI)
    code, out, _ = hook("gemini-post-edit", payload("gemini_post_edit.json", project))
    assert code == 0
    assert "PY-SQLI-001" in answer(out)["hookSpecificOutput"]["additionalContext"]


def test_cursor_post_edit_reports_on_stderr(pypi: HTTPServer, project: Path) -> None:
    """Cursor does not read afterFileEdit output: the findings go to its Hooks output panel."""
    (project / "app.py").write_text(FLASK_SQLI)
    code, out, err = hook("cursor-post-edit", payload("cursor_post_edit.json", project))
    assert (code, out) == (0, "")
    assert "PY-SQLI-001" in err


def test_an_unreadable_payload_exits_2_with_the_reason() -> None:
    code, out, err = hook("claude-post-edit", b"not json")
    assert (code, out) == (2, "")
    assert "not JSON" in err


# -- before a shell command -------------------------------------------------------------------------------------


def test_claude_pre_bash_denies_a_hallucinated_package(pypi: HTTPServer, project: Path) -> None:
    command = "cd app && pip install requests flask-jwt-simple-auth-helper"
    code, out, _ = hook("claude-pre-bash", payload("claude_pre_bash.json", project, command))
    assert code == 0
    decision = answer(out)["hookSpecificOutput"]
    assert decision["hookEventName"] == "PreToolUse"
    assert decision["permissionDecision"] == "deny"
    assert "flask-jwt-simple-auth-helper" in decision["permissionDecisionReason"]
    assert "DEP-MISSING-001" in decision["permissionDecisionReason"]
    assert "'requests'" not in decision["permissionDecisionReason"]


@pytest.mark.parametrize("command", ["pip install requests flask", "uv add requests", "ls -la", "git status"])
def test_claude_pre_bash_allows_verified_packages_silently(pypi: HTTPServer, project: Path, command: str) -> None:
    assert hook("claude-pre-bash", payload("claude_pre_bash.json", project, command)) == (0, "", "")


@pytest.mark.parametrize(
    ("sub", "fixture", "expected"),
    [
        ("claude-pre-bash", "claude_pre_bash.json", "ask"),
        ("codex-pre-bash", "codex_pre_bash.json", "deny"),  # Codex refuses "ask": fail closed
        ("gemini-pre-bash", "gemini_pre_bash.json", "deny"),  # Gemini CLI has no "ask"
        ("cursor-pre-bash", "cursor_pre_bash.json", "ask"),
    ],
)
def test_an_unreachable_registry_is_never_ok(project: Path, sub: str, fixture: str, expected: str) -> None:
    """conftest points the index at a closed local port: the package cannot be verified."""
    code, out, _ = hook(sub, payload(fixture, project, "pip install requests"))
    assert code == 0
    doc = answer(out)
    if sub.startswith(("claude", "codex")):
        assert doc["hookSpecificOutput"]["permissionDecision"] == expected
        assert "could not be verified" in doc["hookSpecificOutput"]["permissionDecisionReason"]
    elif sub.startswith("gemini"):
        assert doc == {"decision": expected, "reason": doc["reason"]}
        assert "could not be verified" in doc["reason"]
    else:
        assert doc["permission"] == expected
        assert "could not be verified" in doc["agent_message"]


def test_codex_and_gemini_deny_a_hallucinated_package(pypi: HTTPServer, project: Path) -> None:
    command = "pip install flask-jwt-simple-auth-helper"
    _, codex, _ = hook("codex-pre-bash", payload("codex_pre_bash.json", project, command))
    assert answer(codex)["hookSpecificOutput"]["permissionDecision"] == "deny"
    _, gemini, _ = hook("gemini-pre-bash", payload("gemini_pre_bash.json", project, command))
    assert answer(gemini)["decision"] == "deny"


def test_cursor_pre_bash_answers_every_call(pypi: HTTPServer, project: Path) -> None:
    _, allowed, _ = hook("cursor-pre-bash", payload("cursor_pre_bash.json", project, "pip install flask"))
    assert answer(allowed) == {"permission": "allow"}
    _, denied, _ = hook(
        "cursor-pre-bash", payload("cursor_pre_bash.json", project, "pip install flask-jwt-simple-auth-helper")
    )
    doc = answer(denied)
    assert doc["permission"] == "deny"
    assert "flask-jwt-simple-auth-helper" in doc["user_message"]
