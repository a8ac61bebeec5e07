"""A scan fails closed: a missing path, a file that could not be analysed, or a scan that selected nothing is
never a pass (issue: a security gate fails closed and cannot be steered by what it scans, items 1-3)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from slopguard.cli import cli

FLAW = 'import os\nfrom flask import request\n\n\ndef run():\n    os.system(request.args["cmd"])\n'


def scan(root: Path, *args: str) -> tuple[int, str, str]:
    old = Path.cwd()
    os.chdir(root)
    try:
        res = CliRunner().invoke(cli, ["scan", "--no-deps", "--no-progress", *args], catch_exceptions=False)
    finally:
        os.chdir(old)
    return res.exit_code, res.stdout, res.stderr


def scan_json(root: Path, *args: str) -> tuple[int, dict[str, object]]:
    code, out, _ = scan(root, "--format", "json", *args)
    return code, json.loads(out)


def test_a_path_that_does_not_exist_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "ok.py").write_text("x = 1\n")
    code, _, err = scan(tmp_path, "ok.py", "nope.py")
    assert code == 2
    assert "slopguard: error: nope.py: no such file or directory" in err


def test_an_unanalysable_file_makes_the_scan_incomplete(tmp_path: Path) -> None:
    (tmp_path / "ok.py").write_text("x = 1\n")
    (tmp_path / "big.py").write_text("x = 1\n" * 100)
    code, doc = scan_json(tmp_path, ".", "--max-file-size", "200")
    assert code == 3
    summary = doc["summary"]
    assert summary["incomplete"] is True and summary["files_skipped"] == 1  # type: ignore[index]
    code, doc = scan_json(tmp_path, ".", "--max-file-size", "200", "--allow-skipped")
    assert code == 0 and doc["summary"]["incomplete"] is False  # type: ignore[index]


def test_allow_skipped_is_a_config_key(tmp_path: Path) -> None:
    (tmp_path / "slopguard.toml").write_text("allow-skipped = true\nmax-file-size = 200\n")
    (tmp_path / "big.py").write_text("x = 1\n" * 100)
    (tmp_path / "ok.py").write_text("x = 1\n")
    code, _ = scan_json(tmp_path, ".")
    assert code == 0


def test_a_finding_that_fails_the_gate_beats_incomplete(tmp_path: Path) -> None:
    (tmp_path / "bad.py").write_text(FLAW)
    (tmp_path / "broken.py").write_text("def broken(:\n")
    code, doc = scan_json(tmp_path, ".")
    assert code == 1 and doc["summary"]["incomplete"] is True  # type: ignore[index]


def test_the_text_report_says_incomplete_before_the_findings(tmp_path: Path) -> None:
    (tmp_path / "bad.py").write_text(FLAW)
    (tmp_path / "big.py").write_text("x = 1\n" * 100)
    _, out, _ = scan(tmp_path, ".", "--max-file-size", "100")
    assert out.index("INCOMPLETE") < out.index("bad.py") < out.index("Findings")


def test_sarif_marks_an_incomplete_run_unsuccessful(tmp_path: Path) -> None:
    (tmp_path / "big.py").write_text("x = 1\n" * 100)
    (tmp_path / "ok.py").write_text("x = 1\n")
    code, out, _ = scan(tmp_path, ".", "--format", "sarif", "--max-file-size", "100")
    invocation = json.loads(out)["runs"][0]["invocations"][0]
    assert code == 3 and invocation["executionSuccessful"] is False
    assert invocation["toolExecutionNotifications"]


def test_excluded_files_are_listed_apart_and_never_fail(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("gen/\n")
    for rel in ("gen/a.py", "node_modules/b.py", "skip/c.py", "keep.py"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x = 1\n")
    code, doc = scan_json(tmp_path, ".", "--exclude", "skip/")
    assert code == 0 and doc["skipped"] == []
    excluded = {e["path"]: e["reason"] for e in doc["excluded"]}  # type: ignore[attr-defined]
    assert excluded == {
        "gen/": "ignored by .gitignore",
        "node_modules/": "vendored or generated folder",
        "skip/": "excluded by configuration",
    }
    assert doc["summary"]["files_excluded"] == 3  # type: ignore[index]


def test_a_nul_byte_in_a_javascript_comment_does_not_hide_the_file(tmp_path: Path) -> None:
    source = b"// note \x00 here\nexports.run = (req, res) => res.json({ v: eval(req.query.x) });\n"
    (tmp_path / "run.js").write_bytes(source)
    code, doc = scan_json(tmp_path, ".")
    assert code == 1 and "JS-EVAL-001" in [f["rule_id"] for f in doc["findings"]]  # type: ignore[index]


def test_a_file_that_does_not_decode_is_skipped_as_binary(tmp_path: Path) -> None:
    (tmp_path / "blob.js").write_bytes(b"\xff\xfe\x00\x01" * 50)
    code, doc = scan_json(tmp_path, ".")
    assert code == 3 and doc["skipped"] == [{"path": "blob.js", "reason": "binary file"}]


def test_a_too_deep_expression_is_not_a_pass(tmp_path: Path) -> None:
    (tmp_path / "deep.py").write_text("x = " + "-" * 1000 + "1\n" + FLAW)
    code, doc = scan_json(tmp_path, ".")
    analysed = [f["rule_id"] for f in doc["findings"]] == ["PY-CMDI-001"]  # type: ignore[index]
    assert code == 1 if analysed else (code == 3 and doc["skipped"])


def test_a_module_of_fifty_thousand_lines_is_analysed(tmp_path: Path) -> None:
    body = "".join(f"    total = total + {j}\n" for j in range(47))
    functions = "".join(f"def step_{i}(total):\n{body}    return total\n\n" for i in range(1000))
    (tmp_path / "big.py").write_text(FLAW + functions)
    assert len((tmp_path / "big.py").read_text().splitlines()) > 50_000
    code, doc = scan_json(tmp_path, ".")
    assert doc["skipped"] == [] and code == 1


def test_a_notebook_is_analysed_with_cell_locations(tmp_path: Path) -> None:
    notebook = {
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": ["# Title\n"]},
            {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
             "source": ["%pip install requests\n", "import os\n", "os.system(input())\n"]},
        ],
        "metadata": {"kernelspec": {"language": "python", "name": "python3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }  # fmt: skip
    text = json.dumps(notebook, indent=1) + "\n"
    (tmp_path / "nb.ipynb").write_text(text)
    code, doc = scan_json(tmp_path, ".")
    # Analysed, not skipped; input() in a notebook is its operator's own, so the finding does not fail the gate.
    assert code == 0 and doc["skipped"] == []
    (finding,) = doc["findings"]  # type: ignore[misc]
    assert finding["message"].startswith("cell 1, line 3: ")
    line = finding["location"]["start_line"]
    assert "os.system(input())" in text.splitlines()[line - 1]


def test_excluding_everything_is_an_error_naming_the_key(tmp_path: Path) -> None:
    (tmp_path / "slopguard.toml").write_text('exclude = ["**"]\n')
    (tmp_path / "app.py").write_text(FLAW)
    code, _, err = scan(tmp_path, ".")
    assert code == 2 and "'exclude'" in err and "nothing to scan" in err


def test_an_empty_folder_is_still_clean(tmp_path: Path) -> None:
    (tmp_path / "README").write_text("nothing to scan\n")
    code, _ = scan_json(tmp_path, ".")
    assert code == 0


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root to drop privileges")
def test_an_unreadable_file_makes_the_scan_incomplete() -> None:
    import pwd
    import shutil
    import tempfile

    nobody = pwd.getpwnam("nobody")
    root = Path(tempfile.mkdtemp(prefix="slopguard-unreadable-"))  # pytest's tmp_path is closed to 'nobody'
    try:
        root.chmod(0o755)
        (root / "ok.py").write_text("x = 1\n")
        (root / "secret.py").write_text(FLAW)
        (root / "secret.py").chmod(0)
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child scans as 'nobody' (root reads any file) and reports through the pipe
            try:
                os.close(read)
                os.setgid(nobody.pw_gid)
                os.setuid(nobody.pw_uid)
                os.chdir(root)
                args = ["scan", ".", "--no-deps", "--no-cache", "--format", "json"]
                res = CliRunner().invoke(cli, args, catch_exceptions=False)
                os.write(write, json.dumps([res.exit_code, json.loads(res.stdout)["skipped"]]).encode())
            except BaseException as exc:
                os.write(write, repr(exc).encode())
            finally:
                os._exit(0)
        os.close(write)
        with os.fdopen(read) as pipe:
            answer = pipe.read()
        os.waitpid(pid, 0)
    finally:
        shutil.rmtree(root)
    assert answer.startswith("["), answer
    code, skipped = json.loads(answer)
    assert code == 3
    assert [s["path"] for s in skipped] == ["secret.py"] and "cannot read" in skipped[0]["reason"]
