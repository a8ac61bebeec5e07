"""Reporters: registered by format, each ``render(report, stream, options)``; they read a finished scan and never
re-run analysis. A reporter's module is imported only when its format is asked for (a JSON run never loads rich)."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TextIO

from slopguard.core.finding import Confidence, Severity
from slopguard.core.report import Report
from slopguard.core.verdict import failing

# The generated rule reference, relative to the root of slopguard's source repository; ``--rules-url`` points the
# SARIF ``helpUri`` of every rule at a published copy instead.
RULES_URL = "docs/rules.md"


@dataclass(frozen=True)
class RenderOptions:
    """What a reporter needs besides the report: the gate's threshold and texts that are not on disk."""

    fail_on: Severity = Severity.HIGH
    allow_unknown: bool = False
    min_confidence: Confidence = Confidence.MEDIUM
    texts: Mapping[str, str] = field(default_factory=dict)
    terminal: bool = False  # the stream is the user's terminal: colour and the terminal's width
    rules_url: str = RULES_URL  # where each rule's documentation is: RULES_URL#<rule id in lower case>


Renderer = Callable[[Report, TextIO, RenderOptions], None]

# format -> "module:function" of its renderer
REPORTERS: dict[str, str] = {
    "text": "slopguard.report.text:render",
    "json": "slopguard.report.json_report:render",
    "sarif": "slopguard.report.sarif:render",
    "concise": "slopguard.report.concise:render",
    "github": "slopguard.report.github:render",
    "gitlab": "slopguard.report.gitlab:render",
    "junit": "slopguard.report.junit:render",
}


def reporter(fmt: str) -> Renderer:
    """The renderer registered for ``fmt`` (KeyError for an unknown format)."""
    module, _, name = REPORTERS[fmt].partition(":")
    render: Renderer = getattr(importlib.import_module(module), name)
    return render


def summary(result: Report, options: RenderOptions) -> dict[str, object]:
    """Counts shared by every output format."""
    by_severity = {s.label: 0 for s in sorted(Severity, reverse=True)}
    by_rule: dict[str, int] = {}
    for f in result.findings:
        by_severity[f.severity.label] += 1
        by_rule[f.rule_id] = by_rule.get(f.rule_id, 0) + 1
    return {
        "files_scanned": result.files_scanned,
        "files_from_cache": result.files_from_cache,
        "files_skipped": len(result.skipped),
        "files_excluded": len(result.excluded),
        "incomplete": result.incomplete,
        "findings": len(result.findings),
        "by_severity": by_severity,
        "by_rule": dict(sorted(by_rule.items(), key=lambda kv: (-kv[1], kv[0]))),
        "fail_on": options.fail_on.label,
        "failed": bool(failing(result.findings, options.fail_on, options.allow_unknown, options.min_confidence)),
        "seconds": round(result.seconds, 3),
    }
