"""Response headers and cookies: CSP, frame protection, nosniff, HSTS on HTTPS, Referrer-Policy, version
banners, CORS that reflects any origin with credentials, and the Secure/HttpOnly/SameSite flags of every cookie
the service set during the run."""

from __future__ import annotations

import re
from http.cookies import SimpleCookie

from slopguard.core.finding import Severity
from slopguard.probe.client import Exchange
from slopguard.probe.context import ProbeContext
from slopguard.probe.model import Endpoint

EVIL_ORIGIN = "https://evil.example"
_VERSION = re.compile(r"\d+\.\d+")
_BANNERS = ("server", "x-powered-by", "x-aspnet-version", "x-aspnetmvc-version", "x-generator", "x-runtime")
_SESSIONISH = re.compile(r"(?i)sess|sid|auth|token|jwt|remember|login|csrf|xsrf")


def _page(ctx: ProbeContext) -> Exchange:
    root = Endpoint("GET", ctx.root, origin="target")
    return ctx.request(root)


def _headers(ctx: ProbeContext, page: Exchange) -> None:
    h = page.headers
    where = f"GET {ctx.root}"
    csp = h.get("content-security-policy", "")
    if page.is_html and not csp:
        ctx.observe("PROBE-HDR-001", None, None, f"{where}: HTML answer without Content-Security-Policy", page)
    if page.is_html and "x-frame-options" not in h and "frame-ancestors" not in csp:
        message = f"{where}: HTML answer without X-Frame-Options or CSP frame-ancestors (can be framed)"
        ctx.observe("PROBE-HDR-002", None, None, message, page)
    if h.get("x-content-type-options", "").lower() != "nosniff":
        ctx.observe("PROBE-HDR-003", None, None, f"{where}: no 'X-Content-Type-Options: nosniff'", page)
    if page.url.startswith("https://") and "strict-transport-security" not in h:
        ctx.observe("PROBE-HDR-004", None, None, f"{where}: HTTPS answer without Strict-Transport-Security", page)
    if "referrer-policy" not in h:
        ctx.observe("PROBE-HDR-005", None, None, f"{where}: no Referrer-Policy header", page)
    banners = [
        f"{name}: {h[name]}" for name in _BANNERS if name in h and (name != "server" or _VERSION.search(h[name]))
    ]
    if banners:
        ctx.observe("PROBE-HDR-006", None, None, f"{where}: product and version disclosed ({'; '.join(banners)})",
                    page, "; ".join(banners))  # fmt: skip


def _cors(ctx: ProbeContext) -> None:
    candidates = [Endpoint("GET", ctx.root, origin="target")]
    candidates += [ep for ep in ctx.targets() if ep.method == "GET" and ep.path != ctx.root][:2]
    for ep in candidates:
        answer = ctx.request(ep, headers={"Origin": EVIL_ORIGIN})
        allowed = answer.headers.get("access-control-allow-origin", "")
        credentials = answer.headers.get("access-control-allow-credentials", "").lower() == "true"
        if allowed in (EVIL_ORIGIN, "null") and credentials:
            ctx.observe("PROBE-CORS-001", ep, None,
                        f"{ep.label}: Origin {EVIL_ORIGIN} is echoed in Access-Control-Allow-Origin together with "
                        f"Access-Control-Allow-Credentials: true",
                        answer, f"Access-Control-Allow-Origin: {allowed}; with credentials")  # fmt: skip
            return


def run(ctx: ProbeContext) -> None:
    page = _page(ctx)
    if not page.timed_out:  # no answer, no headers to judge: the run reports the check as incomplete
        _headers(ctx, page)
    _cors(ctx)


def _cookie_problems(raw: str) -> tuple[str, list[str]] | None:
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(raw)
    except Exception:  # a malformed Set-Cookie is not ours to judge
        return None
    for name, morsel in jar.items():
        lowered = raw.lower()
        if morsel["max-age"] == "0" or "expires=thu, 01 jan 1970" in lowered:
            return None  # a deletion
        missing = []
        if not morsel["secure"]:
            missing.append("Secure")
        if not morsel["httponly"]:
            missing.append("HttpOnly")
        samesite = str(morsel["samesite"]).lower()
        if not samesite:
            missing.append("SameSite")
        elif samesite == "none" and "Secure" in missing:
            missing.append("SameSite=None requires Secure")
        return (name, missing) if missing else None
    return None


def run_cookies(ctx: ProbeContext) -> None:
    """After every other check: each cookie the service set, judged once."""
    seen: set[str] = set()
    for exchange in ctx.client.history:
        for raw in exchange.set_cookies:
            problem = _cookie_problems(raw)
            if problem is None or problem[0] in seen:
                continue
            name, missing = problem
            seen.add(name)
            severity = Severity.MEDIUM if _SESSIONISH.search(name) else Severity.LOW
            ctx.observe("PROBE-COOKIE-001", None, name,
                        f"cookie '{name}' set by {exchange.method} {exchange.path} lacks {', '.join(missing)}",
                        exchange, f"Set-Cookie: {name}=...; " + "; ".join(raw.split(";")[1:]).strip(),
                        severity=severity)  # fmt: skip
