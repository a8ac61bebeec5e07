"""``check_packages``: package names through the package phase of the pipeline, as ``slopguard check`` does.

The registries are the ones in the user's pip and npm configuration (:mod:`slopguard.deps.registries`); nothing a
tool argument says can point a request elsewhere. What cannot be verified is ``unknown``, never ok.
"""

from __future__ import annotations

from collections.abc import Sequence

from mcp.server.mcpserver.exceptions import ToolError

from slopguard.deps.collect import install_args
from slopguard.deps.model import Ecosystem, PackageReport
from slopguard.deps.report import to_findings
from slopguard.mcp.models import SEVERITY, PackageCheckResult, PackageSignal, PackageVerdict
from slopguard.mcp.workspace import Workspace
from slopguard.pipeline.gate import EXIT_FINDINGS, exit_code
from slopguard.pipeline.packages import check
from slopguard.pipeline.scan import verify_options

WHERE = "<mcp check_packages>"


def check_packages(ws: Workspace, names: Sequence[str], ecosystem: str) -> PackageCheckResult:
    """One verdict per name (``name``, ``name==1.2`` for PyPI, ``name@1.2`` for npm)."""
    eco = Ecosystem(ecosystem)
    refs = []
    for name in names:
        found = install_args([name], eco, WHERE)
        if len(found) != 1:
            raise ToolError(f"{name!r} is not a {eco.value} package name (optionally with a version)")
        refs += found
    settings = ws.settings
    outcome = check(ws.root, refs, verify_options(settings))
    verdicts = [_verdict(report, ws) for report in outcome.reports]
    return PackageCheckResult(ecosystem=eco.value, all_safe=all(v.safe_to_use for v in verdicts), packages=verdicts)


def _verdict(report: PackageReport, ws: Workspace) -> PackageVerdict:
    fails = exit_code(to_findings([report], lambda _path, _line: ""), ws.settings) == EXIT_FINDINGS
    return PackageVerdict(
        name=report.ref.name,
        version=report.ref.version,
        verdict=report.verdict,
        safe_to_use=not fails,
        signals=[
            PackageSignal(check=s.check.value, severity=SEVERITY[s.severity], message=s.message) for s in report.signals
        ],
        note=report.note,
    )
