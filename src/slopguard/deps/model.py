"""What the package verifier knows and says: references, registry facts, signals, verdicts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from slopguard.core.finding import Severity


class Ecosystem(StrEnum):
    PYPI = "pypi"
    NPM = "npm"


@dataclass(frozen=True, slots=True)
class PackageRef:
    """A package named somewhere: a manifest line, an import, a command line.

    ``name`` is the distribution name as written (PyPI names are compared normalised, PEP 503); ``version`` is
    the exact pinned version when there is one (``==1.2.3``, a lock file), else None; ``spec`` the raw
    specifier text for display. ``path``/``line`` locate the reference (``path`` relative to the scan root,
    ``<stdin>`` or ``<command line>``); ``origin`` says how it was found: "manifest", "lockfile", "import", "cli".
    ``transitive`` marks a package a lockfile pins only as a dependency of a dependency (verified on request).
    """

    ecosystem: Ecosystem
    name: str
    version: str | None = None
    spec: str = ""
    path: str = ""
    line: int = 0
    origin: str = "manifest"
    imported_as: str | None = None
    transitive: bool = False


@dataclass(frozen=True, slots=True)
class Advisory:
    """A known vulnerability affecting a version."""

    id: str
    summary: str
    aliases: tuple[str, ...] = ()
    fixed_in: tuple[str, ...] = ()
    url: str = ""


@dataclass(frozen=True, slots=True)
class Release:
    """One published version."""

    version: str
    uploaded: datetime | None = None
    yanked: bool = False
    yanked_reason: str = ""


@dataclass(frozen=True, slots=True)
class PackageFacts:
    """What a registry says about a package (``exists=False`` for a 404)."""

    ecosystem: Ecosystem
    name: str
    exists: bool
    releases: tuple[Release, ...] = ()
    latest: str | None = None
    repository: str | None = None
    summary: str = ""
    deprecated: str | None = None
    install_scripts: tuple[str, ...] = ()
    # Advisories for the version that was asked about (PyPI reports them per release).
    advisories: tuple[Advisory, ...] = ()
    # Why the advisories for that version are not known (None: ``advisories`` is the registry's full answer).
    advisory_gap: str | None = None

    @property
    def first_release(self) -> datetime | None:
        dates = [r.uploaded for r in self.releases if r.uploaded is not None]
        return min(dates) if dates else None


class RegistryError(Exception):
    """The registry could not be reached or answered something unusable; the package is *unknown*."""


class Check(StrEnum):
    """The kinds of signal, in the order they are reported."""

    MISSING = "missing"
    TYPOSQUAT = "typosquat"
    NEW = "new"
    YOUNG_AND_OBSCURE = "young-and-obscure"
    VULNERABLE = "vulnerable"
    INSTALL_SCRIPTS = "install-scripts"
    DEPRECATED = "deprecated"
    YANKED = "yanked"
    UNKNOWN = "unknown"
    ADVISORIES_UNKNOWN = "advisories-unknown"


@dataclass(frozen=True, slots=True)
class Signal:
    """One reason for concern about one package."""

    check: Check
    severity: Severity
    message: str


@dataclass
class PackageReport:
    """The verdict on one reference: no signals means verified."""

    ref: PackageRef
    signals: list[Signal] = field(default_factory=list)
    facts: PackageFacts | None = None
    note: str = ""

    @property
    def verdict(self) -> str:
        return self.signals[0].check.value if self.signals else "ok"

    @property
    def worst(self) -> Severity | None:
        return max((s.severity for s in self.signals), default=None)
