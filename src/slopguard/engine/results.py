"""What analysing one file produced; light enough to load from the cache without the analysis code."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from slopguard.core.finding import Finding


@dataclass
class FileResult:
    """What one file produced: findings, or the reason it (or part of it) was skipped."""

    display: str
    findings: list[Finding] = field(default_factory=list)
    skipped: str | None = None
    # Modules the file imports (dotted name, line), for the package verifier.
    imports: list[tuple[str, int]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "findings": [f.to_dict() for f in self.findings],
            "skipped": self.skipped,
            "imports": [list(i) for i in self.imports],
        }

    @classmethod
    def from_json(cls, display: str, data: dict[str, Any]) -> FileResult:
        imports = [(str(m), int(n)) for m, n in data.get("imports", [])]
        return cls(display, [Finding.from_dict(f) for f in data["findings"]], data["skipped"], imports)
