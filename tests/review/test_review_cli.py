"""`slopguard review` on temporary projects and git repositories (registries: a closed local port, or offline)."""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from slopguard.cli.review import REVIEWS_FILE, review_command

SQLI = """\
import sqlite3

from flask import Flask, request

app = Flask(__name__)


@app.route("/user")
def user():
    name = request.args.get("name")
    cur = sqlite3.connect("app.db").cursor()
    cur.execute(f"SELECT * FROM users WHERE name = '{name}'")
    return str(cur.fetchall())
"""
CLEAN = """\
import json
import sqlite3


def load(path, name):
    cur = sqlite3.connect(path).cursor()
    cur.execute("SELECT * FROM users WHERE name = ?", (name,))
    return json.dumps(cur.fetchall())
"""
UNVERIFIABLE = "import zzqx_surely_not_a_real_package_42\n\nprint(zzqx_surely_not_a_real_package_42.VERSION)\n"


def review(args: list[str], cwd: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    monkeypatch.chdir(cwd)
    res = CliRunner().invoke(review_command, args, catch_exceptions=False)
    return res.exit_code, res.stdout, res.stderr


def items(out: str) -> dict[str, dict[str, Any]]:
    return {i["id"]: i for i in json.loads(out)["items"]}


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def commit(cwd: Path, message: str = "change") -> None:
    git(cwd, "add", "-A")
    git(cwd, "-c", "user.name=t", "-c", "user.email=t@x", "commit", "-q", "-m", message)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "app.py").write_text(SQLI)
    (tmp_path / "clean.py").write_text(CLEAN)
    return tmp_path


