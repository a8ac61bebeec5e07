"""The repository holds sources, not build or tool output: no byte code or caches are tracked."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_GENERATED = re.compile(
    r"(^|/)(__pycache__|\.mypy_cache|\.pytest_cache|\.ruff_cache|\.hypothesis|\.venv[^/]*)/|\.py[co]$"
)


def test_no_byte_code_or_caches_are_tracked() -> None:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    tracked = [name for name in listed.decode("utf-8", "replace").split("\0") if name]
    assert tracked, "git ls-files listed nothing"
    assert [name for name in tracked if _GENERATED.search(name)] == []
