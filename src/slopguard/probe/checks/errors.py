"""Error leakage: malformed input (wrong types, a NUL byte, broken JSON, an unknown path, the debugger's console
URL), then every answer of the run searched for stack traces, debug pages, database errors and server paths."""

from __future__ import annotations

import re

from slopguard.core.finding import Severity
from slopguard.probe.checks.injection import SQL_ERRORS
from slopguard.probe.client import Exchange
from slopguard.probe.context import ProbeContext, excerpt
from slopguard.probe.model import Endpoint

MALFORMED = "sg\x00'\"<{[%"
DEBUG_PAGES = re.compile(
    r"Werkzeug Debugger|__debugger__|The debugger caught an exception|You're seeing this error because you have "
    r"<code>DEBUG = True|DEBUG = True</code>|Whoops! There was an error|Django Version:|<title>Error</title>\s*"
    r"<pre>(?:TypeError|ReferenceError|SyntaxError)"
)
TRACEBACKS = re.compile(
    r"Traceback \(most recent call last\)|File \"[^\"]+\", line \d+, in |\bat [\w$.<>]+ \((?:/|node:|file:)[^)]*:\d+"
    r":\d+\)|Exception in thread \"|\bat (?:java|javax|org|com)\.[\w.$]+\([\w]+\.java:\d+\)|"
    r"Fatal error: .* on line \d+|panic: .*\ngoroutine \d+"
)
SERVER_PATH = re.compile(
    r"(?<![\w/.:-])(/(?:home|usr|var|opt|srv|app|work|root|tmp|etc|Users)/(?:[\w.@-]+/)*[\w.@-]+)"
    r"|\b([A-Z]:\\(?:[\w .-]+\\)+[\w .-]+)"
)


def _malformed(ctx: ProbeContext) -> None:
    ctx.client.send("GET", f"/sg-missing-{ctx.marker}", creds={})
    console = ctx.client.send("GET", "/console", creds={})
    if console.status == 200 and "__debugger__" in console.text:
        ctx.observe("PROBE-ERR-001", None, None,
                    "GET /console serves the Werkzeug interactive debugger console (remote code execution)",
                    console, excerpt(console.text, "__debugger__"), severity=Severity.CRITICAL)  # fmt: skip
    for ep in ctx.targets():
        if ep.params:
            values = {p.name: ("sg-not-a-number" if p.kind in ("integer", "number") else MALFORMED) for p in ep.params}
            ctx.request(ep, values)
        if any(p.where == "json" for p in ep.params):
            ctx.request(ep, content=("application/json", '{"sg": [1, '))


def _leak(answer: Exchange) -> tuple[str, str, str, Severity | None] | None:
    """(rule, what, matched text, severity override) for the worst leak in one answer."""
    text = answer.text
    m = DEBUG_PAGES.search(text)
    if m:
        return "PROBE-ERR-001", "a debug page", m.group(0), Severity.HIGH
    m = TRACEBACKS.search(text)
    if m:
        return "PROBE-ERR-001", "a stack trace", m.group(0), None
    m = SQL_ERRORS.search(text)
    if m:
        return "PROBE-ERR-002", "a database error message", m.group(0), None
    if answer.status >= 500:
        m = SERVER_PATH.search(text)
        if m:
            return "PROBE-ERR-003", "a server file path", m.group(0), None
    return None


def _endpoint_of(ctx: ProbeContext, answer: Exchange) -> Endpoint | None:
    for ep in ctx.endpoints:
        pattern = re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(ep.path))
        if ep.method == answer.method and re.fullmatch(pattern, answer.path):
            return ep
    return None


def run(ctx: ProbeContext) -> None:
    _malformed(ctx)
    scan(ctx)


def scan(ctx: ProbeContext) -> None:
    """Every answer of the run so far, searched for leaks; sends nothing."""
    if ctx.dry_run:
        return
    reported: set[tuple[str, str, str]] = set()
    for answer in ctx.client.history:
        leak = _leak(answer)
        if leak is None:
            continue
        rule, what, matched, severity = leak
        ep = _endpoint_of(ctx, answer)
        key = (rule, answer.method, ep.path if ep else answer.path)
        if key in reported:
            continue
        reported.add(key)
        ctx.observe(rule, ep, None,
                    f"{answer.method} {key[2]} answered HTTP {answer.status} with {what}",
                    answer, excerpt(answer.text, matched), severity=severity)  # fmt: skip
