"""``slopguard mark`` and ``slopguard provenance`` end to end, on temporary projects and real git repositories."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from slopguard.cli.provenance import mark_command, provenance_command

TAG = "slopguard" + ":ai"
VULNERABLE = [
    "import sqlite3",
    "from flask import Flask, request",
    "",
    "app = Flask(__name__)",
    "",
    "",
    '@app.route("/search")',
    "def search():",
    '    q = request.args.get("q", "")',
    '    db = sqlite3.connect("app.db")',
    '    return {"rows": db.execute(f"SELECT * FROM items WHERE name = \'{q}\'").fetchall()}',
    "",
    "",
    "def total(rows):",
    "    return sum(rows)",
    "",
]
SQLI_LINE = 11


def run(command: click.Command, args: list[str], cwd: Path) -> tuple[int, str, str]:
    old = Path.cwd()
    os.chdir(cwd)
    try:
        res = CliRunner().invoke(command, args, catch_exceptions=False)
    finally:
        os.chdir(old)
    return res.exit_code, res.stdout, res.stderr


def git(cwd: Path, *args: str) -> str:
    cmd = ["git", "-c", "user.name=Dev", "-c", "user.email=dev@example.com", "-c", "commit.gpgsign=false", *args]
    return subprocess.run(cmd, cwd=cwd, check=True, capture_output=True, text=True).stdout


@pytest.fixture(autouse=True)
def no_outer_repo(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """git must not find a repository above the test's folder."""
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))


def project(tmp_path: Path) -> Path:
    (tmp_path / "app.py").write_text("\n".join(VULNERABLE), encoding="utf-8")
    (tmp_path / "style.css").write_text("body { color: red; }\n", encoding="utf-8")
    return tmp_path


def test_mark_whole_file_then_region_then_update(tmp_path: Path) -> None:
    root = project(tmp_path)
    code, out, _ = run(mark_command, ["app.py", "--model", "gpt-4o", "--generated", "2026-11-27"], root)
    assert code == 0 and "added whole-file marker in app.py (line 1)" in out
    code, out, _ = run(mark_command, ["app.py:16", "--model", "claude-sonnet-4", "--verified", "sqli,authz"], root)
    assert code == 0 and "added region marker for lines 17-17 in app.py (line 16)" in out
    code, out, _ = run(
        mark_command,
        ["app.py:17-17", "--model", "claude-sonnet-4", "--reviewer", "Jane Doe", "--verified", "CWE-89"],
        root,
    )
    assert code == 0 and "updated region marker for lines 17-17" in out
    lines = (root / "app.py").read_text(encoding="utf-8").split("\n")
    assert lines[0] == f"# {TAG} model=gpt-4o generated=2026-11-27"
    assert lines[15].startswith(f"    # {TAG}-begin model=claude-sonnet-4 generated=")
    assert 'reviewer="Jane Doe" reviewed=' in lines[15] and lines[15].endswith("verified=CWE-89")
    assert lines[17] == f"    # {TAG}-end"
    kept = [t for i, t in enumerate(lines) if i not in (0, 15, 17)]
    assert kept == VULNERABLE


@pytest.mark.parametrize(
    ("target", "extra", "message"),
    [
        ("data.json", [], "no known comment syntax for '.json' files"),
        ("missing.py", [], "no such file: missing.py"),
        ("missing.py:3-4", [], "no such file: missing.py"),
        ("app.py:9-3", [], "bad line range"),
        ("app.py:10-400", [], "outside the file"),
        ("sub", [], "is a directory"),
        ("app.py", ["--generated", "tomorrow"], "--generated must be a date"),
        ("app.py", ["--reviewer", " "], "--reviewer must not be empty"),
        ("blob.py", [], "binary file"),
    ],
)
def test_mark_bad_input_exits_2_with_a_clear_message(
    tmp_path: Path, target: str, extra: list[str], message: str
) -> None:
    root = project(tmp_path)
    (root / "data.json").write_text("{}", encoding="utf-8")
    (root / "blob.py").write_bytes(b"\0\0\0")
    (root / "sub").mkdir()
    before = (root / "app.py").read_bytes()
    code, out, err = run(mark_command, [target, "--model", "m", *extra], root)
    assert code == 2, out
    assert message in err
    assert (root / "app.py").read_bytes() == before


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root can read any file")
def test_unreadable_file_is_an_error(tmp_path: Path) -> None:
    root = project(tmp_path)
    (root / "app.py").chmod(0)
    try:
        code, _, err = run(mark_command, ["app.py", "--model", "m"], root)
        assert code == 2 and "cannot read" in err
        code, _, err = run(provenance_command, ["app.py"], root)
        assert code == 2 and "cannot read" in err
    finally:
        (root / "app.py").chmod(0o644)


