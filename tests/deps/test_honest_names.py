"""False 'hallucinated' verdicts and missed lookalikes: every supported Python's standard library, and tiny,
stale packages one edit from a famous name even when they made the popularity list."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from slopguard.core.finding import Severity
from slopguard.deps.collect import from_imports
from slopguard.deps.mapping import distributions_for
from slopguard.deps.model import Check, Ecosystem, PackageFacts, PackageRef, Release
from slopguard.deps.popularity import PopularityIndex
from slopguard.deps.signals import signals_for
from slopguard.deps.typosquat import famous_neighbour

NOW = datetime(2026, 5, 1, tzinfo=UTC)
PYPI, NPM = Ecosystem.PYPI, Ecosystem.NPM


@pytest.mark.parametrize("module", ["annotationlib", "compression.zstd", "tomllib", "asyncore", "distutils"])
def test_standard_library_of_any_supported_python_is_no_dependency(module: str) -> None:
    # annotationlib and compression are 3.14's, tomllib 3.11's, asyncore and distutils gone since 3.12.
    assert distributions_for(module, environment=False) is None


def test_annotationlib_import_names_no_package(tmp_path: Path) -> None:
    found = [("app.py", "annotationlib", 1, "python"), ("app.py", "requests", 2, "python")]
    assert [r.name for r in from_imports(found, tmp_path)] == ["requests"]


def history(*ages_in_days: int) -> tuple[Release, ...]:
    return tuple(Release(f"0.{i}", NOW - timedelta(days=age)) for i, age in enumerate(ages_in_days))


def facts(name: str, releases: tuple[Release, ...], ecosystem: Ecosystem = PYPI) -> PackageFacts:
    return PackageFacts(ecosystem, name, True, releases, releases[-1].version if releases else None, None, "x")


def checks(name: str, releases: tuple[Release, ...], index: PopularityIndex, ecosystem: Ecosystem = PYPI) -> Any:
    ref = PackageRef(ecosystem, name)
    return [(s.check, s.severity) for s in signals_for(ref, facts(name, releases, ecosystem), None, index, now=NOW)]


@pytest.fixture(scope="module")
def shipped() -> PopularityIndex:
    return PopularityIndex.load()


def test_tiny_stale_neighbour_of_a_famous_package_is_a_typosquat_even_when_listed(shipped: PopularityIndex) -> None:
    # 'panda' is on the popularity list (people mistype pandas) and one letter short of pandas.
    assert shipped.contains(PYPI, "panda")
    assert (Check.TYPOSQUAT, Severity.HIGH) in checks("panda", history(3600), shipped)
    assert checks("tdqm", history(2900, 2800), shipped)[0] == (Check.TYPOSQUAT, Severity.HIGH)


def test_a_real_neighbour_has_a_history_of_its_own(shipped: PopularityIndex) -> None:
    # cattrs is one edit from attrs, grequests from requests: years of releases, so not lookalikes.
    assert checks("cattrs", history(3000, 2500, 2000, 1500, 900, 400, 60), shipped) == []
    assert checks("grequests", history(4000, 3000, 2000, 1000), shipped) == []


def test_a_neighbour_with_recent_activity_is_left_to_the_other_checks(shipped: PopularityIndex) -> None:
    # One release last month: new enough that 'new'/'young-and-obscure' speak for it, not the stale rule.
    assert Check.TYPOSQUAT not in {c for c, _ in checks("panda", history(40), shipped)}


def test_names_that_are_not_one_edit_from_a_famous_one(shipped: PopularityIndex) -> None:
    assert famous_neighbour(PYPI, "ruamel.yaml", shipped) is None  # pyyaml's relative, far from it by name
    assert famous_neighbour(PYPI, "boto", shipped) is None  # boto3 is another major version, not a slip
    assert famous_neighbour(PYPI, "pandas", shipped) is None  # the famous package itself
    found = famous_neighbour(PYPI, "requets", shipped)
    assert found is not None and found.target == "requests" and found.rank <= 100


def test_npm_neighbours_by_separators(shipped: PopularityIndex) -> None:
    found = famous_neighbour(NPM, "is-stream", PopularityIndex.from_names(npm=["isstream"]))
    assert found is not None and found.reason == "other separators"
    assert checks("cuid", history(4000, 3000, 2000, 1000, 500), shipped, NPM) == []
    assert (Check.TYPOSQUAT, Severity.HIGH) in checks("uid", history(3000), shipped, NPM)
