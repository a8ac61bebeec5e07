"""Account enumeration: an unknown user and a known user with a wrong password, several times each and
interleaved, compared on status, body, length and timing (a rank test, not one sample)."""

from __future__ import annotations

from collections import Counter

from slopguard.probe.checks.common import VOLATILE
from slopguard.probe.checks.login import LoginTarget, attempt, login_targets, usernames
from slopguard.probe.client import Exchange
from slopguard.probe.context import ProbeContext, excerpt
from slopguard.probe.stats import compare_timings

THROTTLED = frozenset({429, 423, 503})
MIN_SAMPLES = 2


def _normal(answer: Exchange, names: tuple[str, ...]) -> str:
    text = answer.text
    for name in sorted(names, key=len, reverse=True):
        text = text.replace(name, "\x00")
    return VOLATILE.sub("#", text)


def _usable(answers: list[Exchange]) -> list[Exchange]:
    return [a for a in answers if a.status not in THROTTLED and not a.timed_out and a.status > 0]


def _known_user(ctx: ProbeContext, target: LoginTarget, wrong: str) -> tuple[str, bool]:
    """The first likely account whose answer differs from an unknown one's (or the first candidate)."""
    candidates = usernames(ctx)
    unknown = f"sg-nouser-{ctx.marker}"
    probe = attempt(ctx, target, unknown, wrong)
    for name in candidates[:5]:
        answer = attempt(ctx, target, name, wrong)
        if answer.status in THROTTLED or probe.status in THROTTLED:
            break
        if answer.status != probe.status or _normal(answer, (name, unknown)) != _normal(probe, (name, unknown)):
            return name, True
    return candidates[0], False


def _check(ctx: ProbeContext, target: LoginTarget) -> None:
    wrong = f"sg-wrong-{ctx.marker}"
    known, _ = _known_user(ctx, target, wrong)
    known_answers: list[Exchange] = []
    unknown_answers: list[Exchange] = []
    unknown_names: list[str] = []
    for i in range(ctx.options.enum_samples):
        pair = [(True, known), (False, f"sg-nouser-{ctx.marker}{i}")]
        for is_known, name in pair if i % 2 == 0 else reversed(pair):
            answer = attempt(ctx, target, name, wrong)
            (known_answers if is_known else unknown_answers).append(answer)
            if not is_known:
                unknown_names.append(name)
    if ctx.dry_run:
        return
    names = (known, *unknown_names)
    k, u = _usable(known_answers), _usable(unknown_answers)
    if len(k) < MIN_SAMPLES or len(u) < MIN_SAMPLES:
        ctx.note(f"{target.ep.label}: enumeration inconclusive (throttled: {len(k)}+{len(u)} usable answers)")
        return
    reasons: list[str] = []
    k_status, u_status = Counter(a.status for a in k), Counter(a.status for a in u)
    if not set(k_status) & set(u_status):
        reasons.append(f"status {sorted(k_status)} vs {sorted(u_status)}")
    k_body, u_body = Counter(_normal(a, names) for a in k), Counter(_normal(a, names) for a in u)
    if not set(k_body) & set(u_body):
        k_len, u_len = {len(b) for b in k_body}, {len(b) for b in u_body}
        detail = f"lengths {sorted(k_len)} vs {sorted(u_len)}" if not k_len & u_len else "same length"
        reasons.append(f"body ({detail})")
    timing = compare_timings([a.elapsed for a in k], [a.elapsed for a in u])
    if timing.differs:
        reasons.append(
            f"timing (median {timing.median_a * 1000:.0f} ms vs {timing.median_b * 1000:.0f} ms, "
            f"rank test p={timing.p:.4f}, n={len(k)}+{len(u)})"
        )
    if not reasons:
        return
    sample_k, sample_u = k[0], u[0]
    ctx.observe("PROBE-ENUM-001", target.ep, target.user_field,
                f"{target.ep.label} ({target.kind}): known user '{known}' with a wrong password and unknown users "
                f"get consistently different answers over {len(k)}+{len(u)} tries: {'; '.join(reasons)}",
                sample_u,
                f"unknown: HTTP {sample_u.status} {excerpt(sample_u.text, width=80)} | known: HTTP "
                f"{sample_k.status} {excerpt(sample_k.text, width=80)}")  # fmt: skip


def run(ctx: ProbeContext) -> None:
    for target in login_targets(ctx):
        _check(ctx, target)
