"""Content-hash cache: a file whose bytes, path and rule set are unchanged is not analysed again."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from slopguard import __version__

CACHE_DIR_NAME = ".slopguard_cache"


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


class ResultCache:
    """One JSON file per engine configuration, mapping display path -> (content hash, result)."""

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
        entry = self.entries.get(display)
        if entry and entry[0] == digest:
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
            ignore = self.directory / ".gitignore"
            if not ignore.exists():
                ignore.write_text("# Created by slopguard\n*\n", encoding="utf-8")
            fd, tmp = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(self.entries, out, separators=(",", ":"))
            os.replace(tmp, self.file)
        except OSError:
            pass  # A cache that cannot be written only costs speed.
