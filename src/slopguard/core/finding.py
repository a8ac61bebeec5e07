"""The one finding model every rule produces and every reporter reads."""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass
from enum import IntEnum
from typing import Any


class Severity(IntEnum):
    """How bad a finding is if it is real."""

    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            choices = ", ".join(s.label for s in cls)
            raise ValueError(f"unknown severity {text!r} (choose from {choices})") from None


class Confidence(IntEnum):
    """How sure the rule is that the finding is real."""

    LOW = 1
    MEDIUM = 2
    HIGH = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Confidence:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            choices = ", ".join(c.label for c in cls)
            raise ValueError(f"unknown confidence {text!r} (choose from {choices})") from None


@dataclass(frozen=True, slots=True)
class Location:
    """A region of a file; lines are 1-based, columns 1-based."""

    path: str
    start_line: int
    start_col: int = 1
    end_line: int = 0
    end_col: int = 0


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem found by one rule at one place. Snippets are already redacted."""

    rule_id: str
    title: str
    severity: Severity
    confidence: Confidence
    message: str
    location: Location
    snippet: str
    cwe: tuple[int, ...]
    fix: str
    fingerprint: str
    role: str = "source"  # what the file is for: source, test, example (see core/roles.py)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["severity"] = self.severity.label
        data["confidence"] = self.confidence.label
        data["cwe"] = list(self.cwe)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        return cls(
            rule_id=data["rule_id"],
            title=data["title"],
            severity=Severity.parse(data["severity"]),
            confidence=Confidence[data["confidence"].upper()],
            message=data["message"],
            location=Location(**data["location"]),
            snippet=data["snippet"],
            cwe=tuple(data["cwe"]),
            fix=data["fix"],
            fingerprint=data["fingerprint"],
            role=str(data.get("role", "source")),
        )


_SPACE = re.compile(r"\s+")


def fingerprint(rule_id: str, path: str, snippet: str, occurrence: int) -> str:
    """A line-number-free identity: survives code moving up or down in the file."""
    normal = _SPACE.sub(" ", snippet).strip()
    digest = hashlib.sha256(f"{rule_id}\0{path}\0{normal}\0{occurrence}".encode()).hexdigest()
    return digest[:32]


def sort_key(finding: Finding) -> tuple[str, int, int, str]:
    loc = finding.location
    return (loc.path, loc.start_line, loc.start_col, finding.rule_id)
