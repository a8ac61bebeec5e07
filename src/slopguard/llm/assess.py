"""Assess one version of the code with our own engine: scan every file, verify its packages, spot text that tries
to instruct a model. A file the scanner could not fully analyse is recorded as such: it is never "clean".
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from slopguard.core.config import Settings
from slopguard.core.finding import Finding
from slopguard.deps.collect import from_commands, from_imports, install_args
from slopguard.deps.model import Check, Ecosystem, PackageRef, PackageReport
from slopguard.deps.options import VerifyOptions
from slopguard.deps.verify import verify
from slopguard.llm.extract import CodeFile, requirements_lines
from slopguard.pipeline.catalog import make_scanner
from slopguard.pipeline.packages import first_imports

BAD_PACKAGES = frozenset({Check.MISSING, Check.TYPOSQUAT})

_INJECTION = re.compile(
    r"(?:ignore|disregard|forget|override)\s+(?:all\s+|any\s+|the\s+)?(?:previous|prior|above|earlier|preceding|"
    r"other|your)\s+(?:instructions|prompts?|rules|directions)"
    r"|\bas\s+an\s+(?:ai|llm|language\s+model|assistant)\b"
    r"|\byou\s+(?:must|should|will)\s+(?:now\s+)?(?:output|respond|reply|answer|say|print|write|return|ignore|"
    r"report|approve|not\s+(?:report|flag|mention|change))\b"
    r"|\b(?:system\s+prompt|new\s+instructions|developer\s+mode|jailbreak)\b"
    r"|\b(?:do\s+not|don't|never)\s+(?:report|flag|mention|change|fix)\s+(?:this|these|any|the)\b"
    r"|\b(?:this|the)\s+code\s+is\s+(?:safe|secure|audited|approved)\b.{0,40}\b(?:do\s+not|don't|no\s+need)",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Injection:
    """Text in the code that tries to instruct the model; reported, quoted as data, never obeyed."""

    path: str
    line: int
    text: str


@dataclass
class Assessment:
    """What our engine says about one version of the code."""

    files: list[CodeFile]
    findings: list[Finding] = field(default_factory=list)
    packages: list[PackageReport] = field(default_factory=list)
    injections: list[Injection] = field(default_factory=list)
    rules: dict[str, tuple[str, str]] = field(default_factory=dict)  # rule id -> (why, fix)
    skipped: list[str] = field(default_factory=list)  # "file: why" for each file not (fully) analysed

    @property
    def lines(self) -> int:
        return sum(f.lines for f in self.files if f.language)

    @property
    def hallucinated(self) -> list[str]:
        return sorted({r.ref.name for r in self.packages if any(s.check is Check.MISSING for s in r.signals)})

    @property
    def bad_packages(self) -> list[PackageReport]:
        return [r for r in self.packages if any(s.check in BAD_PACKAGES for s in r.signals)]

    @property
    def density(self) -> float:
        return round(len(self.findings) * 100 / self.lines, 2) if self.lines else 0.0

    @property
    def analysed(self) -> bool:
        """Every file was parsed and every rule ran on it."""
        return not self.skipped

    @property
    def clean(self) -> bool:
        return bool(self.files) and self.analysed and not self.findings and not self.bad_packages


def vars_of(injection: Injection) -> dict[str, Any]:
    return {"path": injection.path, "line": injection.line, "text": injection.text}


def find_injections(files: Sequence[CodeFile]) -> list[Injection]:
    out = []
    for f in files:
        for number, line in enumerate(f.code.splitlines(), 1):
            if _INJECTION.search(line):
                out.append(Injection(f.name, number, line.strip()[:300]))
    return out


class Assessor:
    """Scans code versions with one Scanner and verifies their packages."""

    def __init__(self, verify_options: VerifyOptions | None = None, root: Path | None = None) -> None:
        self.root = root or Path(tempfile.gettempdir()) / "slopguard-rci-empty"
        self.scanner = make_scanner(Settings(root=self.root, cache=False))
        self.verify_options = verify_options or VerifyOptions()

    def __call__(self, files: list[CodeFile], answer: str = "") -> Assessment:
        out = Assessment(files)
        local = {PurePosixPath(f.name).with_suffix("").parts[0] for f in files} | {
            PurePosixPath(f.name).stem for f in files
        }
        imports: list[tuple[str, str, int, str]] = []
        for f in files:
            if not f.language:
                continue
            result = self.scanner.scan_text(f.code, f.language, f.name)
            out.findings += result.findings
            out.skipped += [f"{s.display}: {s.reason}" for s in result.skipped]
            for finding in result.findings:
                meta = result.rules.get(finding.rule_id)
                if meta is not None:
                    out.rules[finding.rule_id] = (meta.why, meta.fix)
            imports += [i for i in result.imports if not i[1].startswith(".") and i[1].split(".")[0] not in local]
        refs: list[PackageRef] = from_commands(answer, "answer") if answer else []
        for f in files:
            refs += install_args(requirements_lines([f]), Ecosystem.PYPI, f.name)
        refs += from_imports(sorted(imports), self.root)
        unique: dict[tuple[str, str, str], PackageRef] = {}
        for ref in refs:
            unique.setdefault((ref.ecosystem.value, ref.name.lower(), ref.origin), ref)
        refs = first_imports(list(unique.values()))
        out.packages = verify(refs, self.verify_options) if refs else []
        out.injections = find_injections(files)
        return out
