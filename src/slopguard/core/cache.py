"""Content-hash cache: a file whose bytes, path and rule set are unchanged is not analysed again."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from slopguard import __version__
from slopguard.core.config import Settings

CACHE_DIR_NAME = ".slopguard_cache"


def cache_dir(settings: Settings) -> Path | None:
    """Where a scan with these settings keeps its cache, or None when caching is off."""
    if not settings.cache:
        return None
    return settings.cache_dir or settings.root / CACHE_DIR_NAME


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


class ResultCache:
    """One JSON file per engine configuration: display path -> [content hash, result, mtime_ns, size]."""

    def __init__(self, directory: Path, engine_key: str) -> None:
        key = hashlib.sha256(f"{__version__}\0{engine_key}".encode()).hexdigest()[:16]
        self.directory = directory
        self.file = directory / f"results-{key}.json"
        self.entries: dict[str, list[Any]] = {}
        self.dirty = False
        try:
            loaded = json.loads(self.file.read_text(encoding="utf-8"))
            if isinstance(loaded, dict):
                self.entries = loaded
        except (OSError, ValueError):
            self.entries = {}

    def get(self, display: str, digest: str) -> Any | None:
        """The stored result when the file's content is unchanged."""
        entry = self.entries.get(display)
        if entry and entry[0] == digest:
            return entry[1]
        return None

    def get_unchanged(self, display: str, mtime_ns: int, size: int) -> Any | None:
        """The stored result when the file was not touched since it was hashed (no need to read it)."""
        entry = self.entries.get(display)
        if entry and len(entry) == 4 and entry[2] == mtime_ns and entry[3] == size:
            return entry[1]
        return None

    def touch(self, display: str, mtime_ns: int, size: int) -> None:
        """Same content, new timestamp: remember the stamp so the next run need not read the file."""
        entry = self.entries[display]
        self.entries[display] = [entry[0], entry[1], mtime_ns, size]
        self.dirty = True

    def put(self, display: str, digest: str, result: Any, mtime_ns: int, size: int) -> None:
        self.entries[display] = [digest, result, mtime_ns, size]
        self.dirty = True

    def save(self) -> None:
        if not self.dirty:
            return
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            ignore = self.directory / ".gitignore"
            if not ignore.exists():
                ignore.write_text("# Created by slopguard\n*\n", encoding="utf-8")
            _write_atomically(self.file, self.entries)
        except OSError:
            pass  # A cache that cannot be written only costs speed.


def _write_atomically(path: Path, data: Any) -> None:
    import tempfile

    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(data, out, separators=(",", ":"))
    os.replace(tmp, path)


class ListingCache:
    """The files a discovery found, valid while no watched folder or ignore file has a new mtime."""

    def __init__(self, directory: Path, key: str) -> None:
        self.file = directory / f"files-{hashlib.sha256(key.encode()).hexdigest()[:16]}.json"

    def load(self) -> dict[str, Any] | None:
        try:
            data = json.loads(self.file.read_text(encoding="utf-8"))
            for path, mtime in data["watched"].items():
                if os.stat(path).st_mtime_ns != mtime:
                    return None
            return data  # type: ignore[no-any-return]
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def save(self, data: dict[str, Any]) -> None:
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            _write_atomically(self.file, data)
        except OSError:
            pass
