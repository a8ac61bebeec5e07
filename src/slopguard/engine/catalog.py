"""The rule catalog without importing the rules: a scan loads only the rule packs of the languages it meets, and
a warm re-scan none.

Rule metadata is derived data. It is cached next to the results, keyed by a fingerprint of slopguard's own
analysis code (file names, sizes and modification times). Without a cached copy, the catalog shipped in the
package (``data/rule_catalog.json``, written by ``scripts/build_rule_catalog.py``) is used when the digest it
records matches the content of the code that declares rules; otherwise the catalog is rebuilt from the registry
(every pack imported).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import slopguard
from slopguard.core.rule import RuleMeta

_ANALYSIS_PACKAGES = ("core", "engine", "rules", "provenance", "deps")
SHIPPED_CATALOG = "data/rule_catalog.json"
# What rule metadata is made of: the rule packs, the metadata type, the registry and the engine's own rules.
_DECLARING = ("rules", "core/rule.py", "engine/registry.py", "engine/suppression.py")


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


def _python_files(path: str) -> list[str]:
    if path.endswith(".py"):
        return [path]
    return [os.path.join(folder, name) for folder, _, names in os.walk(path) for name in names if name.endswith(".py")]


def declaring_digest() -> str:
    """A digest of the content of every module that declares rule metadata (and of the version)."""
    digest = hashlib.sha256(slopguard.__version__.encode())
    base = os.path.dirname(slopguard.__file__)
    paths = sorted(p for part in _DECLARING for p in _python_files(os.path.join(base, *part.split("/"))))
    for path in paths:
        with open(path, "rb") as handle:
            name = os.path.relpath(path, base).replace(os.sep, "/")
            digest.update(name.encode() + b"\0" + handle.read() + b"\0")
    return digest.hexdigest()


def shipped_catalog() -> dict[str, RuleMeta] | None:
    """The catalog shipped in the package, when it was written from this very code."""
    try:
        data = json.loads(resources.files("slopguard").joinpath(SHIPPED_CATALOG).read_text("utf-8"))
        if data["digest"] != declaring_digest():
            return None
        return {d["id"]: RuleMeta.from_dict(d) for d in data["rules"]}
    except (OSError, ValueError, KeyError, TypeError):
        return None


def load_catalog(
    cache_dir: Path | None, fingerprint: str, build: Callable[[], dict[str, RuleMeta]]
) -> dict[str, RuleMeta]:
    """Every rule's metadata: from the cache when it matches this code, else the shipped catalog when it matches,
    otherwise ``build()`` (loads every rule pack)."""
    path = cache_dir / f"rules-{fingerprint}.json" if cache_dir else None
    if path is not None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return {d["id"]: RuleMeta.from_dict(d) for d in data}
        except (OSError, ValueError, KeyError, TypeError):
            pass
    metas = shipped_catalog() or build()
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps([m.to_dict() for m in metas.values()]), encoding="utf-8")
        except OSError:
            pass
    return metas
