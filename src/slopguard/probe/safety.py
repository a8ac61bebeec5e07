"""What the probe may attack and how much: loopback unless a host is allowed by name, idempotent methods unless
unsafe ones are allowed, and hard budgets on requests, rate and time."""

from __future__ import annotations

import ipaddress
import re
import time
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from slopguard.probe.model import SAFE_METHODS


class ProbeError(Exception):
    """The probe refuses to run or cannot run (exit code 2): the message says why."""


class StopProbe(Exception):
    """Nothing more may or can be sent; the findings so far are reported."""


class BudgetExhausted(StopProbe):
    """A request, rate or time budget is spent."""


class ConnectionLost(StopProbe):
    """The target stopped answering in the middle of the run."""


class NoAnswer(StopProbe):
    """The target accepted the first connection but sent no answer in time: nothing it says can be judged."""


class Refused(Exception):
    """One request is not sent; the run goes on without it."""


class MethodRefused(Refused):
    """A non-idempotent request was about to be sent without --allow-unsafe-methods."""


class RouteRefused(Refused):
    """A request whose path could take it (and the credentials) to another host, or is not a plain path."""


_NOT_IN_A_PATH = re.compile(r"[\s\x00-\x1f\x7f\\]")


def path_problem(path: str, *, decoded: bool = True) -> str | None:
    """Why ``path`` may not be sent to the target, or None. A sendable path starts with a single '/' and holds no
    backslash, whitespace or control character; with ``decoded``, its percent-decoded form must pass too (route
    templates from OpenAPI documents and source code; a filled-in path carries quoted payloads instead)."""
    if not path.startswith("/"):
        return "it does not start with '/' (it could name another host)"
    for form in (path, unquote(path)) if decoded else (path,):
        if form.startswith("//"):
            return "it starts with '//' (that names another host)"
        if _NOT_IN_A_PATH.search(form):
            return "it holds a backslash, whitespace or a control character"
    return None


def is_loopback(host: str) -> bool:
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_target(url: str, allow_hosts: frozenset[str]) -> str:
    """The target's base URL (scheme://host[:port]) when it may be probed; ProbeError otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ProbeError(f"{url!r} is not an http(s) URL")
    host = parts.hostname
    allowed = {h.lower().strip("[]") for h in allow_hosts}
    if not is_loopback(host) and host.lower() not in allowed:
        raise ProbeError(
            f"refusing to probe {host}: only loopback addresses are probed by default; "
            f"pass --allow-host {host} if you own this service and may attack it"
        )
    return f"{parts.scheme}://{parts.netloc}"


@dataclass(frozen=True, slots=True)
class Policy:
    """Which requests are allowed at all."""

    base: str
    allow_hosts: frozenset[str] = frozenset()
    allow_unsafe: bool = False
    login_paths: frozenset[str] = frozenset()

    def method_allowed(self, method: str, path: str) -> bool:
        """Idempotent methods always; others with --allow-unsafe-methods or on a route named with --login."""
        return method.upper() in SAFE_METHODS or self.allow_unsafe or path in self.login_paths


@dataclass
class Budget:
    """Counts requests and paces them: at most ``max_requests``, ``rate`` per second (0: unpaced), and nothing
    after ``max_seconds``."""

    max_requests: int
    rate: float
    max_seconds: float
    sent: int = 0
    started: float = field(default_factory=time.monotonic)
    _last: float = 0.0

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    @property
    def remaining_seconds(self) -> float:
        return max(0.0, self.max_seconds - self.elapsed)

    @property
    def remaining_requests(self) -> int:
        return max(0, self.max_requests - self.sent)

    def acquire(self, pace: bool = True) -> None:
        """Take one request from the budget, waiting for the rate; BudgetExhausted when nothing is left."""
        if self.sent >= self.max_requests:
            raise BudgetExhausted(f"request budget of {self.max_requests} spent")
        if self.elapsed >= self.max_seconds:
            raise BudgetExhausted(f"time budget of {self.max_seconds:g}s spent")
        if pace and self.rate > 0:
            wait = self._last + 1.0 / self.rate - time.monotonic()
            if wait > 0:
                if self.elapsed + wait >= self.max_seconds:
                    raise BudgetExhausted(f"time budget of {self.max_seconds:g}s spent")
                time.sleep(wait)
        self._last = time.monotonic()
        self.sent += 1
