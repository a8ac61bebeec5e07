"""The package-verification phase of a scan: manifests and imports found by the scan, verified, as findings."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from slopguard.core.finding import Finding
from slopguard.core.report import Report
from slopguard.deps.collect import from_imports, from_manifests
from slopguard.deps.manifests import ManifestProblem, is_manifest
from slopguard.deps.model import PackageRef, PackageReport
from slopguard.deps.popularity import normalize
from slopguard.deps.report import to_findings
from slopguard.deps.verify import VerifyOptions, verify


@dataclass
class DepsOutcome:
    reports: list[PackageReport] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    problems: list[ManifestProblem] = field(default_factory=list)


def first_imports(refs: list[PackageRef]) -> list[PackageRef]:
    """An imported package is reported once, where it is first imported; manifest lines are all kept."""
    seen: set[tuple[str, str]] = set()
    out: list[PackageRef] = []
    for ref in refs:
        key = (ref.ecosystem.value, normalize(ref.ecosystem, ref.name))
        if ref.origin == "import" and key in seen:
            continue
        seen.add(key)
        out.append(ref)
    return out


def references(result: Report) -> tuple[list[PackageRef], list[ManifestProblem]]:
    manifests = [(Path(f.path), f.display) for f in result.sources if is_manifest(f.display)]
    collected = from_manifests(manifests)
    imported = from_imports(sorted(result.imports), result.root)
    declared = {(r.ecosystem, r.name.lower()) for r in collected.refs}
    # An import whose package a manifest declares is verified (and reported) at the manifest line.
    imported = [r for r in imported if (r.ecosystem, r.name.lower()) not in declared]
    return first_imports(collected.refs + imported), collected.problems


def check_dependencies(
    result: Report,
    options: VerifyOptions,
    snippets: dict[str, str] | None = None,
    extra: list[PackageRef] | None = None,
) -> DepsOutcome:
    """Verify what the scan found (plus ``extra`` references, e.g. install commands in an answer)."""
    refs, problems = references(result)
    reports = verify(first_imports((extra or []) + refs), options)
    lines: dict[str, list[str]] = {}

    def line_of(display: str, number: int) -> str:
        if display not in lines:
            text = (snippets or {}).get(display)
            if text is None:
                try:
                    text = (result.root / display).read_text(encoding="utf-8", errors="replace")
                except OSError:
                    text = ""
            lines[display] = text.splitlines()
        got = lines[display]
        return got[number - 1] if 0 < number <= len(got) else ""

    return DepsOutcome(reports, to_findings(reports, line_of), problems)
