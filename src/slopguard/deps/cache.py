"""On-disk cache of registry facts (SQLite in the user cache directory), shared safely between processes.

Entries are keyed by (ecosystem, canonical name, version or "") and expire after ``ttl`` seconds (24 h), or
``missing_ttl`` (1 h) for names the registry did not have, since anyone can register a name at any moment, and
for answers without advisory data (the advisory look-up may have failed only for the moment).
``offline=True`` serves whatever is stored, however old. Registry errors are never cached.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import platformdirs
from packaging.utils import canonicalize_name

from slopguard.deps.model import Advisory, Ecosystem, PackageFacts, Release

__all__ = [
    "DEFAULT_MISSING_TTL",
    "DEFAULT_TTL",
    "CacheEntry",
    "FactsCache",
    "cache_key",
    "default_cache_path",
    "facts_from_json",
    "facts_to_json",
]

DEFAULT_TTL = 24 * 3600.0
DEFAULT_MISSING_TTL = 3600.0
SCHEMA = 1
_FILE_NAME = "registry-facts.sqlite3"


def default_cache_path(env: Mapping[str, str] = os.environ) -> Path:
    """``$SLOPGUARD_CACHE_DIR/registry-facts.sqlite3``, else in ``platformdirs.user_cache_dir("slopguard")``."""
    directory = env.get("SLOPGUARD_CACHE_DIR") or platformdirs.user_cache_dir("slopguard")
    return Path(directory).expanduser() / _FILE_NAME


def cache_key(ecosystem: Ecosystem | str, name: str, version: str | None) -> tuple[str, str, str]:
    """(ecosystem, canonical name, version or ""): PyPI names PEP 503-normalised, npm names as written."""
    eco = Ecosystem(ecosystem)
    canonical = str(canonicalize_name(name)) if eco is Ecosystem.PYPI else name
    return eco.value, canonical, version or ""


@dataclass(frozen=True, slots=True)
class CacheEntry:
    """A stored answer, when it was stored, and whether it is past its time to live."""

    facts: PackageFacts
    stored: datetime
    expired: bool


class FactsCache:
    """``get``/``put`` PackageFacts; use as a context manager or call ``close()``."""

    def __init__(
        self,
        path: Path | None = None,
        *,
        ttl: float = DEFAULT_TTL,
        missing_ttl: float = DEFAULT_MISSING_TTL,
        offline: bool = False,
        env: Mapping[str, str] = os.environ,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = path or default_cache_path(env)
        self.ttl, self.missing_ttl, self.offline, self.clock = ttl, missing_ttl, offline, clock
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, timeout=30.0, isolation_level=None, check_same_thread=False)
        # Another process may be switching the journal mode at this moment; its setting sticks.
        with contextlib.suppress(sqlite3.OperationalError):
            self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA busy_timeout=30000")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS facts (ecosystem TEXT NOT NULL, name TEXT NOT NULL, version TEXT NOT NULL,"
            " stored REAL NOT NULL, exists_ INTEGER NOT NULL, schema INTEGER NOT NULL, body TEXT NOT NULL,"
            " PRIMARY KEY (ecosystem, name, version))"
        )

    def __enter__(self) -> FactsCache:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()

    def entry(self, ecosystem: Ecosystem | str, name: str, version: str | None = None) -> CacheEntry | None:
        """The stored entry, expired or not (None when nothing usable is stored)."""
        row = self._db.execute(
            "SELECT stored, exists_, body FROM facts WHERE ecosystem=? AND name=? AND version=? AND schema=?",
            (*cache_key(ecosystem, name, version), SCHEMA),
        ).fetchone()
        if row is None:
            return None
        stored, exists, body = float(row[0]), bool(row[1]), str(row[2])
        try:
            facts = facts_from_json(json.loads(body))
        except (ValueError, TypeError, KeyError):
            return None
        # An answer without advisory data may be a passing failure of the advisory look-up: asked again sooner.
        ttl = self.ttl if exists and facts.advisory_gap is None else self.missing_ttl
        return CacheEntry(facts, datetime.fromtimestamp(stored, UTC), self.clock() - stored >= ttl)

    def get(self, ecosystem: Ecosystem | str, name: str, version: str | None = None) -> PackageFacts | None:
        """Fresh facts (any stored facts when offline), or None: ask the registry."""
        found = self.entry(ecosystem, name, version)
        if found is None or (found.expired and not self.offline):
            return None
        return found.facts

    def put(self, facts: PackageFacts, version: str | None = None, *, name: str | None = None) -> None:
        """Store ``facts`` as the answer for ``name`` (default ``facts.name``) at ``version`` (None: unpinned)."""
        body = json.dumps(facts_to_json(facts), separators=(",", ":"))
        key = cache_key(facts.ecosystem, name or facts.name, version)
        self._db.execute(
            "INSERT OR REPLACE INTO facts VALUES (?, ?, ?, ?, ?, ?, ?)",
            (*key, self.clock(), int(facts.exists), SCHEMA, body),
        )

    def purge(self) -> int:
        """Delete expired entries; returns how many."""
        now = self.clock()
        cursor = self._db.execute(
            "DELETE FROM facts WHERE schema<>? OR (exists_=1 AND stored<=?) OR (exists_=0 AND stored<=?)",
            (SCHEMA, now - self.ttl, now - self.missing_ttl),
        )
        return cursor.rowcount


def facts_to_json(facts: PackageFacts) -> dict[str, Any]:
    """A JSON-ready dict for PackageFacts (datetimes as ISO 8601)."""
    return {
        "ecosystem": facts.ecosystem.value,
        "name": facts.name,
        "exists": facts.exists,
        "releases": [
            [r.version, r.uploaded.isoformat() if r.uploaded else None, r.yanked, r.yanked_reason]
            for r in facts.releases
        ],
        "latest": facts.latest,
        "repository": facts.repository,
        "summary": facts.summary,
        "deprecated": facts.deprecated,
        "install_scripts": list(facts.install_scripts),
        "advisory_gap": facts.advisory_gap,
        "advisories": [
            {
                "id": a.id,
                "summary": a.summary,
                "aliases": list(a.aliases),
                "fixed_in": list(a.fixed_in),
                "url": a.url,
            }
            for a in facts.advisories
        ],
    }


def facts_from_json(data: Mapping[str, Any]) -> PackageFacts:
    """The inverse of ``facts_to_json``."""
    return PackageFacts(
        ecosystem=Ecosystem(data["ecosystem"]),
        name=str(data["name"]),
        exists=bool(data["exists"]),
        releases=tuple(
            Release(str(v), datetime.fromisoformat(up) if up else None, bool(yanked), str(reason))
            for v, up, yanked, reason in data.get("releases", ())
        ),
        latest=data.get("latest"),
        repository=data.get("repository"),
        summary=str(data.get("summary", "")),
        deprecated=data.get("deprecated"),
        install_scripts=tuple(str(s) for s in data.get("install_scripts", ())),
        advisory_gap=data.get("advisory_gap"),
        advisories=tuple(
            Advisory(
                id=str(a["id"]),
                summary=str(a.get("summary", "")),
                aliases=tuple(a.get("aliases", ())),
                fixed_in=tuple(a.get("fixed_in", ())),
                url=str(a.get("url", "")),
            )
            for a in data.get("advisories", ())
        ),
    )
