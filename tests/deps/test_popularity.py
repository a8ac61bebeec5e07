"""The shipped popularity index: contents, normalisation, laziness, and that it matches its sources."""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path

import pytest

from slopguard.deps.model import Ecosystem
from slopguard.deps.popularity import PopularityIndex, normalize

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "src" / "slopguard" / "deps" / "data"
SHARED = ROOT.parent / "shared" / "data"


def test_load_is_shared_and_fast() -> None:
    start = time.perf_counter()
    index = PopularityIndex.load()
    index.rank("pypi", "requests")
    index.rank("npm", "lodash")
    assert time.perf_counter() - start < 1.0  # ~20 ms in practice; generous for slow CI machines
    assert PopularityIndex.load() is index


def test_ranks_follow_the_shipped_order() -> None:
    index = PopularityIndex.load()
    pypi = index.names(Ecosystem.PYPI)
    npm = index.names("npm")
    assert len(pypi) == 15000 and len(npm) == 13628
    assert index.rank("pypi", pypi[0]) == 1
    assert index.rank("npm", npm[41]) == 42
    assert index.rank("pypi", "boto3") == 1  # the most downloaded project of the 2026-04 dump
    assert index.rank("npm", "semver") == 1


@pytest.mark.parametrize(
    ("ecosystem", "name"),
    [
        ("pypi", "Python_Dateutil"),
        ("pypi", "python.dateutil"),
        ("pypi", "PyYAML"),
        ("pypi", "  requests "),
        ("npm", "jsonstream"),  # published as JSONStream
        ("npm", "@types/node"),
        ("npm", "@Babel/Core"),
    ],
)
def test_lookups_are_normalised(ecosystem: str, name: str) -> None:
    index = PopularityIndex.load()
    assert index.contains(ecosystem, name)
    assert index.rank(ecosystem, name) is not None


def test_unknown_names_have_no_rank() -> None:
    index = PopularityIndex.load()
    assert index.rank("pypi", "flask-jwt-simple-auth") is None
    assert not index.contains(Ecosystem.NPM, "express-validator-plus")
    # The ecosystems are separate: an npm-only name is not a PyPI one.
    assert index.contains("npm", "@babel/core") and not index.contains("pypi", "@babel/core")


def test_normalize() -> None:
    assert normalize("pypi", "Foo__Bar.baz-") == "foo-bar-baz-"
    assert normalize(Ecosystem.PYPI, "zope.interface") == "zope-interface"
    assert normalize("npm", "JSONStream") == "jsonstream"
    assert normalize("npm", "lodash.merge") == "lodash.merge"  # npm keeps its separators


def test_from_names_keeps_first_rank_of_duplicates() -> None:
    index = PopularityIndex.from_names(pypi=["Foo_Bar", "foo-bar", "baz"], npm=["x"])
    assert index.rank("pypi", "foo.bar") == 1
    assert index.rank("pypi", "baz") == 2
    assert list(index.names("pypi")) == ["Foo_Bar", "baz"]
    assert len(index) == 3


def test_shipped_files_record_source_and_date() -> None:
    for name, source, date in (
        ("popular-pypi.txt", "hugovk/top-pypi-packages", "2026-04"),
        ("popular-npm.txt", "wooorm/npm-high-impact", "2025-12"),
    ):
        header = [line for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line.startswith("#")]
        text = "\n".join(header)
        assert source in text and f"source date: {date}" in text and "build_popularity_index.py" in text
    pypi = (DATA / "popular-pypi.txt").read_text(encoding="utf-8").splitlines()
    names = [line for line in pypi if not line.startswith("#")]
    assert all(normalize("pypi", n) == n for n in names)  # stored canonical (PEP 503)


@pytest.mark.skipif(not (SHARED / "top-pypi-packages.csv").exists(), reason="source data not checked out")
def test_shipped_files_match_their_sources() -> None:
    spec = importlib.util.spec_from_file_location(
        "build_popularity_index", ROOT / "scripts" / "build_popularity_index.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--check"]) == 0
