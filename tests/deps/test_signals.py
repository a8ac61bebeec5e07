"""signals_for: one test per check, with hand-made registry facts and an injected clock."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from slopguard.core.finding import Severity
from slopguard.deps.model import Advisory, Check, Ecosystem, PackageFacts, PackageRef, Release, Signal
from slopguard.deps.popularity import PopularityIndex
from slopguard.deps.signals import signals_for

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
PYPI, NPM = Ecosystem.PYPI, Ecosystem.NPM


@pytest.fixture(scope="module")
def index() -> PopularityIndex:
    return PopularityIndex.load()


def _releases(*ages_in_days: int, yanked: str | None = None) -> tuple[Release, ...]:
    return tuple(
        Release(f"1.{i}.0", NOW - timedelta(days=age), yanked=yanked == f"1.{i}.0", yanked_reason="broken build")
        for i, age in enumerate(ages_in_days)
    )


def _established(ecosystem: Ecosystem, name: str, **changes: Any) -> PackageFacts:
    """A package with a long history and a repository: no signals unless ``changes`` add some."""
    facts = PackageFacts(
        ecosystem,
        name,
        True,
        releases=_releases(3000, 2000, 1000, 500, 100),
        latest="1.4.0",
        repository="https://example.invalid/acme/" + name,
    )
    return replace(facts, **changes)


def _checks(signals: list[Signal]) -> list[Check]:
    return [s.check for s in signals]


def test_an_established_popular_package_has_no_signals(index: PopularityIndex) -> None:
    ref = PackageRef(PYPI, "requests", "2.32.3")
    assert signals_for(ref, _established(PYPI, "requests"), None, index, now=NOW) == []


def test_missing(index: PopularityIndex) -> None:
    ref = PackageRef(PYPI, "flask-jwt-simple-auth")
    [signal] = signals_for(ref, PackageFacts(PYPI, ref.name, False), None, index, now=NOW)
    assert signal.check is Check.MISSING and signal.severity is Severity.CRITICAL
    assert "likely hallucinated; do not install" in signal.message
    assert "did you mean" not in signal.message


def test_missing_name_close_to_a_popular_one_says_did_you_mean(index: PopularityIndex) -> None:
    ref = PackageRef(PYPI, "reqeusts")
    signals = signals_for(ref, PackageFacts(PYPI, ref.name, False), None, index, now=NOW)
    assert _checks(signals) == [Check.MISSING, Check.TYPOSQUAT]
    assert "did you mean requests?" in signals[0].message
    assert signals[1].severity is Severity.HIGH and "did you mean requests?" in signals[1].message


def test_typosquat_of_an_existing_package(index: PopularityIndex) -> None:
    ref = PackageRef(NPM, "lodahs", "1.4.0")
    signals = signals_for(ref, _established(NPM, "lodahs"), None, index, now=NOW)
    assert _checks(signals) == [Check.TYPOSQUAT]
    assert signals[0].severity is Severity.HIGH
    assert "lodash" in signals[0].message and "transposed letters" in signals[0].message


def test_popular_packages_are_never_typosquats_or_obscure(index: PopularityIndex) -> None:
    # babel-core resembles @babel/core, and a single recent release without a repository would be obscure.
    facts = PackageFacts(NPM, "babel-core", True, releases=_releases(200), latest="1.0.0")
    assert signals_for(PackageRef(NPM, "babel-core"), facts, None, index, now=NOW) == []


def test_new(index: PopularityIndex) -> None:
    ref = PackageRef(PYPI, "some-fresh-package")
    facts = _established(PYPI, ref.name, releases=_releases(12, 5, 2, 1))
    signals = signals_for(ref, facts, None, index, now=NOW)
    assert _checks(signals) == [Check.NEW]
    assert signals[0].severity is Severity.HIGH and "12 days ago (2026-04-19)" in signals[0].message
    # The threshold is configurable.
    assert signals_for(ref, facts, None, index, now=NOW, new_days=10) == []


def test_new_within_hours_and_with_naive_datetimes(index: PopularityIndex) -> None:
    naive_now = datetime(2026, 5, 1, 12, 0)
    facts = _established(PYPI, "x-pkg", releases=(Release("0.1", datetime(2026, 5, 1, 9, 0)),))
    signals = signals_for(PackageRef(PYPI, "x-pkg"), facts, None, index, now=naive_now)
    assert signals[0].check is Check.NEW and "3 hours ago" in signals[0].message


def test_young_and_obscure(index: PopularityIndex) -> None:
    ref = PackageRef(PYPI, "tiny-helper-lib")
    facts = PackageFacts(PYPI, ref.name, True, releases=_releases(200, 100), latest="1.1.0")
    [signal] = signals_for(ref, facts, None, index, now=NOW)
    assert signal.check is Check.YOUNG_AND_OBSCURE and signal.severity is Severity.MEDIUM
    assert "2 releases, first 200 days ago, no repository link" in signal.message
    # Any of: a repository link, more releases, or a long history makes it not obscure.
    assert signals_for(ref, _established(PYPI, ref.name, releases=_releases(200, 100)), None, index, now=NOW) == []
    more = PackageFacts(PYPI, ref.name, True, releases=_releases(200, 150, 100, 50))
    assert signals_for(ref, more, None, index, now=NOW) == []
    old = PackageFacts(PYPI, ref.name, True, releases=_releases(800))
    assert signals_for(ref, old, None, index, now=NOW) == []


def test_new_and_obscure_together(index: PopularityIndex) -> None:
    facts = PackageFacts(NPM, "left-padder-pro", True, releases=_releases(3))
    signals = signals_for(PackageRef(NPM, "left-padder-pro"), facts, None, index, now=NOW)
    assert _checks(signals) == [Check.NEW, Check.YOUNG_AND_OBSCURE]


def test_vulnerable(index: PopularityIndex) -> None:
    advisories = (
        Advisory("GHSA-aaaa-bbbb-cccc", "request smuggling", aliases=("CVE-2024-0001",), fixed_in=("2.32.0",)),
        Advisory("PYSEC-2023-1", "leak", fixed_in=("2.31.0", "3.0.0")),
        Advisory("GHSA-dddd-eeee-ffff", "no fix yet"),
    )
    ref = PackageRef(PYPI, "requests", "2.30.0")
    [signal] = signals_for(ref, _established(PYPI, "requests", advisories=advisories), None, index, now=NOW)
    assert signal.check is Check.VULNERABLE and signal.severity is Severity.HIGH
    assert signal.message.startswith("requests 2.30.0 has 3 known advisories")
    assert "GHSA-aaaa-bbbb-cccc (CVE-2024-0001): fixed in 2.32.0" in signal.message
    assert "PYSEC-2023-1: fixed in 2.31.0, 3.0.0" in signal.message
    assert "GHSA-dddd-eeee-ffff: no fixed version" in signal.message


def test_many_advisories_are_summarised(index: PopularityIndex) -> None:
    advisories = tuple(Advisory(f"GHSA-{i}", "x") for i in range(8))
    ref = PackageRef(NPM, "lodash")  # not pinned: the advisories are for the latest version
    [signal] = signals_for(ref, _established(NPM, "lodash", advisories=advisories), None, index, now=NOW)
    assert "lodash 1.4.0 has 8 known advisories" in signal.message and "and 3 more" in signal.message


def test_install_scripts(index: PopularityIndex) -> None:
    ref = PackageRef(NPM, "esbuild")
    facts = _established(NPM, "esbuild", install_scripts=("postinstall",))
    [signal] = signals_for(ref, facts, None, index, now=NOW)
    assert signal.check is Check.INSTALL_SCRIPTS and signal.severity is Severity.MEDIUM
    assert "postinstall" in signal.message


@pytest.mark.parametrize(
    ("name", "facts_changes", "also"),
    [
        ("brand-new-thing", {"releases": _releases(2)}, Check.NEW),
        ("tiny-obscure-thing", {"releases": _releases(100), "repository": None}, Check.YOUNG_AND_OBSCURE),
        ("expresss", {}, Check.TYPOSQUAT),
    ],
)
def test_install_scripts_on_a_risky_package_are_high(
    index: PopularityIndex, name: str, facts_changes: dict[str, object], also: Check
) -> None:
    facts = _established(NPM, name, install_scripts=("preinstall", "install"), **facts_changes)
    signals = signals_for(PackageRef(NPM, name), facts, None, index, now=NOW)
    scripts = next(s for s in signals if s.check is Check.INSTALL_SCRIPTS)
    assert also in _checks(signals)
    assert scripts.severity is Severity.HIGH and "preinstall, install" in scripts.message


def test_deprecated(index: PopularityIndex) -> None:
    facts = _established(NPM, "request", deprecated="request has been deprecated, see https://example.invalid/x")
    [signal] = signals_for(PackageRef(NPM, "request"), facts, None, index, now=NOW)
    assert signal.check is Check.DEPRECATED and signal.severity is Severity.LOW
    assert signal.message.startswith("deprecated: request has been deprecated")


def test_yanked_pinned_version(index: PopularityIndex) -> None:
    facts = _established(PYPI, "requests", releases=_releases(3000, 2000, 1000, 500, yanked="1.2.0"))
    [signal] = signals_for(PackageRef(PYPI, "requests", "1.2"), facts, None, index, now=NOW)  # PEP 440: 1.2 == 1.2.0
    assert signal.check is Check.YANKED and signal.severity is Severity.MEDIUM
    assert "1.2 was yanked: broken build" in signal.message
    # Another pin, or none, is not affected.
    assert signals_for(PackageRef(PYPI, "requests", "1.1.0"), facts, None, index, now=NOW) == []
    assert signals_for(PackageRef(PYPI, "requests"), facts, None, index, now=NOW) == []


def test_unknown_fails_closed(index: PopularityIndex) -> None:
    [signal] = signals_for(PackageRef(PYPI, "requests"), None, "HTTP 503 after 3 tries", index, now=NOW)
    assert signal.check is Check.UNKNOWN and signal.severity is Severity.HIGH
    assert "HTTP 503 after 3 tries" in signal.message and "failing closed" in signal.message
    [signal] = signals_for(PackageRef(PYPI, "requests"), None, None, index, now=NOW)
    assert signal.check is Check.UNKNOWN and "no registry answer" in signal.message


def test_unknown_lookalike_still_names_the_imitated_package(index: PopularityIndex) -> None:
    signals = signals_for(PackageRef(NPM, "crossenv"), None, "timed out", index, now=NOW)
    assert _checks(signals) == [Check.TYPOSQUAT, Check.UNKNOWN]  # equal severity: Check order
    assert "cross-env" in signals[0].message


def test_signals_are_ordered_by_severity_then_check(index: PopularityIndex) -> None:
    facts = PackageFacts(
        NPM,
        "expresss",
        True,
        releases=_releases(5, yanked="1.0.0"),
        deprecated="do not use",
        install_scripts=("postinstall",),
        advisories=(Advisory("GHSA-x", "bad"),),
    )
    signals = signals_for(PackageRef(NPM, "expresss", "1.0.0"), facts, None, index, now=NOW)
    assert _checks(signals) == [
        Check.TYPOSQUAT,
        Check.NEW,
        Check.VULNERABLE,
        Check.INSTALL_SCRIPTS,
        Check.YOUNG_AND_OBSCURE,
        Check.YANKED,
        Check.DEPRECATED,
    ]
    severities = [s.severity for s in signals]
    assert severities == sorted(severities, reverse=True)


def test_lookalike_scope_without_an_indexed_package(index: PopularityIndex) -> None:
    ref = PackageRef(NPM, "@typse/some-new-types")
    signals = signals_for(ref, PackageFacts(NPM, ref.name, False), None, index, now=NOW)
    assert _checks(signals) == [Check.MISSING, Check.TYPOSQUAT]
    assert "did you mean @types/some-new-types?" in signals[0].message
    assert "lookalike scope @typse for @types" in signals[1].message
