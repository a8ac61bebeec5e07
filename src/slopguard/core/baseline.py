"""Baselines: record today's findings by fingerprint, later report only new ones."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from slopguard import __version__
from slopguard.core.finding import Finding


class BaselineError(Exception):
    """The baseline file cannot be read."""


def load_baseline(path: Path) -> set[str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {str(entry["fingerprint"]) for entry in data["findings"]}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise BaselineError(f"cannot read baseline {path}: {exc}") from exc


def write_baseline(path: Path, findings: Iterable[Finding]) -> int:
    entries = [
        {
            "fingerprint": f.fingerprint,
            "rule_id": f.rule_id,
            "path": f.location.path,
            "line": f.location.start_line,
        }
        for f in findings
    ]
    doc = {"tool": "slopguard", "version": __version__, "findings": entries}
    path.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    return len(entries)


def new_findings(findings: Iterable[Finding], known: set[str]) -> list[Finding]:
    return [f for f in findings if f.fingerprint not in known]
