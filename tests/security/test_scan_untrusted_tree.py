"""What a scanned tree contains cannot steer, hang or fool the scan (items 4, 5, 6, 12 and 13 of the issue)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from slopguard.cli import cli

FLAW = 'import os\nfrom flask import request\n\n\ndef run():\n    os.system(request.args["c"])\n'


def scan(root: Path, *args: str) -> tuple[int, str]:
    old = Path.cwd()
    os.chdir(root)
    try:
        res = CliRunner().invoke(cli, ["scan", ".", "--no-deps", "--no-progress", *args], catch_exceptions=False)
    finally:
        os.chdir(old)
    return res.exit_code, res.stdout


def test_a_cache_planted_in_the_tree_is_never_read(tmp_path: Path) -> None:
    import hashlib

    app = tmp_path / "app.py"
    app.write_text("x = 1\n")
    scan(tmp_path)
    app.write_text(FLAW)
    digest = hashlib.blake2b(FLAW.encode(), digest_size=16).hexdigest()
    clean = {"findings": [], "skipped": None, "imports": []}
    planted = tmp_path / ".slopguard_cache"
    planted.mkdir(exist_ok=True)
    names = {p.name for p in planted.glob("results-*.json")} | {"results-0000000000000000.json"}
    for name in names:  # a clean result for the flawed file's exact content, wherever a cache might look
        (planted / name).write_text(json.dumps({"app.py": [digest, clean, 0, 0]}))
    (planted / "rules-0000000000000000.json").write_text("[]")
    code, out = scan(tmp_path, "--format", "json")
    assert code == 1 and json.loads(out)["summary"]["findings"] == 1


def test_the_default_cache_lives_outside_the_scanned_tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "user-cache"
    monkeypatch.setenv("SLOPGUARD_CACHE_DIR", str(cache))
    root = tmp_path / "project"
    root.mkdir()
    (root / "app.py").write_text(FLAW)
    scan(root)
    assert not (root / ".slopguard_cache").exists()
    assert any(cache.rglob("results-*.json"))


def test_a_same_size_edit_with_the_old_mtime_is_analysed_again(tmp_path: Path) -> None:
    app = tmp_path / "app.py"
    head = "import os\nfrom flask import request\n\n\ndef run():\n    os.system("
    app.write_text(head + '"ls -la -h -t -r")\n')
    stamp = app.stat()
    assert scan(tmp_path)[0] == 0
    app.write_text(head + 'request.args["c"])\n')  # same length
    os.utime(app, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    assert app.stat().st_size == stamp.st_size
    assert scan(tmp_path)[0] == 1


def test_a_project_config_cannot_choose_the_cache_folder(tmp_path: Path) -> None:
    (tmp_path / "slopguard.toml").write_text('cache-dir = "."\n')
    (tmp_path / "app.py").write_text("x = 1\n")
    res = CliRunner().invoke(cli, ["scan", str(tmp_path), "--no-deps"])
    assert res.exit_code == 2 and "cache-dir" in res.stderr


def test_a_long_javascript_sum_is_analysed_quickly(tmp_path: Path) -> None:
    terms = " + ".join(["1"] * 15_000)
    (tmp_path / "sum.js").write_text(f"const total = {terms};\nif (req.headers.token === process.env.API_TOKEN) {{}}\n")
    started = time.monotonic()
    code, out = scan(tmp_path, "--format", "json", "--no-cache")
    doc = json.loads(out)
    assert doc["skipped"] == [] and code in (0, 1)
    assert time.monotonic() - started < 60  # a hang guard, not a timing: this took minutes before


def test_a_runaway_expression_ends_skipped_not_hung(tmp_path: Path) -> None:
    (tmp_path / "sum.js").write_text("const x = " + "+".join(["1"] * 500_000) + ";\n")  # 1 MB
    started = time.monotonic()
    # A one-line megabyte looks minified, and minified files are left out by default: scan it as source here.
    code, out = scan(tmp_path, "--format", "json", "--no-cache", "--no-role-policy")
    assert code == 3 and json.loads(out)["skipped"][0]["path"] == "sum.js"
    assert time.monotonic() - started < 120


def test_a_file_over_its_time_budget_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("".join(f"def f{i}(x):\n    return x + {i}\n" for i in range(3000)))
    code, out = scan(tmp_path, "--format", "json", "--no-cache", "--time-budget", "0.000001")
    assert code == 3
    assert json.loads(out)["skipped"][0]["reason"].startswith("time budget exceeded")


def _scan_in_subprocess(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "slopguard", "scan", ".", "--no-deps", "--no-cache", "--format", "json"],
        cwd=root, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_a_fifo_named_like_source_does_not_hang_the_scan(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "x.py")
    os.mkfifo(tmp_path / ".env")
    (tmp_path / "ok.py").write_text("x = 1\n")
    res = _scan_in_subprocess(tmp_path)
    skipped = {s["path"]: s["reason"] for s in json.loads(res.stdout)["skipped"]}
    assert res.returncode == 3
    assert skipped == {"x.py": "not a regular file (a named pipe)", ".env": "not a regular file (a named pipe)"}


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root to make a device")
def test_a_character_device_named_like_source_is_not_read(tmp_path: Path) -> None:
    os.mknod(tmp_path / "z.py", 0o600 | 0o020000, os.makedev(1, 5))  # /dev/zero: endless bytes
    res = _scan_in_subprocess(tmp_path)
    assert res.returncode == 3
    assert json.loads(res.stdout)["skipped"] == [{"path": "z.py", "reason": "not a regular file (a device)"}]


def test_the_text_report_never_shows_a_hard_coded_password(tmp_path: Path) -> None:
    (tmp_path / "settings.py").write_text(
        'import os\nDB_PASSWORD = "Tr0ub4dor&3x"\nADMIN_PASSWORD = "hunter2x9"\napi_secret = "secret"\n'
        'print("keep the secret word")\n'
    )
    _, out = scan(tmp_path)
    assert "PY-SECRET-001" in out
    assert "Tr0ub4dor&3x" not in out and "hunter2x9" not in out and '"secret"' not in out
    assert "keep the secret word" in out  # an ordinary word is not a secret
    assert "hard-coded secret assigned to 'api_secret'" in out
    _, doc_text = scan(tmp_path, "--format", "json")
    doc = json.loads(doc_text)
    assert all("******" not in f["message"] for f in doc["findings"])


def test_control_characters_never_reach_the_terminal(tmp_path: Path) -> None:
    name = "evil\x1b[2J\x1b[32m.py"
    (tmp_path / name).write_text("import os\nos.system(input())  # \x1b[32mALL CLEAN\x1b[0m\n")
    (tmp_path / "bad\x1b[31m.py").write_text("def broken(:\n")
    _, out = scan(tmp_path)
    assert "\x1b" not in out
    assert '"evil\\x1b[2J\\x1b[32m.py"' in out and "\\x1b[32mALL CLEAN" in out
