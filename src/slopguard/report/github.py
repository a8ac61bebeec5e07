"""GitHub Actions workflow commands: an ``::error``/``::warning``/``::notice`` annotation per finding.

Values are escaped as the Actions toolkit does: ``%``, CR and LF in the message; also ``:`` and ``,`` in the
properties (file, title). A scanned file cannot start a workflow command of its own through a name or a message.
"""

from __future__ import annotations

from typing import TextIO

from slopguard.core.finding import Finding, Severity
from slopguard.core.report import Report
from slopguard.report import RenderOptions

_COMMAND = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "notice",
}


def escape_data(value: str) -> str:
    """A workflow command's message."""
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    """A workflow command's property value (``file=``, ``title=``)."""
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def _annotation(f: Finding) -> str:
    loc = f.location
    props = [
        f"file={escape_property(loc.path)}",
        f"line={loc.start_line}",
        f"col={loc.start_col}",
        f"endLine={max(loc.end_line, loc.start_line)}",
        f"title={escape_property(f'{f.rule_id} {f.title}')}",
    ]
    message = f"{f.message} [{f.severity.label}]\nFix: {f.fix}"
    return f"::{_COMMAND[f.severity]} {','.join(props)}::{escape_data(message)}\n"


def render(result: Report, stream: TextIO, options: RenderOptions) -> None:
    """An annotation per finding and a warning per file that was not analysed."""
    for f in result.findings:
        stream.write(_annotation(f))
    for s in result.skipped:
        props = f"file={escape_property(s.display)},title={escape_property('slopguard: not analysed')}"
        stream.write(f"::warning {props}::{escape_data(s.reason)}\n")
