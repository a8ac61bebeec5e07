"""The only way the probe talks to the target: httpx with the safety policy, the budget and redaction applied."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx

from slopguard import __version__
from slopguard.core.secrets import mask, redact
from slopguard.probe.safety import (
    Budget,
    ConnectionLost,
    MethodRefused,
    Policy,
    ProbeError,
    RouteRefused,
    path_problem,
)

MAX_BODY_BYTES = 1 << 20  # an answer's body is read up to this size; a larger one is not judged
USER_AGENT = f"slopguard-probe/{__version__}"
QueryItems = Sequence[tuple[str, str]]


def read_capped(response: httpx.Response, cap: int) -> bytes | None:
    """The body of a streamed ``response`` (decoded), or None when it is larger than ``cap`` bytes: reading
    stops there, so memory stays bounded whatever the server sends."""
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > cap:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


@dataclass
class Exchange:
    """One request and its answer (status 0: not sent, dry run; ``timed_out``: no answer in time; ``too_large``:
    status and headers arrived but the body was over the cap and was dropped; ``measured``: sent by a time-based
    check, which reads a late answer as its result)."""

    method: str
    path: str
    url: str
    request: str
    status: int
    headers: httpx.Headers = field(default_factory=httpx.Headers)
    text: str = ""
    elapsed: float = 0.0
    timed_out: bool = False
    too_large: bool = False
    measured: bool = False

    @property
    def unanswered(self) -> bool:
        """No usable answer: none in time (outside a time-based check) or one too large to judge."""
        return (self.timed_out and not self.measured) or self.too_large

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def content_type(self) -> str:
        return str(self.headers.get("content-type", "")).split(";")[0].strip().lower()

    @property
    def is_html(self) -> bool:
        return self.content_type in ("text/html", "application/xhtml+xml") or (
            not self.content_type and "<html" in self.text[:500].lower()
        )

    @property
    def location(self) -> str:
        return str(self.headers.get("location", ""))

    @property
    def set_cookies(self) -> list[str]:
        return self.headers.get_list("set-cookie")


class ProbeClient:
    """Sends requests to one base URL. ``creds=None`` uses the default credentials, ``{}`` sends none."""

    def __init__(
        self,
        base: str,
        policy: Policy,
        budget: Budget,
        *,
        default_creds: Mapping[str, str] | None = None,
        secrets: tuple[str, ...] = (),
        dry_run: bool = False,
        timeout: float = 10.0,
    ) -> None:
        self.base = base.rstrip("/")
        self.origin = httpx.URL(self.base)
        self.policy = policy
        self.budget = budget
        self.default_creds = dict(default_creds or {})
        self.secrets = secrets
        self.dry_run = dry_run
        self.timeout = timeout
        self.max_body = MAX_BODY_BYTES
        self.history: list[Exchange] = []
        self.planned: list[str] = []
        # Requests are built by a client and sent straight through its transport: no redirect handling (which
        # chokes on the odd Location headers that attacks provoke), no cookie jar carrying state between requests.
        self._http = httpx.Client(timeout=timeout, trust_env=False, headers={"User-Agent": USER_AGENT})
        self._transport = httpx.HTTPTransport(trust_env=False)

    def close(self) -> None:
        self._transport.close()
        self._http.close()

    def redact(self, text: str) -> str:
        return redact(text, self.secrets)

    def describe(
        self,
        method: str,
        url: str,
        creds: Mapping[str, str],
        form: Mapping[str, Any] | None,
        json_body: Any,
        content: str | None,
    ) -> str:
        parts = [f"{method} {url}"]
        if form is not None:
            parts.append("form " + urlencode({k: str(v) for k, v in form.items()}))
        if json_body is not None:
            parts.append("json " + json.dumps(json_body, ensure_ascii=False))
        if content is not None:
            parts.append(f"body {content!r}")
        parts += [f"[{name}: {mask(value)}]" for name, value in creds.items()]
        text = " ".join(parts)
        return self.redact(text if len(text) <= 400 else text[:397] + "...")

    def send(
        self,
        method: str,
        path: str,
        *,
        query: QueryItems = (),
        form: Mapping[str, Any] | None = None,
        json_body: Any = None,
        content: str | None = None,
        headers: Mapping[str, str] | None = None,
        creds: Mapping[str, str] | None = None,
        timeout: float | None = None,
    ) -> Exchange:
        """Send one request (or, in a dry run, record it). ``path`` is already filled in and quoted; a path that
        could leave the target raises RouteRefused and nothing is sent."""
        method = method.upper()
        if not self.policy.method_allowed(method, path.split("?")[0]):
            raise MethodRefused(f"{method} {path}: non-idempotent method needs --allow-unsafe-methods")
        url = self.on_target(method, path, query)
        credentials = dict(self.default_creds if creds is None else creds)
        description = self.describe(method, str(url), credentials, form, json_body, content)
        self.budget.acquire(pace=not self.dry_run)
        if self.dry_run:
            self.planned.append(description)
            return Exchange(method, path, str(url), description, 0)
        all_headers = {**credentials, **(headers or {})}
        data = {k: str(v) for k, v in form.items()} if form is not None else None
        limit = min(timeout or self.timeout, max(self.budget.remaining_seconds, 0.5))
        exchange = Exchange(method, path, str(url), description, 0, measured=timeout is not None)
        started = time.perf_counter()
        try:
            request = self._http.build_request(
                method, url, headers=all_headers, data=data, json=json_body, content=content, timeout=limit
            )
            response = self._transport.handle_request(request)
            try:
                body = read_capped(response, self.max_body)
            finally:
                response.close()
        except httpx.TimeoutException:
            exchange.timed_out = True
        except httpx.TransportError as exc:
            raise ConnectionLost(f"{self.base} stopped answering ({type(exc).__name__}: {exc})") from exc
        else:
            exchange.status, exchange.headers = response.status_code, response.headers
            exchange.too_large = body is None
            exchange.text = "" if body is None else body.decode(response.encoding or "utf-8", errors="replace")
        exchange.elapsed = time.perf_counter() - started
        self.history.append(exchange)
        return exchange

    def on_target(self, method: str, path: str, query: QueryItems = ()) -> httpx.URL:
        """The URL of a request: the target's scheme, host and port, then ``path``; RouteRefused for a path that
        is not a plain path or a URL that would reach anything but the target."""
        problem = path_problem(path, decoded=False)
        if problem:
            raise RouteRefused(f"{method} {path!r}: not sent: {problem}")
        text = self.base + path
        if query:
            text += ("&" if "?" in text else "?") + urlencode(list(query))
        try:
            url = httpx.URL(text)
        except httpx.InvalidURL as exc:
            raise RouteRefused(f"{method} {path!r}: not sent: not a valid URL ({exc})") from None
        here, there = self.origin, url
        if (here.scheme, here.host, here.port, here.userinfo) != (there.scheme, there.host, there.port, there.userinfo):
            raise RouteRefused(f"{method} {path!r}: not sent: it would go to {there.host}, not the target")
        return url

    def problem(self, exchange: Exchange) -> str:
        """Why an exchange gave no usable answer, in words."""
        if exchange.too_large:
            return f"answer too large (over {self.max_body} bytes; not read further)"
        return f"no answer within {self.timeout:g}s"

    def reach(self, path: str) -> Exchange:
        """The first request: turns 'nothing listens there' into a clear ProbeError."""
        try:
            return self.send("GET", path, creds={})
        except ConnectionLost as exc:
            cause = exc.__cause__
            reason = "connection refused" if isinstance(cause, httpx.ConnectError) else str(cause or exc)
            raise ProbeError(f"cannot reach {self.base}: {reason} (is the service running?)") from exc
