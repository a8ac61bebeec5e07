"""Machine-readable output; the schema is docs/findings.schema.json."""

from __future__ import annotations

import json
from typing import TextIO

from slopguard import __version__
from slopguard.core.report import Report
from slopguard.report import RenderOptions, summary

SCHEMA_VERSION = 1


def render(result: Report, stream: TextIO, options: RenderOptions) -> None:
    stream.write(render_json(result, options))


def render_json(result: Report, options: RenderOptions) -> str:
    metas = result.rules
    used = sorted({f.rule_id for f in result.findings})
    doc = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "slopguard", "version": __version__},
        "summary": summary(result, options),
        "findings": [f.to_dict() for f in result.findings],
        "skipped": [{"path": s.display, "reason": s.reason} for s in result.skipped],
        "excluded": [{"path": s.display, "reason": s.reason} for s in result.excluded],
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
