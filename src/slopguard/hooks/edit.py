"""After an agent edits a file: scan that one file through the pipeline and say what fails the gate, in words the
agent can act on (rule, line, message, fix)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from slopguard.core.config import ConfigError, Settings, load_settings
from slopguard.core.finding import Finding
from slopguard.core.verdict import failing
from slopguard.pipeline.scan import scan_paths
from slopguard.report.escape import printable

MAX_LISTED = 20  # findings spelled out to the agent; the rest are counted


@dataclass(frozen=True, slots=True)
class EditCheck:
    """What the scan of one edited file says: ``problem`` is the text for the agent, None when the file passes."""

    display: str
    problem: str | None = None


def settings_for(project: Path, start: Path) -> Settings:
    """The project's settings (nearest config above ``start``); with no config file the project is the root.
    Raises ConfigError."""
    settings = load_settings(None, start)
    return settings if settings.source is not None else settings.with_overrides(root=project)


def check_edit(file: Path, project: Path) -> EditCheck:
    """Scan ``file`` (inside ``project``) as ``slopguard scan FILE`` would, gate included."""
    try:
        settings = settings_for(project, file.parent)
    except ConfigError as exc:
        return EditCheck(str(file), f"slopguard could not check this edit: {exc}")
    report = scan_paths(settings, [file]).report
    display = next((s.display for s in report.sources), file.name)
    failed = failing(report.findings, settings.fail_on, settings.allow_unknown, settings.min_confidence)
    lines: list[str] = []
    if failed:
        lines.append(
            f"slopguard found {len(failed)} problem(s) in {printable(display)} at or above {settings.fail_on.label} "
            "severity. Fix them (the fix is under each), or explain why the code is safe and suppress the line "
            "with `# slopguard: ignore[RULE-ID] -- reason`:"
        )
        lines += [_describe(f) for f in failed[:MAX_LISTED]]
        if len(failed) > MAX_LISTED:
            lines.append(f"... and {len(failed) - MAX_LISTED} more: run `slopguard scan {printable(display)}`.")
    if report.incomplete:
        lines.append(f"slopguard could not analyse all of {printable(display)}, so it is not verified:")
        lines += [f"- {printable(s.display)}: {printable(s.reason)}" for s in report.skipped]
    return EditCheck(display, "\n".join(lines) if lines else None)


def _describe(finding: Finding) -> str:
    loc = finding.location
    head = f"- {printable(loc.path)}:{loc.start_line}: {finding.rule_id} [{finding.severity.label}] "
    fix = f"\n  fix: {printable(' '.join(finding.fix.split()))}" if finding.fix else ""
    return head + printable(" ".join(finding.message.split())) + fix
