"""`deps`, `check` and scan's package phase against a local server speaking the PyPI JSON API."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer

from slopguard.cli import cli

FIXTURES = Path(__file__).resolve().parents[1] / "deps" / "fixtures" / "pypi"
SARIF_SCHEMA = Path(__file__).resolve().parents[1] / "data" / "sarif-schema-2.1.0.json"
REQUIREMENTS = "requests==2.19.1\nreqeusts>=2.0\nflask-jwt-simple-auth-helper\n"


def fixture(server: HTTPServer, name: str) -> Any:
    return json.loads((FIXTURES / name).read_text().replace("{{SERVER}}", server.url_for("").rstrip("/")))


@pytest.fixture
def registry(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> HTTPServer:
    monkeypatch.setenv("PIP_INDEX_URL", httpserver.url_for("/simple/"))
    monkeypatch.setenv("SLOPGUARD_CACHE_DIR", str(tmp_path / "facts"))
    httpserver.expect_request("/pypi/requests/json").respond_with_json(fixture(httpserver, "requests.json"))
    httpserver.expect_request("/pypi/requests/2.19.1/json").respond_with_json(
        fixture(httpserver, "requests-2.19.1.json")
    )
    for missing in ("reqeusts", "flask-jwt-simple-auth-helper", "yamlx"):
        httpserver.expect_request(f"/pypi/{missing}/json").respond_with_json({"message": "Not Found"}, status=404)
    return httpserver


def run(args: list[str], cwd: Path, stdin: str | None = None) -> tuple[int, str, str]:
    old = Path.cwd()
    os.chdir(cwd)
    try:
        res = CliRunner().invoke(cli, args, input=stdin, catch_exceptions=False)
    finally:
        os.chdir(old)
    return res.exit_code, res.stdout, res.stderr


def verdicts(out: str) -> dict[str, str]:
    return {p["name"]: p["verdict"] for p in json.loads(out)["packages"]}


def test_requirements_with_hallucinated_typosquatted_and_vulnerable(registry: HTTPServer, tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text(REQUIREMENTS)
    code, out, _ = run(["deps", ".", "--format", "json"], tmp_path)
    assert code == 1
    assert verdicts(out) == {
        "requests": "vulnerable",
        "reqeusts": "missing",
        "flask-jwt-simple-auth-helper": "missing",
    }
    packages = {p["name"]: p for p in json.loads(out)["packages"]}
    assert packages["reqeusts"]["line"] == 2
    assert any("did you mean requests" in s["message"] for s in packages["reqeusts"]["signals"])
    code, text, _ = run(["deps", "."], tmp_path)
    assert "MISSING" in text and "reqeusts" in text and "3 package(s) checked, 3 with concerns" in text


def test_scan_reports_packages_at_their_manifest_and_import_lines(registry: HTTPServer, tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("requests==2.19.1\n")
    (tmp_path / "app.py").write_text(
        "import os\nimport requests\nimport yamlx\n\nprint(os.getcwd(), requests, yamlx)\n"
    )
    code, out, _ = run(["scan", ".", "--format", "json", "--no-cache"], tmp_path)
    found = {(f["rule_id"], f["location"]["path"], f["location"]["start_line"]) for f in json.loads(out)["findings"]}
    assert ("DEP-VULN-001", "requirements.txt", 1) in found
    assert ("DEP-MISSING-001", "app.py", 3) in found  # an undeclared import of a package that does not exist
    assert not any(path == "app.py" and line == 2 for _, path, line in found)  # declared: reported at the manifest
    assert code == 1
    code, out, _ = run(["scan", ".", "--format", "sarif", "--no-cache"], tmp_path)
    jsonschema.validate(json.loads(out), json.loads(SARIF_SCHEMA.read_text()))


def test_unreachable_registry_fails_closed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLOPGUARD_CACHE_DIR", str(tmp_path / "facts"))
    (tmp_path / "requirements.txt").write_text("requests\n")
    code, out, _ = run(["deps", ".", "--format", "json"], tmp_path)
    assert code == 1 and verdicts(out) == {"requests": "unknown"}
    assert run(["deps", ".", "--format", "json", "--allow-unknown"], tmp_path)[0] == 0


def test_offline_uses_the_shipped_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLOPGUARD_CACHE_DIR", str(tmp_path / "facts"))
    code, out, _ = run(["check", "requests", "reqeusts", "--offline", "--format", "json"], tmp_path)
    got = {p["name"]: p for p in json.loads(out)["packages"]}
    # It exists (the shipped index says so); only its advisories are unknown offline: a low note, not a verdict.
    assert "offline" in got["requests"]["note"]
    assert [(s["check"], s["severity"]) for s in got["requests"]["signals"]] == [("advisories-unknown", "low")]
    assert {s["check"] for s in got["reqeusts"]["signals"]} == {"typosquat", "unknown"}
    assert code == 1


def test_answer_on_stdin_with_install_line_and_imports(registry: HTTPServer, tmp_path: Path) -> None:
    answer = "Install it first:\n\n```bash\npip install reqeusts\n```\n\n```python\nimport requests\n```\n"
    code, out, _ = run(["deps", "-", "--format", "json"], tmp_path, stdin=answer)
    got = {p["name"]: p for p in json.loads(out)["packages"]}
    assert got["reqeusts"]["verdict"] == "missing" and got["reqeusts"]["line"] == 4
    assert got["requests"]["line"] == 8 and code == 1


def test_a_registry_that_denies_popular_packages_is_not_believed(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A proxy answering 404 to everything must not turn every package into 'missing'."""
    monkeypatch.setenv("PIP_INDEX_URL", httpserver.url_for("/simple/"))
    monkeypatch.setenv("SLOPGUARD_CACHE_DIR", str(tmp_path / "facts"))
    httpserver.expect_request("/pypi/requests/json").respond_with_json({"message": "Not Found"}, status=404)
    httpserver.expect_request("/pypi/reqeusts/json").respond_with_json({"message": "Not Found"}, status=404)
    code, out, _ = run(["check", "requests", "reqeusts", "--format", "json"], tmp_path)
    got = {p["name"]: p["verdict"] for p in json.loads(out)["packages"]}
    assert got["requests"] == "unknown"
    assert "missing" not in {s["check"] for p in json.loads(out)["packages"] for s in p["signals"]}
    assert code == 1
