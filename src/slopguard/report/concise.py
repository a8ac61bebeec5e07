"""One line per finding, ``path:line:col: RULE-ID [severity] message``, for grep, editors and CI logs."""

from __future__ import annotations

from typing import TextIO

from slopguard.core.report import Report
from slopguard.report import RenderOptions


def render(result: Report, stream: TextIO, options: RenderOptions) -> None:
    """Findings one per line, then files that were not analysed, then a count."""
    for f in result.findings:
        loc = f.location
        message = " ".join(f.message.split())
        stream.write(f"{loc.path}:{loc.start_line}:{loc.start_col}: {f.rule_id} [{f.severity.label}] {message}\n")
    for s in result.skipped:
        stream.write(f"{s.display}: not analysed: {' '.join(s.reason.split())}\n")
    noun = "finding" if len(result.findings) == 1 else "findings"
    stream.write(
        f"Found {len(result.findings)} {noun} in {result.files_scanned} file(s), {len(result.skipped)} skipped.\n"
    )
