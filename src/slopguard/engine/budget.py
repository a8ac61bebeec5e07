"""The per-file time budget: analysis of one file checks it cooperatively and gives up when it runs out.

``analyse`` opens a budget for each file; the walkers (the Python rule walker, the tree-sitter query loop,
tree-sitter taint evaluation) call :func:`check` as they go, and :func:`check_now` after each native call. A
runaway file then ends as "skipped: time budget exceeded", which fails the scan closed instead of hanging it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

# Checking the clock on every node would cost more than the walk; look every this many checks.
_STRIDE = 256


class BudgetExceeded(Exception):
    """The file took longer than its time budget."""


class Budget:
    """A deadline on the monotonic clock."""

    __slots__ = ("calls", "deadline", "seconds")

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds
        self.calls = 0

    def expired(self) -> bool:
        return time.monotonic() > self.deadline

    def check(self) -> None:
        self.calls += 1
        if self.calls % _STRIDE == 0 and self.expired():
            raise BudgetExceeded(f"time budget exceeded ({self.seconds:g}s)")


_CURRENT: ContextVar[Budget | None] = ContextVar("slopguard_budget", default=None)


@contextmanager
def budget(seconds: float) -> Iterator[Budget]:
    """Run the body under a budget of ``seconds``."""
    current = Budget(seconds)
    token = _CURRENT.set(current)
    try:
        yield current
    finally:
        _CURRENT.reset(token)


def check() -> None:
    """Raise BudgetExceeded when the current file's budget has run out (every few hundred calls)."""
    current = _CURRENT.get()
    if current is not None:
        current.check()


def check_now() -> None:
    """Raise BudgetExceeded at once when the budget has run out (after a native call that may have been cut)."""
    current = _CURRENT.get()
    if current is not None and current.expired():
        raise BudgetExceeded(f"time budget exceeded ({current.seconds:g}s)")
