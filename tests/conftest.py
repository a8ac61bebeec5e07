"""Shared test helpers."""

from __future__ import annotations

from pathlib import Path

import pytest

from slopguard.rules import load_all

# Tests that call the engine directly (``analyse``) need the rule packs registered, as the pipeline does.
load_all()

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"


@pytest.fixture
def repo_root() -> Path:
    return ROOT


@pytest.fixture(autouse=True)
def no_live_registries(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Tests never reach a real registry: any registry call that a test does not point at its own local
    server goes to a closed local port and fails fast; the package-facts cache is per test session."""
    monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:9/simple/")
    monkeypatch.setenv("npm_config_registry", "http://127.0.0.1:9/")
    monkeypatch.setenv("SLOPGUARD_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "slopguard-cache"))
