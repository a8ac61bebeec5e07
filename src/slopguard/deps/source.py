"""The dependency source interface: anything that names packages (manifests, imports, install commands).

A source's ``collect()`` gives the package references it found and the problems worth telling the user about
(an entry that could not be understood); the verifier takes the references of any number of sources.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from slopguard.deps.manifests import ManifestProblem
from slopguard.deps.model import PackageRef


@dataclass
class Collected:
    """References found, and manifest problems worth telling the user about."""

    refs: list[PackageRef] = field(default_factory=list)
    problems: list[ManifestProblem] = field(default_factory=list)


class DependencySource(Protocol):
    """Something that names packages."""

    def collect(self) -> Collected:
        """The references this source names, in source order, and what could not be read."""
        ...


def collect_all(sources: Iterable[DependencySource]) -> Collected:
    """Every source's references and problems, in the order of the sources."""
    out = Collected()
    for source in sources:
        found = source.collect()
        out.refs += found.refs
        out.problems += found.problems
    return out
