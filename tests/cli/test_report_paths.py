"""Paths in reports are relative to the directory slopguard runs from (as Ruff and Bandit print them), not to
the config root; SARIF stays valid (relative URIs against a base, absolute file URIs outside it) and fingerprints,
so baselines, do not change with the directory."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from slopguard.cli.scan import scan_command

VULNERABLE = """\
import sqlite3


def find(db: sqlite3.Connection, name: str):
    return db.execute(f"SELECT * FROM users WHERE name = '{name}'")
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    (root / "sub dir").mkdir(parents=True)
    (root / "pyproject.toml").write_text('[project]\nname = "demo"\n\n[tool.slopguard]\nfail-on = "high"\n')
    (root / "sub dir" / "app.py").write_text(VULNERABLE, encoding="utf-8")
    return root


def scan(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(scan_command, ["--no-deps", "--no-cache", *args])
    return result.exit_code, result.stdout


def test_paths_are_relative_to_the_current_directory(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project.parent)
    code, out = scan("proj/sub dir", "--format", "concise")
    assert code == 1
    assert out.startswith("proj/sub dir/app.py:5:"), out  # the config root is proj/, the user is one level up
    monkeypatch.chdir(project / "sub dir")
    code, out = scan(".", "--format", "concise")
    assert out.startswith("app.py:5:"), out


def test_fingerprints_and_baselines_do_not_depend_on_the_directory(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project.parent)
    _, above = scan("proj", "--format", "json")
    monkeypatch.chdir(project)
    _, inside = scan(".", "--format", "json")
    prints = [[f["fingerprint"] for f in json.loads(out)["findings"]] for out in (above, inside)]
    assert prints[0] and prints[0] == prints[1]
    paths = [[f["location"]["path"] for f in json.loads(out)["findings"]] for out in (above, inside)]
    assert paths == [["proj/sub dir/app.py"], ["sub dir/app.py"]]
    baseline = project / "baseline.json"
    assert scan(".", "--baseline", str(baseline))[0] == 0  # written from inside the project
    monkeypatch.chdir(project.parent)
    assert scan("proj", "--baseline", str(baseline))[0] == 0  # and still hides the finding from above it


def test_sarif_uris_resolve_to_the_file(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project.parent)
    _, out = scan("proj", "--format", "sarif")
    run = json.loads(out)["runs"][0]
    base = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    location = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": "proj/sub%20dir/app.py", "uriBaseId": "%SRCROOT%"}
    assert base == project.parent.resolve().as_uri() + "/"


def test_a_file_outside_the_current_directory_is_shown_whole(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    elsewhere = project.parent / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    _, out = scan(str(project), "--format", "sarif")
    location = json.loads(out)["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": (project / "sub dir" / "app.py").resolve().as_uri()}