def test_sql_injection_fails_its_item_with_file_and_line(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = review(["app.py", "--offline", "--format", "json"], project, monkeypatch)
    assert code == 1
    got = items(out)
    sqli = got["python:PY-SQLI-001"]
    assert sqli["status"] == "fail" and sqli["rule_ids"] == ["PY-SQLI-001"]
    assert [(e["path"], e["line"]) for e in sqli["evidence"]] == [("app.py", 12)]
    assert got["general.input-validation"]["status"] == "fail"
    assert json.loads(out)["summary"]["fail"] == 2
    code, md, _ = review(["app.py", "--offline"], project, monkeypatch)
    assert code == 1
    assert md.index("### ❌ Failing") < md.index("### 👤 For a person")
    assert "[app.py:12](app.py#L12)" in md
    assert "(PY-SQLI-001)" in md and "- [ ] **Do I understand every line?**" in md


def test_clean_file_passes_and_leaves_human_questions(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = review(["clean.py", "--format", "json"], project, monkeypatch)
    assert code == 0
    got = items(out)
    assert got["python:PY-SQLI-001"]["status"] == "pass"
    assert got["python:PY-SQLI-001"]["evidence"][-1]["text"] == "no findings of PY-SQLI-001 in 1 file(s)"
    assert got["general.dependencies"]["status"] == "pass"  # standard library only
    assert got["general.secrets"]["status"] == "pass" and got["general.error-handling"]["status"] == "pass"
    human = {i for i, v in got.items() if v["status"] == "needs-human"}
    assert {"general.understand", "general.security-audit", "general.input-validation"} <= human
    assert not any(v["status"] == "fail" for v in got.values())
    code, md, _ = review(["clean.py"], project, monkeypatch)
    assert code == 0 and "- [x] **Are secrets externalised?**" in md and "### ❌ Failing" not in md


def test_unverifiable_package_is_never_a_pass(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "tool.py").write_text(UNVERIFIABLE)
    for extra in (["--offline"], []):  # offline: not in the shipped index; online: the registry port is closed
        code, out, _ = review(["tool.py", "--format", "json", *extra], tmp_path, monkeypatch)
        deps = items(out)["general.dependencies"]
        assert deps["status"] in ("needs-human", "fail"), extra
        assert any("zzqx-surely-not-a-real-package-42" in e["text"].replace("_", "-") for e in deps["evidence"])
        assert code == (1 if deps["status"] == "fail" else 0)


def test_directory_and_languages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "clean.py").write_text(CLEAN)
    (tmp_path / "src" / "db.js").write_text(
        'const db = require("./db");\n'
        "function byId(pool, id) {\n"
        "  return pool.query(`SELECT * FROM products WHERE id = ${id}`);\n"
        "}\n"
        "module.exports = { byId, db };\n"
    )
    code, out, _ = review(["src", "--offline", "--format", "json"], tmp_path, monkeypatch)
    doc = json.loads(out)
    assert doc["languages"] == ["javascript", "python"]
    got = items(out)
    assert got["javascript:JS-SQLI-001"]["status"] == "fail"
    assert got["javascript:JS-SQLI-001"]["evidence"][0]["path"] == "src/db.js"
    assert got["python:PY-SQLI-001"]["status"] == "pass"
    assert "javascript:PY-SQLI-001" not in got
    assert code == 1


def git_project(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    (repo / "clean.py").write_text(CLEAN)
    (repo / "old.py").write_text("print('bye')\n")
    (repo / ".gitignore").write_text("ignored.py\n")
    commit(repo, "base")
    return repo


def test_diff_reviews_changed_and_untracked_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = git_project(tmp_path)
    (repo / "clean.py").write_text(CLEAN + "\n\ndef again():\n    return 1\n")
    (repo / "pkg").mkdir()
    (repo / "pkg" / "app.py").write_text(SQLI)  # untracked
    (repo / "ignored.py").write_text(SQLI)  # untracked but ignored
    (repo / "old.py").unlink()
    code, out, _ = review(["--diff", "HEAD", "--offline", "--format", "json"], repo, monkeypatch)
    doc = json.loads(out)
    assert doc["change"]["source"] == "diff" and doc["change"]["rev"] == "HEAD"
    assert [f["path"] for f in doc["change"]["files"]] == ["clean.py", "pkg/app.py"]
    assert doc["change"]["deleted"] == ["old.py"]
    assert items(out)["python:PY-SQLI-001"]["evidence"][0]["path"] == "pkg/app.py"
    assert code == 1
    # From a subfolder, limited to a path: paths stay relative to the repository root.
    code, out, _ = review(["--diff", "HEAD", "--offline", "--format", "json", "."], repo / "pkg", monkeypatch)
    assert [f["path"] for f in json.loads(out)["change"]["files"]] == ["pkg/app.py"] and code == 1
    code, out, _ = review(["--diff", "HEAD", "--offline", "--format", "json", "clean.py"], repo, monkeypatch)
    assert [f["path"] for f in json.loads(out)["change"]["files"]] == ["clean.py"] and code == 0


def test_diff_against_an_older_commit_and_no_changes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = git_project(tmp_path)
    (repo / "app.py").write_text(SQLI)
    commit(repo)
    code, out, _ = review(["--diff", "HEAD~1", "--offline", "--format", "json"], repo, monkeypatch)
    assert [f["path"] for f in json.loads(out)["change"]["files"]] == ["app.py"] and code == 1
    code, out, _ = review(["--diff", "HEAD", "--offline", "--format", "json"], repo, monkeypatch)
    doc = json.loads(out)
    assert doc["change"]["files"] == [] and code == 0
    assert doc["items"][0]["id"] == "general.understand"


def test_sign_off_updates_markers_and_writes_the_record(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = git_project(tmp_path)
    marked = "# slopguard:ai model=gpt-4o generated=2025-01-02\n" + CLEAN
    (repo / "gen.py").write_text(marked)
    code, out, _ = review(["--diff", "HEAD", "--offline", "--format", "json"], repo, monkeypatch)
    understand = items(out)["general.understand"]
    assert understand["status"] == "needs-human" and code == 0
    assert (understand["evidence"][0]["path"], understand["evidence"][0]["line"]) == ("gen.py", 1)
    assert "no recorded reviewer" in understand["evidence"][0]["text"]
    code, _, err = review(["--diff", "HEAD", "--offline", "--sign-off", "--reviewer", "Ada Lovelace"], repo,
                          monkeypatch)  # fmt: skip
    assert code == 0, err
    assert "signed off by Ada Lovelace" in err
    first_line = (repo / "gen.py").read_text().splitlines()[0]
    assert 'reviewer="Ada Lovelace"' in first_line and "reviewed=" in first_line
    lines = (repo / REVIEWS_FILE).read_text().splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert record["reviewer"] == "Ada Lovelace" and record["change"]["rev"] == "HEAD"
    assert record["files"] == [
        {"path": "gen.py", "sha256": hashlib.sha256((repo / "gen.py").read_bytes()).hexdigest(), "markers": 1}
    ]
    assert record["summary"]["fail"] == 0 and "general.understand" in record["open_questions"]
    # The record itself is never part of the next change; a second sign-off appends.
    code, out, _ = review(["--diff", "HEAD", "--offline", "--format", "json", "--sign-off", "--reviewer", "Bob"],
                          repo, monkeypatch)  # fmt: skip
    doc = json.loads(out)
    assert [f["path"] for f in doc["change"]["files"]] == ["gen.py"]
    assert doc["sign_off"]["reviewer"] == "Bob"
    assert all(e["rule_id"] is None for e in items(out)["general.understand"]["evidence"])  # reviewed now
    assert "reviewer=Bob" in (repo / "gen.py").read_text().splitlines()[0]
    assert len((repo / REVIEWS_FILE).read_text().splitlines()) == 2


def test_sign_off_with_failing_items_is_recorded_and_exits_1(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = review(["app.py", "--offline", "--sign-off", "--reviewer", "Ada"], project, monkeypatch)
    assert code == 1 and "Signed off by **Ada**" in out
    record = json.loads((project / REVIEWS_FILE).read_text())
    assert "python:PY-SQLI-001" in record["failing"] and record["files"][0]["path"] == "app.py"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.py"], "missing.py: no such file or directory"),
        (["--sign-off"], "--sign-off needs --reviewer"),
        (["--sign-off", "--reviewer", "  "], "--sign-off needs --reviewer"),
        (["--sign-off", "--reviewer", "a\x1bb"], "printable"),
        (["--reviewer", "Ada"], "--reviewer is only used with --sign-off"),
        (["--format", "yaml"], "yaml"),
    ],
)
def test_bad_input(project: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], message: str) -> None:
    code, _, err = review(args, project, monkeypatch)
    assert code == 2 and message in err
    assert not (project / REVIEWS_FILE).exists()


def test_diff_outside_a_git_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    (tmp_path / "plain").mkdir()
    code, _, err = review(["--diff", "HEAD"], tmp_path / "plain", monkeypatch)
    assert code == 2 and "is not inside a git repository" in err


@pytest.mark.parametrize("rev", ["no-such-branch", "--output=x", ""])
def test_diff_with_a_bad_revision(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rev: str) -> None:
    repo = git_project(tmp_path)
    code, _, err = review(["--diff", rev], repo, monkeypatch)
    assert code == 2 and "slopguard: error: --diff" in err
    assert not (repo / "x").exists()


def test_bad_config_is_an_input_error(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (project / "slopguard.toml").write_text('select = ["NOPE-"]\n')
    code, _, err = review(["app.py"], project, monkeypatch)
    assert code == 2 and "unknown rule" in err


def test_output_file(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = review(["clean.py", "-o", "review.md"], project, monkeypatch)
    assert code == 0 and out == ""
    assert (project / "review.md").read_text().startswith("## slopguard review")
