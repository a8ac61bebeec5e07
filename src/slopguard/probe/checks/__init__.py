"""The check families, in the order they run: passive and read-only first, bursts last, then the checks that
read the whole run's answers (error leakage, cookies)."""

from __future__ import annotations

from collections.abc import Callable

from slopguard.probe.checks import auth, enumeration, errors, headers, injection, ratelimit, reflected
from slopguard.probe.context import ProbeContext

Check = Callable[[ProbeContext], None]

FAMILIES: dict[str, Check] = {
    "headers": headers.run,
    "injection": injection.run,
    "reflection": reflected.run,
    "auth": auth.run,
    "enumeration": enumeration.run,
    "ratelimit": ratelimit.run,
    "errors": errors.run,
    "cookies": headers.run_cookies,
}
# What still runs when a budget stops the probe: these only read the answers already received.
PASSIVE: dict[str, Check] = {"errors": errors.scan, "cookies": headers.run_cookies}
