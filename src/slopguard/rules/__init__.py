"""The rule packs: one folder per language plus ``shared`` vocabularies; importing a module registers its rules."""

from __future__ import annotations

import importlib
import pkgutil
import threading

_loaded = False
_loading = threading.Lock()


def load_all() -> None:
    """Import every rule module once (thread-safe: nobody scans with half a pack)."""
    global _loaded
    if _loaded:
        return
    with _loading:
        if _loaded:
            return
        for info in pkgutil.walk_packages(__path__, prefix=__name__ + "."):
            importlib.import_module(info.name)
        _loaded = True
