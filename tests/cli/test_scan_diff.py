"""`scan --diff REV`: only the files changed since a revision (and untracked ones) are scanned, in a temporary git
repository; deleted files are ignored, a renamed file is scanned under its new name, a bad revision is exit 2."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from slopguard.cli import cli

CMDI = 'import os\n\n\ndef ping(host):\n    os.system("ping -c 1 " + host)\n'
CLEAN = "import json\n\n\ndef dump(data):\n    return json.dumps(data)\n"


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def commit(cwd: Path) -> None:
    git(cwd, "add", "-A")
    git(cwd, "-c", "user.name=t", "-c", "user.email=t@x", "-c", "commit.gpgsign=false", "commit", "-q", "-m", "c")


def scan(args: list[str], cwd: Path, stdin: str | None = None) -> tuple[int, str, str]:
    old = Path.cwd()
    os.chdir(cwd)
    try:
        res = CliRunner().invoke(cli, ["scan", *args], input=stdin, catch_exceptions=False)
    finally:
        os.chdir(old)
    return res.exit_code, res.stdout, res.stderr


def flagged(out: str) -> list[tuple[str, str]]:
    return sorted((f["location"]["path"], f["rule_id"]) for f in json.loads(out)["findings"])


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    root = tmp_path / "repo"
    (root / "pkg").mkdir(parents=True)
    git(root, "init", "-q")
    (root / "old_flaw.py").write_text(CMDI)  # a finding nobody touched: not in a diff scan
    (root / "edited.py").write_text(CLEAN)
    (root / "gone.py").write_text(CLEAN)
    (root / "moved.py").write_text(CMDI.replace("ping", "trace"))
    (root / ".gitignore").write_text("ignored.py\n")
    commit(root)
    return root


def test_only_changed_files_are_scanned(repo: Path) -> None:
    (repo / "edited.py").write_text(CLEAN + CMDI)  # modified
    (repo / "pkg" / "new.py").write_text(CMDI)  # untracked
    (repo / "ignored.py").write_text(CMDI)  # untracked but ignored
    (repo / "gone.py").unlink()  # deleted: nothing to scan
    git(repo, "mv", "moved.py", "renamed.py")  # renamed: scanned under its new name
    code, out, err = scan(["--diff", "HEAD", "--no-deps", "--format", "json"], repo)
    assert code == 1, err
    assert flagged(out) == [("edited.py", "PY-CMDI-001"), ("pkg/new.py", "PY-CMDI-001"), ("renamed.py", "PY-CMDI-001")]
    # A full scan sees the untouched flaw too: the diff scan left it out on purpose.
    code, out, _ = scan(["--no-deps", "--format", "json", "."], repo)
    assert ("old_flaw.py", "PY-CMDI-001") in flagged(out)


def test_paths_limit_the_change(repo: Path) -> None:
    (repo / "edited.py").write_text(CLEAN + CMDI)
    (repo / "pkg" / "new.py").write_text(CMDI)
    code, out, _ = scan(["--diff", "HEAD", "--no-deps", "--format", "json", "pkg"], repo)
    assert code == 1 and flagged(out) == [("pkg/new.py", "PY-CMDI-001")]
    code, out, _ = scan(["--diff", "HEAD", "--no-deps", "--format", "json", "edited.py"], repo)
    assert code == 1 and flagged(out) == [("edited.py", "PY-CMDI-001")]


def test_against_an_older_commit(repo: Path) -> None:
    (repo / "later.py").write_text(CMDI)
    commit(repo)
    code, out, _ = scan(["--diff", "HEAD~1", "--no-deps", "--format", "json"], repo)
    assert code == 1 and flagged(out) == [("later.py", "PY-CMDI-001")]


def test_nothing_changed_is_clean_and_says_so(repo: Path) -> None:
    code, out, err = scan(["--diff", "HEAD", "--no-deps"], repo)
    assert code == 0
    assert "no files changed since HEAD" in err and "0 file(s)" in out


def test_changed_files_all_excluded_is_nothing_to_scan(repo: Path) -> None:
    (repo / "slopguard.toml").write_text('exclude = ["edited.py", "slopguard.toml"]\n')
    commit(repo)
    (repo / "edited.py").write_text(CLEAN + CMDI)
    code, _, err = scan(["--diff", "HEAD", "--no-deps"], repo)
    assert code == 2 and "nothing to scan" in err


@pytest.mark.parametrize("rev", ["no-such-branch", "--output=x", "-x", "", "HEAD\x1b[2J"])
def test_a_bad_revision_is_a_usage_error(repo: Path, rev: str) -> None:
    code, out, err = scan(["--diff", rev, "--no-deps"], repo)
    assert code == 2 and "slopguard: error: --diff" in err and out == ""
    assert not (repo / "x").exists()


def test_outside_a_repository_and_with_stdin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    (tmp_path / "plain").mkdir()
    code, _, err = scan(["--diff", "HEAD"], tmp_path / "plain")
    assert code == 2 and "not inside a git repository" in err
    code, _, err = scan(["--diff", "HEAD", "-"], tmp_path / "plain", stdin="print(1)\n")
    assert code == 2 and "cannot be combined with '-'" in err


def test_a_changed_lockfile_has_its_packages_verified(repo: Path) -> None:
    lock = '[[package]]\nname = "zzqx-surely-not-a-package"\nversion = "1.0.0"\n'
    (repo / "poetry.lock").write_text(lock)
    code, out, _ = scan(["--diff", "HEAD", "--offline", "--format", "json"], repo)
    found = json.loads(out)["findings"]
    assert [(f["location"]["path"], f["location"]["start_line"], f["rule_id"]) for f in found] == [
        ("poetry.lock", 2, "DEP-UNKNOWN-001")
    ]
    assert code == 1