def test_read_errors_are_reported_even_as_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same paths as above, with the permission error simulated (tests often run as root)."""
    root = project(tmp_path)

    def denied(*args: object, **kwargs: object) -> object:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("slopguard.provenance.markers.open", denied, raising=False)
    code, _, err = run(mark_command, ["app.py", "--model", "m"], root)
    assert code == 2 and "cannot read app.py: Permission denied" in err
    monkeypatch.setattr(Path, "open", denied)
    code, _, err = run(provenance_command, ["app.py"], root)
    assert code == 2 and "cannot read app.py: Permission denied" in err


def test_provenance_lists_regions_reviewed_state_and_findings(tmp_path: Path) -> None:
    root = project(tmp_path)
    run(mark_command, ["app.py:7-11", "--model", "gpt-4o", "--generated", "2026-11-27"], root)
    run(mark_command, ["app.py:16-17", "--model", "copilot", "--reviewer", "Ann", "--reviewed", "2026-11-28"], root)
    run(mark_command, ["style.css", "--model", "gpt-4o-mini"], root)
    code, out, err = run(provenance_command, ["--format", "json"], root)
    assert code == 0, err
    doc = json.loads(out)
    regions = {(r["path"], r["start_line"]): r for r in doc["regions"]}
    sqli = regions[("app.py", 8)]
    assert (sqli["end_line"], sqli["model"], sqli["source"], sqli["is_reviewed"]) == (12, "gpt-4o", "marker", False)
    assert [f["rule_id"] for f in sqli["findings"]] == ["PY-SQLI-001"]
    assert sqli["findings"][0]["location"]["start_line"] == SQLI_LINE + 1
    reviewed = regions[("app.py", 17)]
    assert (reviewed["reviewer"], reviewed["reviewed"], reviewed["findings"]) == ("Ann", "2026-11-28", [])
    assert regions[("style.css", 1)]["scope"] == "file"
    assert doc["summary"] == {"regions": 3, "unreviewed": 2, "with_findings": 1, "findings": 1, "problems": 0}
    assert "SG-REVIEW-001" not in doc["rules"]

    code, out, _ = run(provenance_command, ["--unreviewed", "--format", "markdown"], root)
    assert code == 0
    assert "| `app.py` | 8-12 | gpt-4o | 2026-11-27 | **unreviewed** |" in out
    assert "`style.css`" in out and "copilot" not in out

    code, out, _ = run(provenance_command, [], root)
    assert code == 0
    assert "PY-SQLI-001:12" in out and "3 AI-generated region(s), 2 unreviewed, 1 with findings" in out


@pytest.mark.parametrize(
    "query", [["--rule", "PY-SQLI-001"], ["--rule", "py-sqli"], ["--cwe", "89"], ["--cwe", "CWE-89"]]
)
def test_which_ai_code_does_a_rule_or_cwe_hit(tmp_path: Path, query: list[str]) -> None:
    root = project(tmp_path)
    run(mark_command, ["app.py:7-11", "--model", "gpt-4o"], root)
    run(mark_command, ["app.py:16-17", "--model", "copilot"], root)
    code, out, err = run(provenance_command, [*query, "--format", "json"], root)
    assert code == 0, err
    doc = json.loads(out)
    assert [(r["path"], r["start_line"], r["model"]) for r in doc["regions"]] == [("app.py", 8, "gpt-4o")]
    assert {f["rule_id"] for f in doc["regions"][0]["findings"]} == {"PY-SQLI-001"}
    assert "PY-SQLI-001" in doc["rules"]


def test_a_rule_that_hits_no_ai_code_lists_nothing(tmp_path: Path) -> None:
    root = project(tmp_path)
    run(mark_command, ["app.py:14-15", "--model", "gpt-4o"], root)
    code, out, _ = run(provenance_command, ["--rule", "PY-SQLI-001"], root)
    assert code == 0 and "0 AI-generated region(s)" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--rule", "PY-NOPE-999"], "unknown rule 'PY-NOPE-999'"),
        (["--cwe", "999999"], "no slopguard rule maps to CWE-999999"),
        (["--cwe", "sql"], "--cwe takes a CWE number"),
        (["missing-dir"], "no such file or directory: missing-dir"),
        (["--git"], "is not inside a git repository"),
    ],
)
def test_provenance_bad_input_exits_2(tmp_path: Path, args: list[str], message: str) -> None:
    root = project(tmp_path)
    code, _, err = run(provenance_command, args, root)
    assert code == 2 and message in err


def test_malformed_markers_are_reported_not_fatal(tmp_path: Path) -> None:
    root = project(tmp_path)
    (root / "broken.py").write_text(
        f"x = 1\n# {TAG}-begin model=m\ny = 2\n# {TAG}-end\n# {TAG}-end\n", encoding="utf-8"
    )
    code, _, err = run(provenance_command, [], root)
    assert code == 0
    assert "broken.py:5: slopguard:ai-end without a matching slopguard:ai-begin" in err
    doc = json.loads(run(provenance_command, ["--format", "json"], root)[1])
    assert doc["problems"] == [
        {"path": "broken.py", "line": 5, "message": "slopguard:ai-end without a matching slopguard:ai-begin"}
    ]
    assert [(r["start_line"], r["end_line"]) for r in doc["regions"]] == [(3, 3)]


def test_unknown_file_type_given_explicitly_is_reported(tmp_path: Path) -> None:
    root = project(tmp_path)
    (root / "data.json").write_text("{}", encoding="utf-8")
    code, out, err = run(provenance_command, ["data.json"], root)
    assert code == 0 and "no known comment syntax" in err and "No AI-generated code found." in out


def test_git_trailers_trace_lines_to_ai_commits(tmp_path: Path) -> None:
    root = project(tmp_path)
    git(root, "init", "-q")
    git(root, "add", "app.py")
    git(root, "commit", "-q", "-m", "Add search endpoint\n\nAI-Assisted-By: claude-sonnet-4 <noreply@anthropic.com>")
    (root / "util.py").write_text("def helper():\n    return 1\n", encoding="utf-8")
    git(root, "add", "util.py", "style.css")
    git(
        root, "commit", "-q", "-m",
        "Helpers\n\nCo-authored-by: GitHub Copilot <copilot@github.com>\nReviewed-by: Jane Doe <jane@example.com>",
    )  # fmt: skip
    with (root / "app.py").open("a", encoding="utf-8") as fh:
        fh.write("\n# written by a person\n")
    git(root, "commit", "-q", "-am", "Human change\n\nCo-authored-by: Bob Smith <bob@example.com>")

    code, out, err = run(provenance_command, ["--git", "--format", "json"], root)
    assert code == 0, err
    regions = json.loads(out)["regions"]
    found = [(r["path"], r["start_line"], r["end_line"], r["source"], r["model"], r["reviewer"]) for r in regions]
    assert found == [
        ("app.py", 1, len(VULNERABLE) - 1, "trailer", "claude-sonnet-4", None),
        ("style.css", 1, 1, "trailer", "GitHub Copilot", "Jane Doe"),
        ("util.py", 1, 2, "trailer", "GitHub Copilot", "Jane Doe"),
    ]
    assert [f["rule_id"] for f in regions[0]["findings"]] == ["PY-SQLI-001"]
    assert len(regions[0]["commit"]) == 12

    code, out, _ = run(provenance_command, ["--git", "--unreviewed", "--cwe", "89"], root)
    assert code == 0 and "claude-sonnet-4" in out and "Copilot" not in out and "trailer" in out
    # without --git, nothing is read from git (and no marker exists)
    assert "No AI-generated code found." in run(provenance_command, [], root)[1]


def test_git_on_a_repository_without_commits(tmp_path: Path) -> None:
    root = project(tmp_path)
    git(root, "init", "-q")
    code, out, err = run(provenance_command, ["--git"], root)
    assert code == 0, err
    assert "No AI-generated code found." in out
