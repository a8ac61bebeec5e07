"""SQLite facts cache: round trip, keys, TTLs, offline mode, several processes at once."""

from __future__ import annotations

import multiprocessing
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from slopguard.deps.cache import DEFAULT_MISSING_TTL, DEFAULT_TTL, FactsCache, default_cache_path
from slopguard.deps.model import Advisory, Ecosystem, PackageFacts, Release

HOUR = 3600.0

FULL = PackageFacts(
    ecosystem=Ecosystem.PYPI,
    name="PyYAML",
    exists=True,
    releases=(
        Release("5.3", datetime(2020, 1, 6, 19, 0, 0, tzinfo=UTC)),
        Release("5.4", datetime(2021, 1, 19, 20, 1, 2, 123456, tzinfo=UTC), yanked=True, yanked_reason="broken"),
        Release("6.0.dev0", None),
    ),
    latest="5.4",
    repository="https://github.com/yaml/pyyaml",
    summary="YAML parser and emitter for Python",
    deprecated=None,
    install_scripts=(),
    advisories=(Advisory("PYSEC-2021-142", "Arbitrary code execution", ("CVE-2020-14343",), ("5.4",), "u"),),
)
MISSING = PackageFacts(Ecosystem.PYPI, "fastapi-auth-helperz", exists=False)


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


def test_round_trip_and_key_normalisation(tmp_path: Path) -> None:
    with FactsCache(tmp_path / "c.sqlite3") as cache:
        assert cache.get(Ecosystem.PYPI, "pyyaml") is None
        cache.put(FULL)
        assert cache.get(Ecosystem.PYPI, "pyyaml") == FULL
        assert cache.get("pypi", "pyYAML") == FULL  # PEP 503 names
        facts = PackageFacts(Ecosystem.PYPI, "typing_extensions", exists=True)
        cache.put(facts)
        assert cache.get(Ecosystem.PYPI, "Typing.Extensions") == facts
        assert cache.get(Ecosystem.PYPI, "pyyaml", "5.3") is None  # pinned look-ups are separate entries
        cache.put(FULL, "5.3")
        assert cache.get(Ecosystem.PYPI, "PyYAML", "5.3") == FULL


def test_npm_names_are_exact(tmp_path: Path) -> None:
    facts = PackageFacts(Ecosystem.NPM, "@acme/Widget", exists=True, install_scripts=("postinstall: node x.js",))
    with FactsCache(tmp_path / "c.sqlite3") as cache:
        cache.put(facts)
        assert cache.get(Ecosystem.NPM, "@acme/Widget") == facts
        assert cache.get(Ecosystem.NPM, "@acme/widget") is None
        assert cache.get(Ecosystem.PYPI, "@acme/Widget") is None


def test_put_under_the_asked_name(tmp_path: Path) -> None:
    with FactsCache(tmp_path / "c.sqlite3") as cache:
        cache.put(FULL, name="yaml-alias")
        assert cache.get(Ecosystem.PYPI, "yaml-alias") == FULL


def test_ttl_for_existing_and_missing_packages(tmp_path: Path) -> None:
    clock = Clock()
    with FactsCache(tmp_path / "c.sqlite3", clock=clock) as cache:
        cache.put(FULL)
        cache.put(MISSING)
        clock.now += DEFAULT_MISSING_TTL - 1
        assert cache.get(Ecosystem.PYPI, "fastapi-auth-helperz") == MISSING
        clock.now += 2
        assert cache.get(Ecosystem.PYPI, "fastapi-auth-helperz") is None  # a name can be registered any time
        assert cache.get(Ecosystem.PYPI, "pyyaml") == FULL
        clock.now += DEFAULT_TTL
        assert cache.get(Ecosystem.PYPI, "pyyaml") is None
        entry = cache.entry(Ecosystem.PYPI, "pyyaml")
        assert entry is not None and entry.expired and entry.facts == FULL
        assert entry.stored == datetime.fromtimestamp(1_700_000_000.0, UTC)


