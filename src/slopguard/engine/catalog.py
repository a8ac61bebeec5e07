"""The rule catalog without importing the rules: a warm re-scan never loads the analysis code.

Rule metadata is derived data: it is cached next to the results, keyed by a fingerprint of slopguard's own
analysis code (file names, sizes and modification times), and rebuilt from the registry whenever that changes.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path

import slopguard
from slopguard.core.rule import RuleMeta

_ANALYSIS_PACKAGES = ("core", "engine", "rules", "provenance", "deps")


def code_fingerprint() -> str:
    """Changes whenever any module that can change a finding changes (or slopguard is upgraded)."""
    digest = hashlib.sha256(slopguard.__version__.encode())
    base = os.path.dirname(slopguard.__file__)
    for package in _ANALYSIS_PACKAGES:
        for directory, dirs, files in os.walk(os.path.join(base, package)):
            dirs.sort()
            for name in sorted(files):
                if name.endswith(".py"):
                    st = os.stat(os.path.join(directory, name))
                    digest.update(f"{directory}/{name}:{st.st_size}:{st.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


def load_catalog(
    cache_dir: Path | None, fingerprint: str, build: Callable[[], dict[str, RuleMeta]]
) -> dict[str, RuleMeta]:
    """Every rule's metadata: from the cache when it matches this code, otherwise ``build()`` (loads the rules)."""
    path = cache_dir / f"rules-{fingerprint}.json" if cache_dir else None
    if path is not None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return {d["id"]: RuleMeta.from_dict(d) for d in data}
        except (OSError, ValueError, KeyError, TypeError):
            pass
    metas = build()
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps([m.to_dict() for m in metas.values()]), encoding="utf-8")
        except OSError:
            pass
    return metas
