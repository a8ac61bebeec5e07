"""Scan an editor buffer through the pipeline with its project's settings, remembering results by content.

Each workspace folder is a project: its settings come from its configuration (``slopguard.toml`` or
``[tool.slopguard]``), as for ``slopguard scan`` run there, with the server's own options on top. A scanner is built
once per settings. A buffer is scanned whole, but only when its text changed: results are kept in a small
in-memory LRU keyed by the text's hash, its language, its name and the settings, so undo, redo and a save of
already-scanned text cost nothing.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from slopguard.core.config import ConfigError, Settings, load_settings
from slopguard.engine.scanner import Scanner
from slopguard.lsp.documents import Document
from slopguard.pipeline.catalog import make_scanner
from slopguard.pipeline.scan import ScanOutcome, scan_source

MEMO_SIZE = 64
CONFIG_FILES = ("slopguard.toml", "pyproject.toml")


@dataclass(frozen=True)
class ServerOptions:
    """What the user chose on the ``slopguard lsp`` command line (None: the project's setting)."""

    config: Path | None = None
    deps: bool | None = None
    offline: bool | None = None
    debounce: float = 0.3
    rules_url: str | None = None


@dataclass(frozen=True)
class Analysis:
    """One buffer's result: the settings it was scanned with and the outcome, or why it was not analysed."""

    display: str
    settings: Settings | None = None
    outcome: ScanOutcome | None = None
    problem: str | None = None


def project_root(path: Path | None, folders: Sequence[Path]) -> Path:
    """The innermost workspace folder holding ``path``; for a file outside them its folder, for an unsaved buffer
    the first workspace folder."""
    if path is not None:
        holding = [f for f in folders if path.is_relative_to(f)]
        return max(holding, key=lambda f: len(f.parts)) if holding else path.parent
    return folders[0] if folders else Path.cwd()


def display_name(doc: Document, root: Path) -> str:
    """The name findings carry: the path relative to the project root, as in a scan, else the file name."""
    if doc.path is None:
        return doc.uri.rsplit("/", 1)[-1].rsplit(":", 1)[-1] or "<buffer>"
    if doc.path.is_relative_to(root):
        return doc.path.relative_to(root).as_posix()
    return doc.path.name


class Analyser:
    """Scans buffers one at a time (a lock serialises callers from several threads)."""

    def __init__(self, options: ServerOptions) -> None:
        self.options = options
        self._lock = threading.Lock()
        self._settings: dict[Path, Settings] = {}
        self._scanners: dict[Settings, Scanner] = {}
        self._memo: OrderedDict[tuple[str, str, str, Settings], ScanOutcome] = OrderedDict()

    def forget_settings(self) -> None:
        """A configuration file changed: read every project's settings again on the next scan."""
        with self._lock:
            self._settings.clear()
            self._scanners.clear()
            self._memo.clear()

    def settings_for(self, root: Path) -> Settings:
        """The project's settings with the server's options on top. Raises ConfigError."""
        with self._lock:
            return self._settings_for(root)

    def scan(self, doc: Document, text: str, folders: Sequence[Path]) -> Analysis:
        """Scan ``text`` as ``doc``; what cannot be analysed comes back as a problem, never as a clean result."""
        root = project_root(doc.path, folders)
        with self._lock:
            try:
                settings = self._settings_for(root)
            except ConfigError as exc:
                return Analysis(display_name(doc, root), problem=f"configuration error: {exc}")
            display = display_name(doc, settings.root)
            language = doc.scanned_language
            if language is None:
                return Analysis(display, settings, problem=f"slopguard does not analyse this kind of file ({doc.name})")
            try:
                scanner = self._scanner(settings)
            except ValueError as exc:
                return Analysis(display, settings, problem=f"configuration error: {exc}")
            key = (hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest(), language, display, settings)
            outcome = self._memo.get(key)
            if outcome is None:
                outcome = scan_source(settings, text, language, display, scanner=scanner)
                self._remember(key, outcome)
            else:
                self._memo.move_to_end(key)
            return Analysis(display, settings, outcome)

    def _settings_for(self, root: Path) -> Settings:
        settings = self._settings.get(root)
        if settings is None:
            settings = load_settings(self.options.config, root)
            if settings.source is None:
                settings = settings.with_overrides(root=root)
            settings = settings.with_overrides(deps=self.options.deps, offline=self.options.offline)
            self._settings[root] = settings
        return settings

    def _scanner(self, settings: Settings) -> Scanner:
        scanner = self._scanners.get(settings)
        if scanner is None:
            scanner = self._scanners[settings] = make_scanner(settings)
        return scanner

    def _remember(self, key: tuple[str, str, str, Settings], outcome: ScanOutcome) -> None:
        self._memo[key] = outcome
        while len(self._memo) > MEMO_SIZE:
            self._memo.popitem(last=False)
