"""The scan command end to end: exit codes, formats, stdin, selection, config errors, baselines, cache."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from slopguard.cli import cli

VULNERABLE = """\
import sqlite3
from flask import Flask, request

app = Flask(__name__)


@app.route("/search")
def search():
    q = request.args.get("q", "")
    db = sqlite3.connect("app.db")
    return {"rows": db.execute(f"SELECT * FROM items WHERE name = '{q}'").fetchall()}
"""
SAFE = """\
import sqlite3


def count(db: sqlite3.Connection) -> int:
    return db.execute("SELECT count(*) FROM items").fetchone()[0]
"""


def run(args: list[str], cwd: Path, stdin: str | None = None) -> tuple[int, str, str]:
    runner = CliRunner()
    old = Path.cwd()
    os.chdir(cwd)
    try:
        if args[:1] == ["scan"] and "--deps" not in args:
            args = [*args, "--no-deps"]
        res = runner.invoke(cli, args, input=stdin, catch_exceptions=False)
    finally:
        os.chdir(old)
    return res.exit_code, res.stdout, res.stderr


def project(tmp_path: Path) -> Path:
    (tmp_path / "app.py").write_text(VULNERABLE)
    (tmp_path / "util.py").write_text(SAFE)
    return tmp_path


def test_exit_codes_follow_fail_on(tmp_path: Path) -> None:
    root = project(tmp_path)
    code, out, _ = run(["scan", ".", "--no-cache"], root)
    assert code == 1
    assert "PY-SQLI-001" in out and "app.py" in out
    assert run(["scan", ".", "--no-cache", "--fail-on", "critical"], root)[0] == 0
    assert run(["scan", "util.py", "--no-cache"], root)[0] == 0


def test_json_output_lists_findings(tmp_path: Path) -> None:
    root = project(tmp_path)
    code, out, _ = run(["scan", ".", "--format", "json", "--no-cache"], root)
    doc = json.loads(out)
    assert code == 1
    assert doc["summary"]["files_scanned"] == 2
    (finding,) = doc["findings"]
    assert finding["rule_id"] == "PY-SQLI-001"
    assert finding["location"] == {
        "path": "app.py",
        "start_line": 11,
        "start_col": 21,
        "end_line": 11,
        "end_col": 74,
    }
    assert finding["cwe"] == [89]


def test_output_file(tmp_path: Path) -> None:
    root = project(tmp_path)
    run(["scan", ".", "--format", "sarif", "-o", "out.sarif", "--no-cache"], root)
    assert json.loads((root / "out.sarif").read_text())["version"] == "2.1.0"


def test_select_and_ignore(tmp_path: Path) -> None:
    root = project(tmp_path)
    assert run(["scan", ".", "--no-cache", "--ignore", "PY-SQLI-001"], root)[0] == 0
    assert run(["scan", ".", "--no-cache", "--select", "PY-SQLI"], root)[0] == 1
    code, _, err = run(["scan", ".", "--select", "NOPE-123"], root)
    assert code == 2 and "unknown rule" in err


def test_stdin_snippet_and_markdown_answer(tmp_path: Path) -> None:
    code, out, _ = run(["scan", "-", "--format", "json"], tmp_path, stdin=VULNERABLE)
    assert code == 1 and json.loads(out)["findings"][0]["location"]["path"] == "<stdin>"
    answer = "Here is the endpoint:\n\n```python\n" + VULNERABLE + "```\n\nand a shell example:\n```bash\nls\n```\n"
    code, out, _ = run(["scan", "-", "--format", "json"], tmp_path, stdin=answer)
    finding = json.loads(out)["findings"][0]
    assert code == 1
    # Line numbers point into the answer, not into the extracted block.
    assert answer.splitlines()[finding["location"]["start_line"] - 1].strip().startswith("return")


def test_bad_config_is_a_clear_error(tmp_path: Path) -> None:
    root = project(tmp_path)
    (root / "pyproject.toml").write_text('[tool.slopguard]\nfail-on = "sometimes"\n')
    code, _, err = run(["scan", "."], root)
    assert code == 2 and "fail-on" in err and "pyproject.toml" in err
    (root / "pyproject.toml").write_text('[tool.slopguard]\nselekt = ["PY"]\n')
    code, _, err = run(["scan", "."], root)
    assert code == 2 and "unknown key 'selekt'" in err


def test_config_file_applies(tmp_path: Path) -> None:
    root = project(tmp_path)
    (root / "slopguard.toml").write_text('ignore = ["PY-SQLI-001"]\nexclude = ["util.py"]\n')
    code, out, _ = run(["scan", ".", "--no-cache", "--format", "json"], root)
    doc = json.loads(out)
    assert code == 0 and {f["location"]["path"] for f in doc["findings"]} == set()
    assert doc["summary"]["files_scanned"] == 2  # app.py and slopguard.toml (read for secrets)


def test_bad_flag_is_usage_error(tmp_path: Path) -> None:
    assert run(["scan", "--format", "xml"], tmp_path)[0] == 2
    assert run(["scan", "--jobs", "-3"], tmp_path)[0] == 2


def test_baseline_reports_only_new_findings(tmp_path: Path) -> None:
    root = project(tmp_path)
    code, _, err = run(["scan", ".", "--baseline", "base.json", "--no-cache"], root)
    assert code == 0 and "written with 1" in err
    # Move the vulnerable line down: the fingerprint survives.
    (root / "app.py").write_text("# a new comment\n\n" + VULNERABLE)
    assert run(["scan", ".", "--baseline", "base.json", "--no-cache"], root)[0] == 0
    # A new flaw is reported.
    (root / "app.py").write_text(VULNERABLE + '\n\ndef more(db, x):\n    db.execute("DELETE FROM t WHERE id = " + x)\n')
    code, out, _ = run(["scan", ".", "--baseline", "base.json", "--no-cache", "--format", "json"], root)
    assert code == 1 and len(json.loads(out)["findings"]) == 1


def test_cache_reuses_results(tmp_path: Path) -> None:
    root = project(tmp_path)
    first = json.loads(run(["scan", ".", "--format", "json"], root)[1])
    second = json.loads(run(["scan", ".", "--format", "json"], root)[1])
    assert first["summary"]["files_from_cache"] == 0
    assert second["summary"]["files_from_cache"] == 2
    assert first["findings"] == second["findings"]
    (root / "util.py").write_text(SAFE + "\n# changed\n")
    third = json.loads(run(["scan", ".", "--format", "json"], root)[1])
    assert third["summary"]["files_from_cache"] == 1
    assert not (root / ".slopguard_cache").exists()  # the cache lives outside the scanned tree


def test_jobs_give_same_result(tmp_path: Path) -> None:
    for i in range(60):
        (tmp_path / f"m{i}.py").write_text(VULNERABLE if i % 3 == 0 else SAFE)
    one = json.loads(run(["scan", ".", "--format", "json", "--no-cache", "--jobs", "1"], tmp_path)[1])
    many = json.loads(run(["scan", ".", "--format", "json", "--no-cache", "--jobs", "2"], tmp_path)[1])
    assert one["findings"] == many["findings"] and len(one["findings"]) == 20


def test_module_entry_point(tmp_path: Path) -> None:
    root = project(tmp_path)
    proc = subprocess.run(
        [sys.executable, "-m", "slopguard", "scan", "app.py", "--no-cache", "--no-deps", "--format", "json"],
        cwd=root, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 1 and json.loads(proc.stdout)["findings"]


def test_listing_cache_sees_new_files_and_ignore_changes(tmp_path: Path) -> None:
    root = project(tmp_path)
    (root / "pkg").mkdir()
    (root / "pkg" / "a.py").write_text(SAFE)
    first = json.loads(run(["scan", ".", "--format", "json"], root)[1])
    assert first["summary"]["files_scanned"] == 3
    (root / "pkg" / "new.py").write_text(VULNERABLE)  # a new file changes its folder's mtime
    second = json.loads(run(["scan", ".", "--format", "json"], root)[1])
    assert {f["location"]["path"] for f in second["findings"]} == {"app.py", "pkg/new.py"}
    (root / ".gitignore").write_text("pkg/\n")  # a new ignore file changes the root folder
    third = json.loads(run(["scan", ".", "--format", "json"], root)[1])
    assert {f["location"]["path"] for f in third["findings"]} == {"app.py"}
    (root / ".gitignore").write_text("app.py\n")  # an edited ignore file is watched too
    os.utime(root / ".gitignore", ns=(1, 1))
    fourth = json.loads(run(["scan", ".", "--format", "json"], root)[1])
    assert {f["location"]["path"] for f in fourth["findings"]} == {"pkg/new.py"}


def test_require_review_is_opt_in(tmp_path: Path) -> None:
    (tmp_path / "gen.py").write_text("# slopguard:ai model=some-model generated=2026-11-01\nx = 1\n")
    assert json.loads(run(["scan", ".", "--format", "json", "--no-cache"], tmp_path)[1])["findings"] == []
    code, out, _ = run(
        ["scan", ".", "--format", "json", "--no-cache", "--require-review", "--fail-on", "medium"], tmp_path
    )
    assert [f["rule_id"] for f in json.loads(out)["findings"]] == ["SG-REVIEW-001"] and code == 1


def test_exit_zero_and_statistics(tmp_path: Path) -> None:
    root = project(tmp_path)
    code, out, _ = run(["scan", ".", "--no-cache", "--exit-zero", "--format", "concise"], root)
    assert code == 0 and out.startswith("app.py:11:")
    code, out, _ = run(["scan", ".", "--no-cache", "--statistics"], root)
    assert code == 1 and out.split("\t")[:2] == ["1", "PY-SQLI-001"] and "app.py" not in out
    assert run(["scan", ".", "--no-cache", "--statistics", "--exit-zero"], root)[0] == 0
    assert run(["scan", ".", "--select", "NOPE-123", "--exit-zero"], root)[0] == 2


def test_output_into_a_new_folder(tmp_path: Path) -> None:
    root = project(tmp_path)
    code, _, err = run(["scan", ".", "--no-cache", "--format", "sarif", "-o", "reports/ci/x.sarif"], root)
    assert code == 1, err
    assert json.loads((root / "reports" / "ci" / "x.sarif").read_text())["version"] == "2.1.0"


def test_format_choices_are_the_registered_reporters(tmp_path: Path) -> None:
    root = project(tmp_path)
    for fmt in ("concise", "github", "gitlab", "junit"):
        code, out, _ = run(["scan", ".", "--no-cache", "--format", fmt], root)
        assert code == 1 and "app.py" in out, fmt


def test_text_piped_to_a_log_is_not_wrapped(tmp_path: Path) -> None:
    root = project(tmp_path)
    _, text, _ = run(["scan", ".", "--no-cache", "--format", "json"], root)
    message = json.loads(text)["findings"][0]["message"]
    _, out, _ = run(["scan", ".", "--no-cache"], root)
    assert len(message) > 80 and any(line.strip() == message for line in out.splitlines())
