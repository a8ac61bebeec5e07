"""SARIF 2.1.0 for GitHub code scanning and other SARIF consumers."""

from __future__ import annotations

import json
from pathlib import Path, PureWindowsPath
from typing import Any, TextIO
from urllib.parse import quote

from slopguard import __version__
from slopguard.core.finding import Finding, Severity
from slopguard.core.report import Report
from slopguard.core.rule import RuleMeta
from slopguard.report import RULES_URL, RenderOptions

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {
    Severity.LOW: "note",
    Severity.MEDIUM: "warning",
    Severity.HIGH: "error",
    Severity.CRITICAL: "error",
}
# GitHub maps this 0-10 score to its own severity buckets.
_SECURITY_SEVERITY = {
    Severity.LOW: "3.0",
    Severity.MEDIUM: "5.5",
    Severity.HIGH: "8.0",
    Severity.CRITICAL: "9.5",
}
_PRECISION = {1: "low", 2: "medium", 3: "high"}


def _rule(meta: RuleMeta, rules_url: str) -> dict[str, Any]:
    cwe_tags = [f"external/cwe/cwe-{c}" for c in meta.cwe]
    cwes = ", ".join(f"CWE-{c}" for c in meta.cwe)
    return {
        "id": meta.id,
        "name": "".join(w.capitalize() for w in meta.title.replace("/", " ").split() if w.isalnum()) or meta.id,
        "shortDescription": {"text": meta.title},
        "fullDescription": {"text": meta.why},
        "helpUri": f"{rules_url}#{meta.id.lower()}",
        "help": {
            "text": f"{meta.why}\n\nFix: {meta.fix}",
            "markdown": f"**{meta.title}** ({cwes})\n\n{meta.why}\n\n**Fix:** {meta.fix}",
        },
        "defaultConfiguration": {"level": _LEVEL[meta.severity]},
        "properties": {
            "tags": ["security", *cwe_tags, *meta.tags],
            "security-severity": _SECURITY_SEVERITY[meta.severity],
            "precision": _PRECISION[int(meta.confidence)],
            "problem.severity": "error" if meta.severity >= Severity.HIGH else "warning",
        },
    }


def _result(f: Finding, index: int) -> dict[str, Any]:
    loc = f.location
    region: dict[str, Any] = {"startLine": loc.start_line, "startColumn": loc.start_col}
    if loc.end_line >= loc.start_line:
        region["endLine"] = loc.end_line
    if loc.end_col > 0 and (loc.end_line > loc.start_line or loc.end_col > loc.start_col):
        region["endColumn"] = loc.end_col
    if f.snippet:
        region["snippet"] = {"text": f.snippet}
    return {
        "ruleId": f.rule_id,
        "ruleIndex": index,
        "level": _LEVEL[f.severity],
        "message": {"text": f"{f.message}. Fix: {f.fix}"},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": artifact(loc.path),
                    "region": region,
                }
            }
        ],
        "partialFingerprints": {"slopguard/v1": f.fingerprint},
        "properties": {"severity": f.severity.label, "confidence": f.confidence.label, "role": f.role},
    }


def render(result: Report, stream: TextIO, options: RenderOptions) -> None:
    stream.write(render_sarif(result, options.rules_url))


def file_uri(path: str) -> str:
    """A relative path as a URI reference: ``dir with space/my #1.py`` -> ``dir%20with%20space/my%20%231.py``."""
    return quote(path, safe="/")


def artifact(path: str) -> dict[str, str]:
    """A path relative to the run's base (``%SRCROOT%``), or an absolute ``file:`` URI for one outside it."""
    if path.startswith("/") or PureWindowsPath(path).is_absolute():
        return {"uri": Path(path).as_uri()}
    return {"uri": file_uri(path), "uriBaseId": "%SRCROOT%"}


def render_sarif(result: Report, rules_url: str = RULES_URL) -> str:
    metas = result.rules
    ids = sorted(metas)
    index = {rid: i for i, rid in enumerate(ids)}
    notifications = [
        {
            "level": "warning",
            "message": {"text": f"skipped: {s.reason}"},
            "locations": [{"physicalLocation": {"artifactLocation": artifact(s.display)}}],
        }
        for s in result.skipped
    ]
    run = {
        "tool": {
            "driver": {
                "name": "slopguard",
                "version": __version__,
                "semanticVersion": __version__,
                "rules": [_rule(metas[rid], rules_url) for rid in ids],
            }
        },
        "originalUriBaseIds": {"%SRCROOT%": {"uri": result.root.resolve().as_uri() + "/"}},
        # An incomplete scan is not a successful run: a consumer must not read "no results" as "clean".
        "invocations": [{"executionSuccessful": not result.incomplete, "toolExecutionNotifications": notifications}],
        "results": [_result(f, index[f.rule_id]) for f in result.findings],
        "columnKind": "unicodeCodePoints",
    }
    doc = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(doc, indent=2) + "\n"
