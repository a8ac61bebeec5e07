"""The flow lattice every taint engine shares: how trusted a value is, and how a finding describes it.

A :class:`Flow` says whether a value is a constant, sanitised, unknown, operator input or attacker-controlled
(``Level``), whether it is text and whether it was assembled from non-constant pieces. Python and tree-sitter
engines evaluate expressions to Flows; rules read them through :func:`describe` and :func:`grade`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum

from slopguard.core.finding import Confidence, Severity


class Level(IntEnum):
    """Trust, from least to most dangerous."""

    CONST = 0
    SAFE = 1
    UNKNOWN = 2
    OPERATOR = 3  # typed or passed by whoever runs the program (stdin, argv, environment): not a remote attacker
    TAINTED = 4


@dataclass(frozen=True, slots=True)
class Flow:
    """What is known about a value: its trust level, whether it is text, and whether it was assembled."""

    level: Level
    built: bool = False
    text: bool = False
    origin: str = ""

    @property
    def tainted(self) -> bool:
        return self.level is Level.TAINTED

    @property
    def operator(self) -> bool:
        """Input from whoever runs the program: stdin, the command line, the environment."""
        return self.level is Level.OPERATOR

    @property
    def external(self) -> bool:
        """Input from outside the program, remote or from its operator."""
        return self.level >= Level.OPERATOR

    @property
    def dynamic(self) -> bool:
        """Neither a constant nor sanitised."""
        return self.level >= Level.UNKNOWN


CONST = Flow(Level.CONST)
CONST_TEXT = Flow(Level.CONST, text=True)
SAFE = Flow(Level.SAFE)
UNKNOWN = Flow(Level.UNKNOWN)


def tainted(origin: str) -> Flow:
    return Flow(Level.TAINTED, origin=origin)


def operator_input(origin: str) -> Flow:
    return Flow(Level.OPERATOR, origin=origin)


def join(flows: Iterable[Flow]) -> Flow:
    level, built, text, origin = Level.CONST, False, False, ""
    for f in flows:
        if f.level > level:
            level, origin = f.level, f.origin
        built = built or f.built
        text = text or f.text
    return Flow(level, built, text, origin)


def describe(flow: Flow) -> str:
    """How a value got dangerous, for a finding's message."""
    if flow.tainted:
        return f"attacker-controlled data ({flow.origin})" if flow.origin else "attacker-controlled data"
    if flow.operator:
        return f"operator input ({flow.origin})" if flow.origin else "operator input"
    return "non-constant data"


def grade(flow: Flow, severity: Severity) -> tuple[Severity, Confidence]:
    """Tainted flows keep the rule's severity with high confidence; operator input and merely dynamic values drop
    a level, operator input with low confidence (whoever runs a command line tool may run code anyway)."""
    if flow.tainted:
        return severity, Confidence.HIGH
    lower = Severity(max(Severity.LOW, severity - 1))
    return lower, Confidence.LOW if flow.operator else Confidence.MEDIUM