def test_custom_ttls(tmp_path: Path) -> None:
    clock = Clock()
    with FactsCache(tmp_path / "c.sqlite3", ttl=10, missing_ttl=5, clock=clock) as cache:
        cache.put(FULL)
        cache.put(MISSING)
        clock.now += 6
        assert cache.get(Ecosystem.PYPI, "pyyaml") == FULL
        assert cache.get(Ecosystem.PYPI, "fastapi-auth-helperz") is None


def test_offline_serves_expired_entries(tmp_path: Path) -> None:
    clock = Clock()
    path = tmp_path / "c.sqlite3"
    with FactsCache(path, clock=clock) as cache:
        cache.put(FULL)
        cache.put(MISSING)
    clock.now += 30 * 24 * HOUR
    with FactsCache(path, clock=clock) as online:
        assert online.get(Ecosystem.PYPI, "pyyaml") is None
    with FactsCache(path, clock=clock, offline=True) as offline:
        assert offline.get(Ecosystem.PYPI, "pyyaml") == FULL
        assert offline.get(Ecosystem.PYPI, "fastapi-auth-helperz") == MISSING
        assert offline.get(Ecosystem.PYPI, "never-seen") is None


def test_purge_removes_expired(tmp_path: Path) -> None:
    clock = Clock()
    with FactsCache(tmp_path / "c.sqlite3", clock=clock) as cache:
        cache.put(FULL)
        cache.put(MISSING)
        clock.now += 2 * HOUR
        assert cache.purge() == 1
        assert cache.entry(Ecosystem.PYPI, "fastapi-auth-helperz") is None
        assert cache.get(Ecosystem.PYPI, "pyyaml") == FULL


def test_corrupt_entry_is_a_miss(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    with FactsCache(path) as cache:
        cache.put(FULL)
    with sqlite3.connect(path) as db:
        db.execute("UPDATE facts SET body='{not json'")
    db.close()
    with FactsCache(path) as cache:
        assert cache.get(Ecosystem.PYPI, "pyyaml") is None


def test_location_from_environment(tmp_path: Path) -> None:
    env = {"SLOPGUARD_CACHE_DIR": str(tmp_path / "cache-here")}
    assert default_cache_path(env).parent == tmp_path / "cache-here"
    with FactsCache(env=env) as cache:
        cache.put(MISSING)
        assert cache.path.parent == tmp_path / "cache-here" and cache.path.exists()
    assert default_cache_path({}).name.endswith(".sqlite3")


def test_wal_mode(tmp_path: Path) -> None:
    with FactsCache(tmp_path / "c.sqlite3") as cache:
        cache.put(MISSING)
    with sqlite3.connect(tmp_path / "c.sqlite3") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db.close()


def _writer(path: str, worker: int) -> None:
    with FactsCache(Path(path)) as cache:
        for i in range(40):
            cache.put(PackageFacts(Ecosystem.NPM, f"pkg-{worker}-{i}", exists=bool(i % 2)))
            cache.get(Ecosystem.NPM, f"pkg-{(worker + 1) % 4}-{i}")


def test_concurrent_processes(tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite3"
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_writer, args=(str(path), n)) for n in range(4)]
    for process in workers:
        process.start()
    for process in workers:
        process.join(timeout=60)
    assert [p.exitcode for p in workers] == [0, 0, 0, 0]
    with FactsCache(path) as cache:
        for worker in range(4):
            for i in range(40):
                assert cache.get(Ecosystem.NPM, f"pkg-{worker}-{i}") is not None


@pytest.mark.parametrize("facts", [FULL, MISSING])
def test_json_form_is_stable(facts: PackageFacts) -> None:
    from slopguard.deps.cache import facts_from_json, facts_to_json

    assert facts_from_json(facts_to_json(facts)) == facts
