"""The workspace boundary and the masking of results, in process."""

from __future__ import annotations

from pathlib import Path

import pytest

from slopguard.core.config import Settings
from slopguard.mcp.models import Instructions
from slopguard.mcp.server import _masked
from slopguard.mcp.workspace import OutsideWorkspace, Workspace


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    root = tmp_path / "root"
    (root / "src").mkdir(parents=True)
    (root / "src" / "app.py").write_text("x = 1\n", encoding="utf-8")
    (tmp_path / "secret.txt").write_text("s\n", encoding="utf-8")
    (root / "link-out").symlink_to(tmp_path)
    (root / "link-in").symlink_to(root / "src")
    return Workspace.open(root, Settings())


def test_paths_inside_the_root_resolve(ws: Workspace) -> None:
    assert ws.resolve("src/app.py") == ws.root / "src" / "app.py"
    assert ws.resolve(str(ws.root / "src")) == ws.root / "src"
    assert ws.resolve(".") == ws.root
    assert ws.resolve("link-in/app.py") == ws.root / "src" / "app.py"
    assert ws.settings.root == ws.root


@pytest.mark.parametrize(
    ("given", "why"),
    [
        ("../secret.txt", "'..' is not allowed"),
        ("src/../../secret.txt", "'..' is not allowed"),
        ("link-out/secret.txt", "outside the workspace root"),
        ("link-out", "outside the workspace root"),
        ("/", "outside the workspace root"),
        ("", "empty path"),
        ("src/\0app.py", "empty path"),
        ("nope.py", "no such file"),
    ],
)
def test_paths_that_leave_the_root_are_refused(ws: Workspace, given: str, why: str) -> None:
    with pytest.raises(OutsideWorkspace, match=why):
        ws.resolve(given)


def test_a_sibling_folder_sharing_the_prefix_is_outside(ws: Workspace) -> None:
    sibling = ws.root.parent / (ws.root.name + "-other")
    sibling.mkdir()
    with pytest.raises(OutsideWorkspace, match="outside"):
        ws.resolve(str(sibling))


def test_results_are_masked() -> None:
    token = "ghp_" + "Zq7XkP2mW9rT4vB8nL3cY6hJ1dF5sG0aE2uQ"
    masked = _masked(Instructions(languages=["python"], contexts=[], text=f"use {token} here"))
    assert token not in masked.text and masked.text.startswith("use ghp_")
