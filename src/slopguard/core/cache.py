"""Content-hash cache of analysis results, kept outside the scanned tree.

A scanned repository must not be able to decide what is scanned or which rules run, so nothing is read from it:
the cache lives in the user's cache folder (``$SLOPGUARD_CACHE_DIR``, else ``platformdirs.user_cache_dir``), one
subfolder per scanned root, unless the user names one with ``--cache-dir``. Results are found by the file's
content hash alone (never by size and modification time) and bound to slopguard's version and the rule set.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from slopguard import __version__
from slopguard.core.config import Settings

CACHE_ENV = "SLOPGUARD_CACHE_DIR"


def user_cache_root() -> Path:
    """``$SLOPGUARD_CACHE_DIR``, else the platform's cache folder for slopguard."""
    configured = os.environ.get(CACHE_ENV)
    if configured:
        return Path(configured).expanduser()
    import platformdirs  # only a scan that caches needs it

    return Path(platformdirs.user_cache_dir("slopguard"))


def cache_dir(settings: Settings) -> Path | None:
    """Where a scan with these settings keeps its cache, or None when caching is off."""
    if not settings.cache:
        return None
    if settings.cache_dir is not None:
        return settings.cache_dir
    root = str(settings.root.resolve())
    return user_cache_root() / "scan" / hashlib.sha256(root.encode()).hexdigest()[:16]


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


class ResultCache:
    """One JSON file per engine configuration: display path -> [content hash, result]."""

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
        if isinstance(entry, list) and len(entry) >= 2 and entry[0] == digest:
            return entry[1]
        return None

    def put(self, display: str, digest: str, result: Any) -> None:
        self.entries[display] = [digest, result]
        self.dirty = True

    def save(self) -> None:
        if not self.dirty:
            return
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            _write_atomically(self.file, self.entries)
        except OSError:
            pass  # A cache that cannot be written only costs speed.


def _write_atomically(path: Path, data: Any) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(data, out, separators=(",", ":"))
    os.replace(tmp, path)
