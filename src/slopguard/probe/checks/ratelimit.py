"""Brute-force protection: a bounded burst of failed attempts against each login/reset route must meet a 429,
a lock-out or a growing delay."""

from __future__ import annotations

import re
import statistics

from slopguard.probe.checks.login import LoginTarget, attempt, login_targets, usernames
from slopguard.probe.client import Exchange
from slopguard.probe.context import ProbeContext, excerpt

LOCKED = re.compile(r"(?i)too many|locked|lock-?out|try again (?:later|in)|rate.?limit|slow down|temporarily")
THROTTLE_STATUS = frozenset({429, 423, 503})


def _limited(answers: list[Exchange]) -> str | None:
    """Why the burst counts as limited, or None."""
    first = answers[0]
    for a in answers:
        if a.status in THROTTLE_STATUS or "retry-after" in a.headers:
            return f"HTTP {a.status} after {answers.index(a) + 1} attempts"
        if LOCKED.search(a.text) and not LOCKED.search(first.text):
            return f"lock-out message after {answers.index(a) + 1} attempts"
        if a.timed_out:
            return f"no answer in time after {answers.index(a) + 1} attempts"
    if len(answers) >= 10:
        head = statistics.median(a.elapsed for a in answers[:5])
        tail = statistics.median(a.elapsed for a in answers[-5:])
        if tail >= max(3 * head, head + 0.25):
            return f"answers slowed from {head * 1000:.0f} ms to {tail * 1000:.0f} ms"
    return None


def _burst(ctx: ProbeContext, target: LoginTarget) -> None:
    user = usernames(ctx)[0]
    answers: list[Exchange] = []
    for i in range(ctx.options.burst):
        answers.append(attempt(ctx, target, user, f"sg-wrong-{ctx.marker}-{i}"))
        if not ctx.dry_run and _limited(answers):
            return
    if ctx.dry_run:
        return
    processed = [a for a in answers if a.status in (200, 201, 204, 400, 401, 403, 404, 422) or 300 <= a.status < 400]
    if len(processed) < len(answers) * 0.8:
        seen = sorted({a.status for a in answers})
        ctx.note(f"{target.ep.label}: burst inconclusive (answers {seen}: the route did not process them)")
        return
    seconds = sum(a.elapsed for a in answers)
    statuses = ", ".join(f"HTTP {s}" for s in sorted({a.status for a in answers}))
    ctx.observe("PROBE-RATE-001", target.ep, target.user_field,
                f"{target.ep.label} ({target.kind}): {len(answers)} failed attempts for '{user}' in {seconds:.1f}s "
                f"all answered ({statuses}) with no 429, lock-out or slowdown",
                answers[-1], excerpt(answers[-1].text, width=100))  # fmt: skip


def run(ctx: ProbeContext) -> None:
    for target in login_targets(ctx):
        _burst(ctx, target)
