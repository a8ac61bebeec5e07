"""`deps` and `scan` read lockfiles: direct dependencies at their locked versions by default, the whole tree with
`--transitive` (or `transitive = true` in the configuration); registries are never reached (`--offline`)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from click.testing import CliRunner

from slopguard.cli import cli

LOCKFILES = Path(__file__).resolve().parents[1] / "deps" / "data" / "lockfiles"
PACKAGE_JSON = '{\n  "name": "app",\n  "dependencies": {\n    "zzqx-direct-dep": "^1.0.0"\n  }\n}\n'
YARN_LOCK = (
    "# yarn lockfile v1\n\n\n"
    'zzqx-direct-dep@^1.0.0:\n  version "1.0.2"\n  dependencies:\n    zzqx-deep-dep "2.0.0"\n\n'
    'zzqx-deep-dep@2.0.0:\n  version "2.0.0"\n'
)


def run(args: list[str], cwd: Path) -> tuple[int, str, str]:
    old = Path.cwd()
    os.chdir(cwd)
    try:
        res = CliRunner().invoke(cli, args, catch_exceptions=False)
    finally:
        os.chdir(old)
    return res.exit_code, res.stdout, res.stderr


def packages(out: str) -> list[tuple[str, str | None, str, int]]:
    return [(p["name"], p["version"], p["path"], p["line"]) for p in json.loads(out)["packages"]]


def test_deps_verifies_direct_dependencies_at_their_locked_versions(tmp_path: Path) -> None:
    shutil.copytree(LOCKFILES / "pdm", tmp_path / "pdm")
    code, out, err = run(["deps", "pdm", "--offline", "--format", "json"], tmp_path)
    assert code in (0, 1), err
    assert packages(out) == [
        ("requests", "2.31.0", "pdm/pyproject.toml", 5),
        ("pytest", "8.1.1", "pdm/pyproject.toml", 8),
    ]
    code, out, err = run(["deps", "pdm", "--offline", "--format", "json", "--transitive"], tmp_path)
    assert code in (0, 1), err
    assert sorted(packages(out)) == [
        ("certifi", "2024.2.2", "pdm/pdm.lock", 11),
        ("pytest", "8.1.1", "pdm/pyproject.toml", 8),
        ("requests", "2.31.0", "pdm/pyproject.toml", 5),
        ("urllib3", "2.2.1", "pdm/pdm.lock", 53),
    ]


def test_scan_reports_transitive_packages_only_when_asked(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text(PACKAGE_JSON)
    (tmp_path / "yarn.lock").write_text(YARN_LOCK)

    def unknown(args: list[str]) -> list[tuple[str, int]]:
        code, out, err = run(["scan", ".", "--offline", "--format", "json", *args], tmp_path)
        assert code == 1, err
        found = json.loads(out)["findings"]
        return sorted((f["location"]["path"], f["location"]["start_line"]) for f in found)

    assert unknown([]) == [("package.json", 4)]  # the direct one, once, at the manifest line
    assert unknown(["--transitive"]) == [("package.json", 4), ("yarn.lock", 9)]
    (tmp_path / "slopguard.toml").write_text("transitive = true\n")
    assert unknown([]) == [("package.json", 4), ("yarn.lock", 9)]


def test_a_broken_lockfile_is_reported_not_trusted(tmp_path: Path) -> None:
    (tmp_path / "pnpm-lock.yaml").write_text("lockfileVersion: '9.0'\npackages:\n  a@1.0.0: &x\n")
    code, out, err = run(["scan", ".", "--offline", "--format", "json"], tmp_path)
    doc = json.loads(out)
    assert code == 3, err  # incomplete: the lockfile could not be read
    assert any(s["path"] == "pnpm-lock.yaml" and "unsupported" in s["reason"] for s in doc["skipped"])
