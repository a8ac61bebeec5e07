"""The rule packs: one folder per language plus ``shared`` vocabularies; importing a module registers its rules.

A scan imports only the packs that can report on the languages it meets (:func:`load_for`): a Python project
does not pay for the Java, Go, Rust and C packs. :data:`PACKS` says which packs read which language; the packs
in :data:`EVERY_SCAN` hold the rules that read any file (tokens, review markers, build files).
"""

from __future__ import annotations

import importlib
import pkgutil
import threading
from collections.abc import Iterable

from slopguard.engine.languages import LANGUAGES

# Packs (sub-packages or modules of this package) that a file of each language needs; ``config`` files hold Spring
# Boot properties. Markup with inline <script> elements also needs the JavaScript pack (added below).
PACKS: dict[str, tuple[str, ...]] = {
    "python": ("python",),
    "notebook": ("python",),
    "javascript": ("javascript",),
    "typescript": ("javascript",),
    "java": ("java",),
    "config": ("java",),
    "go": ("go",),
    "rust": ("rust",),
    "c": ("c",),
    "cpp": ("c",),
    **{template: ("templates",) for template in ("html", "ejs", "jsp", "vue", "svelte", "jinja", "handlebars", "pug")},
    "gotemplate": ("templates",),
}
for _markup in LANGUAGES:
    if _markup.scripts:  # inline <script> elements are analysed as JavaScript/TypeScript
        PACKS[_markup.name] = (*PACKS.get(_markup.name, ()), "javascript")
EVERY_SCAN = ("text", "review_required", "build_files")

_imported: set[str] = set()
_all = False
_loading = threading.Lock()


def _import_pack(pack: str) -> None:
    module = importlib.import_module(f"{__name__}.{pack}")
    for info in pkgutil.walk_packages(getattr(module, "__path__", []), prefix=module.__name__ + "."):
        importlib.import_module(info.name)
    _imported.add(pack)


def load_for(languages: Iterable[str]) -> None:
    """Import, once, the packs that report on files of ``languages`` and those every scan needs (thread-safe:
    nobody scans with half a pack)."""
    wanted = {pack for name in languages for pack in PACKS.get(name, ())}.union(EVERY_SCAN)
    if _all or wanted <= _imported:
        return
    with _loading:
        for pack in sorted(wanted - _imported):
            _import_pack(pack)


def load_all() -> None:
    """Import every rule module once."""
    global _all
    if _all:
        return
    with _loading:
        for info in pkgutil.iter_modules(__path__):
            if info.name not in _imported:
                _import_pack(info.name)
        _all = True
