"""Helpers shared by the checks: which parameters to attack, comparing answers, bounded timing probes."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Iterator
from urllib.parse import quote, quote_plus

from slopguard.probe.client import Exchange
from slopguard.probe.context import ProbeContext
from slopguard.probe.model import Endpoint, Param

VOLATILE = re.compile(r"[A-Za-z0-9_\-]{24,}|\b\d{9,}\b|\d{1,2}:\d{2}:\d{2}(?:\.\d+)?")


def injectable(ctx: ProbeContext) -> Iterator[tuple[Endpoint, Param]]:
    """Each free-text parameter of each endpoint the probe may send to."""
    for ep in ctx.targets():
        for p in ep.params:
            if p.injectable:
                yield ep, p


def with_value(p: Param, suffix: str) -> str:
    """The parameter's ordinary value followed by the payload (keeps the request otherwise valid)."""
    return f"{p.example}{suffix}"


def normalize(text: str, payloads: Iterable[str]) -> str:
    """The answer with echoed payloads (in any usual encoding) and volatile tokens blanked, for comparison."""
    for payload in sorted(payloads, key=len, reverse=True):
        forms = {
            payload,
            html.escape(payload),
            html.escape(payload, quote=False),
            html.escape(payload).replace("&#x27;", "&#39;"),
            quote(payload),
            quote_plus(payload),
            json.dumps(payload)[1:-1],
        }
        for form in sorted(forms, key=len, reverse=True):
            if form:
                text = text.replace(form, "\x00")
    return VOLATILE.sub("#", text)


def same(a: Exchange, b: Exchange, payloads: Iterable[str]) -> bool:
    items = list(payloads)
    return a.status == b.status and normalize(a.text, items) == normalize(b.text, items)


def time_budget_ok(ctx: ProbeContext, needed: float) -> bool:
    """Time-based probes only while the time budget can absorb them."""
    if ctx.client.budget.remaining_seconds < needed + 1:
        ctx.note("time-based checks cut short: time budget nearly spent")
        return False
    return True


def delayed(ctx: ProbeContext, ep: Endpoint, p: Param, template: str, baseline: float) -> tuple[bool, Exchange | None]:
    """Bounded time-based test: the ``{d}``-second payload is slow, a 0-second one is fast, a 2d one slower.
    At most three requests; sleeps only when the target really waits."""
    d = ctx.options.time_delay
    if ctx.dry_run:
        ctx.request(ep, {p.name: with_value(p, template.format(d=_fmt(d)))})
        return False, None
    if not time_budget_ok(ctx, 3 * d + baseline * 3):
        return False, None
    first = ctx.request(ep, {p.name: with_value(p, template.format(d=_fmt(d)))}, timeout=baseline + 3 * d + 2)
    if first.elapsed < baseline + 0.8 * d:
        return False, None
    control = ctx.request(ep, {p.name: with_value(p, template.format(d=0))}, timeout=baseline + 3 * d + 2)
    if control.elapsed >= baseline + 0.5 * d:
        return False, None
    second = ctx.request(ep, {p.name: with_value(p, template.format(d=_fmt(2 * d)))}, timeout=baseline + 5 * d + 2)
    return second.elapsed >= baseline + 1.6 * d, second


def _fmt(seconds: float) -> str:
    return f"{seconds:g}"
