"""What a scan produced: one file's result and the whole report every reporter reads."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from slopguard.core.discovery import Skipped, SourceFile
from slopguard.core.finding import Finding
from slopguard.core.rule import RuleMeta


@dataclass
class FileResult:
    """What one file produced: findings, or the reason it (or part of it) was skipped."""

    display: str
    findings: list[Finding] = field(default_factory=list)
    skipped: str | None = None
    # Modules the file imports (dotted name, line), for the package verifier.
    imports: list[tuple[str, int]] = field(default_factory=list)
    # Statements left out of an otherwise analysed file (line, why); ``skipped`` then says so too.
    dropped: list[tuple[int, str]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "findings": [f.to_dict() for f in self.findings],
            "skipped": self.skipped,
            "imports": [list(i) for i in self.imports],
            "dropped": [list(d) for d in self.dropped],
        }

    @classmethod
    def from_json(cls, display: str, data: dict[str, Any]) -> FileResult:
        imports = [(str(m), int(n)) for m, n in data.get("imports", [])]
        dropped = [(int(n), str(why)) for n, why in data.get("dropped", [])]
        findings = [Finding.from_dict(f) for f in data["findings"]]
        return cls(display, findings, data["skipped"], imports, dropped)


@dataclass
class Report:
    """A finished scan: everything a reporter needs, including the metadata of every enabled rule.

    ``skipped`` holds what slopguard tried and could not analyse (the scan is then incomplete and fails closed);
    ``excluded`` what was left out on purpose (excludes, .gitignore, vendored folders), which never fails it.
    """

    root: Path
    rules: dict[str, RuleMeta] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    excluded: list[Skipped] = field(default_factory=list)
    allow_skipped: bool = False  # the user accepts an incomplete scan (--allow-skipped)
    files_scanned: int = 0
    files_from_cache: int = 0
    seconds: float = 0.0
    # For the package verifier: (display, module, line, language) of every import, and every file found.
    imports: list[tuple[str, str, int, str]] = field(default_factory=list)
    sources: list[SourceFile] = field(default_factory=list)

    @property
    def rule_ids(self) -> frozenset[str]:
        return frozenset(self.rules)

    @property
    def incomplete(self) -> bool:
        """Something that should have been analysed was not, and the user did not accept that."""
        return bool(self.skipped) and not self.allow_skipped

    def seen_from(self, cwd: Path) -> Report:
        """The report with its paths relative to ``cwd`` (as Ruff and Bandit print them) instead of the config
        root; a path outside ``cwd`` becomes absolute. Fingerprints keep the root-relative path, so baselines do
        not change with the directory slopguard runs from."""
        here = cwd.resolve()
        root = self.root.resolve()
        if here == root:  # displays are already relative to the root, or absolute outside it
            return replace(self, root=here)

        def shown(display: str) -> str:
            full = Path(os.path.normpath(root / display))
            path = full.relative_to(here).as_posix() if full.is_relative_to(here) else full.as_posix()
            return path + "/" if display.endswith("/") and path not in ("/", ".") else path  # a folder stays one

        return replace(
            self,
            root=here,
            findings=[replace(f, location=replace(f.location, path=shown(f.location.path))) for f in self.findings],
            skipped=[replace(s, display=shown(s.display)) for s in self.skipped],
            excluded=[replace(s, display=shown(s.display)) for s in self.excluded],
            sources=[replace(s, display=shown(s.display)) for s in self.sources],
        )
