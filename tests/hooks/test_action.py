"""The GitHub Action's steps run locally: every `run:` step of action.yml in bash with fake GITHUB_* files, the
`uses:` steps (setup-python, upload-sarif) recorded, not run. The registry is a local server."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from pytest_httpserver import HTTPServer

from slopguard.cli import cli

ROOT = Path(__file__).resolve().parents[2]
EXPRESSION = re.compile(r"\$\{\{\s*(.+?)\s*\}\}")
OLD = [{"upload_time_iso_8601": "2012-04-16T10:00:00.000000Z", "yanked": False}]
APP = """\
from flask import Flask, request

app = Flask(__name__)


@app.route("/ping")
def ping():
    import subprocess

    return subprocess.run(f"ping -c 1 {request.args['host']}", shell=True, capture_output=True).stdout
"""


def action() -> dict[str, Any]:
    doc = yaml.safe_load((ROOT / "action.yml").read_text())
    assert isinstance(doc, dict)
    return doc


@pytest.fixture
def workspace(tmp_path: Path, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PIP_INDEX_URL", httpserver.url_for("/simple/"))
    monkeypatch.setenv("SLOPGUARD_CACHE_DIR", str(tmp_path / "facts"))
    flask = {"info": {"name": "flask", "version": "3.0.0", "summary": "x", "project_urls": {}},
             "releases": {"1.0": OLD, "3.0.0": OLD}, "vulnerabilities": []}  # fmt: skip
    httpserver.expect_request("/pypi/flask/json").respond_with_json(flask)
    httpserver.expect_request("/pypi/flask-jwt-simple-auth-helper/json").respond_with_json({}, status=404)
    root = tmp_path / "repo"
    root.mkdir()
    (root / "app.py").write_text(APP)
    (root / "requirements.txt").write_text("flask==3.0.0\nflask-jwt-simple-auth-helper\n")
    return root


def run_steps(workspace: Path, inputs: dict[str, str]) -> tuple[int, str, dict[str, str], list[str]]:
    """Run the action: (exit status of the last step run, job summary, the scan step's outputs, uses: steps)."""
    doc = action()
    values = {name: spec.get("default", "") for name, spec in doc["inputs"].items()} | inputs
    outputs: dict[str, dict[str, str]] = {}
    summary = workspace.parent / "summary.md"
    summary.write_text("")
    used: list[str] = []

    def evaluate(match: re.Match[str]) -> str:
        expr = match.group(1)
        if expr.startswith("inputs."):
            return values[expr.removeprefix("inputs.")]
        if expr == "github.action_path":
            return str(ROOT)
        step, _, name = expr.removeprefix("steps.").partition(".outputs.")
        return outputs.get(step, {}).get(name, "")

    code = 0
    for step in doc["runs"]["steps"]:
        if "uses" in step:
            used.append(step["uses"])
            continue
        assert "${{" not in step["run"], "values reach the script through env, never pasted into it"
        env = {key: EXPRESSION.sub(evaluate, str(value)) for key, value in step.get("env", {}).items()}
        if step["id"] == "install":
            assert env["ACTION_PATH"] == str(ROOT) and '"$ACTION_PATH"' in step["run"]
            continue  # slopguard is installed in this environment already
        output = workspace.parent / f"output-{step['id']}"
        output.write_text("")
        full = os.environ | env | {
            "GITHUB_WORKSPACE": str(workspace), "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_OUTPUT": str(output),
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        }  # fmt: skip
        proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
                              cwd=workspace, env=full, capture_output=True, text=True, timeout=300)  # fmt: skip
        code = proc.returncode
        outputs[step["id"]] = dict(line.split("=", 1) for line in output.read_text().splitlines() if "=" in line)
        if code != 0:
            break
    return code, summary.read_text(), outputs.get("scan", {}), used


def test_the_action_uploads_sarif_summarises_and_fails_per_fail_on(workspace: Path) -> None:
    code, summary, outputs, used = run_steps(workspace, {})
    assert code == 1
    assert outputs["exit-code"] == "1"
    assert int(outputs["failing"]) >= 2
    assert used == ["actions/setup-python@v5", "github/codeql-action/upload-sarif@v3"]
    sarif = json.loads((workspace / outputs["sarif-file"]).read_text())
    rules = {r["ruleId"] for r in sarif["runs"][0]["results"]}
    assert {"PY-CMDI-001", "DEP-MISSING-001"} <= rules
    assert "**slopguard scan**" in summary
    assert "## slopguard review" in summary
    assert "flask-jwt-simple-auth-helper" in summary


def test_fail_on_none_reports_without_failing(workspace: Path) -> None:
    code, summary, outputs, _ = run_steps(workspace, {"fail-on": "none", "sarif-file": "out/report.sarif"})
    assert code == 0
    assert outputs["exit-code"] == "0"
    assert outputs["sarif-file"] == "out/report.sarif"
    assert (workspace / "out" / "report.sarif").is_file()
    assert "never fails the job" in summary


def test_a_path_outside_the_workspace_is_an_error(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_WORKSPACE", str(workspace))
    for args in (["--paths", "../"], ["--sarif-file", "../elsewhere.sarif"]):
        res = CliRunner().invoke(cli, ["hook", "github-action", *args], catch_exceptions=False)
        assert res.exit_code == 2
        assert "outside the workspace" in res.stderr
