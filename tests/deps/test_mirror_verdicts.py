"""Behind a mirror that serves no advisory data, real packages are verified (a low note), hallucinated ones fail.

A local server speaks the PyPI JSON API the way such mirrors do: project documents without ``vulnerabilities``
and no per-release documents; the npm side answers the bulk advisory POST with 405.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from slopguard.cli import cli
from slopguard.core.config import Settings
from slopguard.core.finding import Severity
from slopguard.deps.model import Check, Ecosystem, PackageRef
from slopguard.deps.options import VerifyOptions
from slopguard.deps.verify import verify
from slopguard.pipeline.gate import exit_code
from slopguard.pipeline.scan import scan_paths

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
OLD = "2019-03-01T10:00:00Z"
REAL = {"flask": "3.0.3", "werkzeug": "3.0.3", "pyyaml": "6.0.1", "requests": "2.32.3", "click": "8.1.7"}


def project(name: str, versions: dict[str, str], latest: str, vulns: list[dict[str, Any]] | None = None) -> Any:
    doc: dict[str, Any] = {
        "info": {
            "name": name,
            "version": latest,
            "classifiers": [],
            "project_urls": {"Source": f"https://github.com/example/{name}"},
        },
        "releases": {v: [{"upload_time_iso_8601": when, "yanked": False}] for v, when in versions.items()},
    }
    if vulns is not None:
        doc["vulnerabilities"] = vulns
    return doc


def mirror(server: HTTPServer, docs: dict[str, Any]) -> None:
    """Project documents by name; everything else (release documents included) 404."""

    def answer(request: Request) -> Response:
        parts = request.path.strip("/").split("/")
        if len(parts) == 3 and parts[0] == "pypi" and parts[1] in docs:
            return Response(json.dumps(docs[parts[1]]), content_type="application/json")
        return Response('{"message": "Not Found"}', status=404, content_type="application/json")

    server.expect_request(re.compile(r"^/pypi/.*"), method="GET").respond_with_handler(answer)


def real_docs() -> dict[str, Any]:
    return {name: project(name, {"1.0": OLD, version: OLD}, version) for name, version in REAL.items()}


@pytest.fixture
def registry(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> HTTPServer:
    monkeypatch.setenv("PIP_INDEX_URL", httpserver.url_for("/simple/"))
    monkeypatch.setenv("SLOPGUARD_CACHE_DIR", str(tmp_path / "facts"))
    monkeypatch.delenv("SLOPGUARD_OSV_URL", raising=False)
    monkeypatch.delenv("SLOPGUARD_ADVISORIES", raising=False)
    mirror(httpserver, real_docs())
    return httpserver


def run(args: list[str], cwd: Path) -> tuple[int, str]:
    old = Path.cwd()
    os.chdir(cwd)
    try:
        res = CliRunner().invoke(cli, args, catch_exceptions=False)
    finally:
        os.chdir(old)
    return res.exit_code, res.stdout


def test_pinned_real_package_without_advisory_data_is_a_low_note(registry: HTTPServer, tmp_path: Path) -> None:
    code, out = run(["check", "requests==2.32.3", "--format", "json"], tmp_path)
    (package,) = json.loads(out)["packages"]
    assert [(s["check"], s["severity"]) for s in package["signals"]] == [("advisories-unknown", "low")]
    assert "no advisory data" in package["signals"][0]["message"]
    assert code == 0  # not a gate failure by default ...
    assert run(["check", "requests==2.32.3", "--fail-on", "low"], tmp_path)[0] == 1  # ... but can be made one


def test_different_versions_of_one_package_are_both_reported(registry: HTTPServer, tmp_path: Path) -> None:
    code, out = run(["check", "requests==2.32.3", "requests==1.0"], tmp_path)
    assert "requests 2.32.3" in out and "requests 1.0" in out
    assert "2 package(s) checked" in out
    assert code == 0


def test_hallucinated_package_still_fails(registry: HTTPServer, tmp_path: Path) -> None:
    code, out = run(["check", "requests==2.32.3", "flask-jwt-simple-auth-helper", "--format", "json"], tmp_path)
    verdicts = {p["name"]: p["verdict"] for p in json.loads(out)["packages"]}
    assert verdicts == {"requests": "advisories-unknown", "flask-jwt-simple-auth-helper": "missing"}
    assert code == 1


def test_project_document_advisories_apply_to_the_latest_release(httpserver: HTTPServer, tmp_path: Path) -> None:
    vuln = {"id": "PYSEC-2099-1", "aliases": ["CVE-2099-1"], "fixed_in": ["2.1"], "summary": "bad"}
    docs = {"zqxv-lib": project("zqxv-lib", {"1.0": OLD, "2.0": OLD}, "2.0", [vuln])}
    mirror(httpserver, docs)
    options = VerifyOptions(use_cache=False, project_dir=tmp_path, pypi_index=httpserver.url_for("/simple/"))
    latest, older = verify(
        [PackageRef(Ecosystem.PYPI, "zqxv-lib", "2.0"), PackageRef(Ecosystem.PYPI, "zqxv-lib", "1.0")],
        options,
        advisories=lambda _options: [],
    )
    assert [s.check for s in latest.signals] == [Check.VULNERABLE]
    assert "PYSEC-2099-1 (CVE-2099-1): fixed in 2.1" in latest.signals[0].message
    # The project document speaks for 2.0 only: for 1.0 it is a gap that names what may still apply.
    assert [s.check for s in older.signals] == [Check.ADVISORIES_UNKNOWN]
    assert "not fixed by 1.0: PYSEC-2099-1" in older.signals[0].message


def test_npm_registry_refusing_the_advisory_query_does_not_refuse_the_package(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    packument = {
        "name": "left-pad",
        "dist-tags": {"latest": "1.3.0"},
        "versions": {"1.3.0": {"name": "left-pad", "version": "1.3.0", "repository": "github:stevemao/left-pad"}},
        "time": {"1.3.0": "2018-04-09T00:00:00Z"},
    }
    httpserver.expect_request("/left-pad").respond_with_json(packument)
    httpserver.expect_request("/-/npm/v1/security/advisories/bulk", method="POST").respond_with_data(
        "Method Not Allowed", status=405
    )
    options = VerifyOptions(use_cache=False, project_dir=tmp_path, npm_registry=httpserver.url_for("/"))
    (report,) = verify([PackageRef(Ecosystem.NPM, "left-pad", "1.3.0")], options, advisories=lambda _o: [])
    assert [(s.check, s.severity) for s in report.signals] == [(Check.ADVISORIES_UNKNOWN, Severity.LOW)]
    assert "405" in report.signals[0].message


def test_demo_example_behind_such_a_mirror(registry: HTTPServer, tmp_path: Path) -> None:
    """The acceptance case of ``make demo``: no HIGH package finding for the example's real packages, and a
    hallucinated one added to its requirements still fails the scan."""
    app = tmp_path / "app"
    shutil.copytree(EXAMPLES / "ai-generated-app", app)
    outcome = scan_paths(Settings(root=app, cache=False), [app])
    package_findings = [f for f in outcome.report.findings if f.rule_id.startswith("DEP-")]
    assert package_findings, "the example's packages were verified"
    assert {f.rule_id for f in package_findings} == {"DEP-NOADVISORY-001"}
    assert all(f.severity is Severity.LOW for f in package_findings)

    with (app / "requirements.txt").open("a", encoding="utf-8") as requirements:
        requirements.write("flask-jwt-simple-auth-helper==1.0.2\n")
    outcome = scan_paths(Settings(root=app, cache=False), [app])
    failing = [f for f in outcome.report.findings if f.rule_id.startswith("DEP-") and f.severity >= Severity.HIGH]
    assert [f.rule_id for f in failing] == ["DEP-MISSING-001"]
    assert "flask-jwt-simple-auth-helper" in failing[0].message
    assert exit_code(failing, Settings(root=app)) == 1
