"""The package phase: manifests and imports a scan found, verified against the registries, as findings.

It takes (file, imports) pairs and manifest paths — never a report — so any front end can feed it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from slopguard.core.discovery import SourceFile
from slopguard.core.finding import Finding
from slopguard.deps.model import PackageRef, PackageReport
from slopguard.deps.options import VerifyOptions
from slopguard.deps.popularity import normalize

if TYPE_CHECKING:
    from slopguard.deps.manifests import ManifestProblem

# (display path, module, line, language) of one import statement
ImportSite = tuple[str, str, int, str]


@dataclass
class PackageOutcome:
    """What verifying a change's packages produced."""

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


def references(
    root: Path, sources: Iterable[SourceFile], imports: Iterable[ImportSite], transitive: bool = False
) -> tuple[list[PackageRef], list[ManifestProblem]]:
    """Package references in the manifests and lockfiles among ``sources`` and in ``imports``; a package a
    manifest declares is verified (and reported) at the manifest line, not at its imports. Packages a lockfile
    pins only for other packages are included when ``transitive`` is set."""
    # Loaded here: a scan without the package phase (--no-deps) never pays for the manifest readers.
    from slopguard.deps.collect import from_imports, from_manifests
    from slopguard.deps.manifests import is_manifest

    manifests = [(Path(f.path), f.display) for f in sources if is_manifest(f.display)]
    collected = from_manifests(manifests, transitive)
    imported = from_imports(sorted(imports), root)
    declared = {(r.ecosystem, r.name.lower()) for r in collected.refs}
    imported = [r for r in imported if (r.ecosystem, r.name.lower()) not in declared]
    return first_imports(collected.refs + imported), collected.problems


def check(
    root: Path,
    refs: list[PackageRef],
    options: VerifyOptions,
    texts: Mapping[str, str] | None = None,
    problems: list[ManifestProblem] | None = None,
) -> PackageOutcome:
    """Verify ``refs``; findings quote the line each reference is on (from ``texts`` or the file under root)."""
    # Loaded here: a scan without the package phase (--no-deps) never pays for the registry client.
    from slopguard.deps.report import to_findings
    from slopguard.deps.verify import verify

    reports = verify(first_imports(refs), options)
    lines: dict[str, list[str]] = {}

    def line_of(display: str, number: int) -> str:
        if display not in lines:
            text = (texts or {}).get(display)
            if text is None:
                try:
                    text = (root / display).read_text(encoding="utf-8", errors="replace")
                except OSError:
                    text = ""
            lines[display] = text.splitlines()
        got = lines[display]
        return got[number - 1] if 0 < number <= len(got) else ""

    return PackageOutcome(reports, to_findings(reports, line_of), list(problems or []))
