"""Which files the provenance inventory reads markers from: the project's one walker, markable file types only."""

from __future__ import annotations

import os
from pathlib import Path

from slopguard.provenance.index import NO_COMMENT_SYNTAX, collect

TAG = "slopguard" + ":ai"


def _marked(root: Path, *names: str) -> None:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"# {TAG} model=m\nx = 1\n", encoding="utf-8")


def test_vendored_cache_and_excluded_folders_are_not_read(tmp_path: Path) -> None:
    _marked(tmp_path, "src/app.py", "node_modules/pkg/x.py", "vendor/lib.py", ".venv/site.py", "gen/out.py")
    (tmp_path / "notes.json").write_text(f'{{"x": "# {TAG} model=m"}}\n', encoding="utf-8")
    inventory = collect([tmp_path], tmp_path, excludes=["gen/"])
    assert [e.region.path for e in inventory.entries] == ["src/app.py"]
    assert inventory.problems == []  # files of a type with no comment syntax are passed over when walking


def test_files_given_explicitly_are_read_or_reported(tmp_path: Path) -> None:
    _marked(tmp_path, "a.py", "b.py")
    (tmp_path / "data.json").write_text("{}\n", encoding="utf-8")
    inventory = collect([tmp_path / "b.py", tmp_path / "data.json", tmp_path, tmp_path / "a.py"], tmp_path)
    assert [e.region.path for e in inventory.entries] == ["a.py", "b.py"]  # each file once
    assert [(p.path, p.message) for p in inventory.problems] == [("data.json", NO_COMMENT_SYNTAX)]


def test_a_link_out_of_the_root_is_a_problem_not_a_region(tmp_path: Path) -> None:
    root, outside = tmp_path / "project", tmp_path / "elsewhere"
    _marked(outside, "theirs.py")
    _marked(root, "ours.py")
    os.symlink(outside / "theirs.py", root / "linked.py")
    inventory = collect([root], root)
    assert [e.region.path for e in inventory.entries] == ["ours.py"]
    assert [(p.path, p.message) for p in inventory.problems] == [
        ("linked.py", "symlink points outside the scanned root")
    ]
