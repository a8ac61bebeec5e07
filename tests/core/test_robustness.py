"""Bad input never stops a scan: each bad file is skipped with a reason and the rest is scanned."""

from __future__ import annotations

import json
import os
from pathlib import Path

from click.testing import CliRunner

from slopguard.cli import cli

FLAW = 'import os\nfrom flask import request\n\n\ndef run():\n    os.system("ping " + request.args["host"])\n'
SQL = 'def q(db, name):\n    return db.execute("SELECT * FROM t WHERE name = \'" + name + "\'")\n'


def scan_json(root: Path, *extra: str) -> tuple[int, dict[str, object]]:
    old = Path.cwd()
    os.chdir(root)
    try:
        res = CliRunner().invoke(
            cli, ["scan", ".", "--format", "json", "--no-cache", "--no-deps", *extra], catch_exceptions=False
        )
    finally:
        os.chdir(old)
    return res.exit_code, json.loads(res.stdout)


def test_each_bad_file_is_skipped_with_a_reason(tmp_path: Path) -> None:
    (tmp_path / "good.py").write_text(SQL)
    (tmp_path / "syntax.py").write_text("def broken(:\n    pass\n")
    (tmp_path / "latin.py").write_bytes(b"name = '\xff\xfe caf\xe9'\n")
    (tmp_path / "blob.py").write_bytes(b"\x00\xff\xfe binary\x00" * 100)  # does not decode: binary
    (tmp_path / "huge.py").write_text("x = 1\n" * (10 * 1024 * 1024 // 6 + 1))
    (tmp_path / "deep.py").write_text("x = " + "(" * 5000 + "1" + ")" * 5000 + "\n")
    (tmp_path / "chain.py").write_text("x = " + " + ".join(["a"] * 5000) + "\n")
    (tmp_path / "loop.py").symlink_to(tmp_path / "loop.py")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "up").symlink_to(tmp_path, target_is_directory=True)
    code, doc = scan_json(tmp_path)
    skipped = {s["path"]: s["reason"] for s in doc["skipped"]}  # type: ignore[attr-defined]
    assert "syntax error" in skipped["syntax.py"]
    assert "not valid text" in skipped["latin.py"]
    assert skipped["blob.py"] == "binary file"
    assert "over max-file-size" in skipped["huge.py"]
    assert skipped["loop.py"] == "symlink loop"
    assert "deep.py" in skipped
    findings = doc["findings"]
    assert [f["location"]["path"] for f in findings] == ["good.py"]  # type: ignore[index]
    assert code == 1  # the good file's finding decides the exit code (before the skipped files' 3)
    # CPython's own parser gives up on a 5,000-term chain; that is reported, not fatal.
    assert skipped["chain.py"] == "code nested too deeply to analyse"


def test_symlink_out_of_root_is_never_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.py").write_text(FLAW)
    root = tmp_path / "project"
    root.mkdir()
    (root / "ok.py").write_text("x = 1\n")
    (root / "linked.py").symlink_to(outside / "secret.py")
    (root / "linkdir").symlink_to(outside, target_is_directory=True)
    _, doc = scan_json(root)
    skipped = {s["path"]: s["reason"] for s in doc["skipped"]}  # type: ignore[attr-defined]
    assert skipped["linked.py"] == "symlink points outside the scanned root"
    assert skipped["linkdir"] == "symlink points outside the scanned root"
    assert doc["findings"] == []


def test_gitignore_excludes_and_vendored_dirs(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("generated/\n*.gen.py\n")
    for rel in [
        "generated/a.py",
        "x.gen.py",
        "node_modules/pkg/b.py",
        ".venv/lib/c.py",
        "keep/d.py",
        "skipme/e.py",
    ]:
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(SQL)
    (tmp_path / "keep" / ".gitignore").write_text("local.py\n")
    (tmp_path / "keep" / "local.py").write_text(SQL)
    _, doc = scan_json(tmp_path, "--exclude", "skipme/")
    assert {f["location"]["path"] for f in doc["findings"]} == {"keep/d.py"}  # type: ignore[index]


def test_missing_path_is_reported(tmp_path: Path) -> None:
    old = Path.cwd()
    os.chdir(tmp_path)
    try:
        res = CliRunner().invoke(cli, ["scan", "nope.py", "--format", "json", "--no-cache", "--no-deps"])
    finally:
        os.chdir(old)
    assert res.exit_code == 2
    assert "nope.py: no such file or directory" in res.stderr
