"""What a rule is: the metadata every layer (engine, reporters, docs, instructions) shares."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slopguard.core.finding import Confidence, Finding, Location, Severity, fingerprint


@dataclass(frozen=True, slots=True)
class RuleMeta:
    """What a rule is: everything a reporter, a doc page or an instruction template needs."""

    id: str
    title: str
    cwe: tuple[int, ...]
    severity: Severity
    confidence: Confidence
    languages: tuple[str, ...]
    why: str
    fix: str
    tags: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "cwe": list(self.cwe),
            "severity": self.severity.label,
            "confidence": self.confidence.label,
            "languages": list(self.languages),
            "why": self.why,
            "fix": self.fix,
            "tags": list(self.tags),
        }

    def finding(
        self,
        message: str,
        location: Location,
        snippet: str,
        *,
        severity: Severity | None = None,
        confidence: Confidence | None = None,
        identity: str | None = None,
        occurrence: int = 0,
    ) -> Finding:
        """A finding of this rule; the fingerprint hashes ``identity`` (default: the snippet), not the line."""
        key = snippet if identity is None else identity
        return Finding(
            rule_id=self.id,
            title=self.title,
            severity=severity or self.severity,
            confidence=confidence or self.confidence,
            message=message,
            location=location,
            snippet=snippet,
            cwe=self.cwe,
            fix=self.fix,
            fingerprint=fingerprint(self.id, location.path, key, occurrence),
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RuleMeta:
        return cls(
            id=data["id"],
            title=data["title"],
            cwe=tuple(data["cwe"]),
            severity=Severity.parse(data["severity"]),
            confidence=Confidence[data["confidence"].upper()],
            languages=tuple(data["languages"]),
            why=data["why"],
            fix=data["fix"],
            tags=tuple(data["tags"]),
        )
