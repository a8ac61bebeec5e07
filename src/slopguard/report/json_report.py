"""Machine-readable output; the schema is docs/findings.schema.json."""

from __future__ import annotations

import json

from slopguard import __version__
from slopguard.core.finding import Severity
from slopguard.core.report import Report
from slopguard.report import summary

SCHEMA_VERSION = 1


def render_json(result: Report, fail_on: Severity) -> str:
    metas = result.rules
    used = sorted({f.rule_id for f in result.findings})
    doc = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "slopguard", "version": __version__},
        "summary": summary(result, fail_on),
        "findings": [f.to_dict() for f in result.findings],
        "skipped": [{"path": s.display, "reason": s.reason} for s in result.skipped],
        "rules": {
            rid: {
                "title": metas[rid].title,
                "cwe": list(metas[rid].cwe),
                "severity": metas[rid].severity.label,
                "confidence": metas[rid].confidence.label,
                "why": metas[rid].why,
                "fix": metas[rid].fix,
            }
            for rid in used
        },
    }
    return json.dumps(doc, indent=2) + "\n"
