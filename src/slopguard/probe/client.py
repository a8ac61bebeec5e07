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
from slopguard.probe.safety import Budget, ConnectionLost, MethodRefused, Policy, ProbeError

MAX_BODY = 200_000
USER_AGENT = f"slopguard-probe/{__version__}"
QueryItems = Sequence[tuple[str, str]]


@dataclass
class Exchange:
    """One request and its answer (status 0: not sent, dry run; ``timed_out``: no answer in time)."""

    method: str
    path: str
    url: str
    request: str
    status: int
    headers: httpx.Headers = field(default_factory=httpx.Headers)
    text: str = ""
    elapsed: float = 0.0
    timed_out: bool = False

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
        self.policy = policy
        self.budget = budget
        self.default_creds = dict(default_creds or {})
        self.secrets = secrets
        self.dry_run = dry_run
        self.timeout = timeout
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
        """Send one request (or, in a dry run, record it). ``path`` is already filled in and quoted."""
        method = method.upper()
        if not self.policy.method_allowed(method, path.split("?")[0]):
            raise MethodRefused(f"{method} {path}: non-idempotent method needs --allow-unsafe-methods")
        url = self.base + path
        if query:
            url += ("&" if "?" in url else "?") + urlencode(list(query))
        credentials = dict(self.default_creds if creds is None else creds)
        description = self.describe(method, url, credentials, form, json_body, content)
        self.budget.acquire(pace=not self.dry_run)
        if self.dry_run:
            self.planned.append(description)
            return Exchange(method, path, url, description, 0)
        all_headers = {**credentials, **(headers or {})}
        data = {k: str(v) for k, v in form.items()} if form is not None else None
        limit = min(timeout or self.timeout, max(self.budget.remaining_seconds, 0.5))
        started = time.perf_counter()
        try:
            request = self._http.build_request(
                method, url, headers=all_headers, data=data, json=json_body, content=content, timeout=limit
            )
            response = self._transport.handle_request(request)
            try:
                response.read()
            finally:
                response.close()
            text = response.text[:MAX_BODY]
        except httpx.TimeoutException:
            exchange = Exchange(method, path, url, description, 0, elapsed=time.perf_counter() - started)
            exchange.timed_out = True
            self.history.append(exchange)
            return exchange
        except httpx.TransportError as exc:
            raise ConnectionLost(f"{self.base} stopped answering ({type(exc).__name__}: {exc})") from exc
        exchange = Exchange(
            method, path, url, description, response.status_code, response.headers, text, time.perf_counter() - started
        )
        self.history.append(exchange)
        return exchange

    def reach(self, path: str) -> Exchange:
        """The first request: turns 'nothing listens there' into a clear ProbeError."""
        try:
            return self.send("GET", path, creds={})
        except ConnectionLost as exc:
            cause = exc.__cause__
            reason = "connection refused" if isinstance(cause, httpx.ConnectError) else str(cause or exc)
            raise ProbeError(f"cannot reach {self.base}: {reason} (is the service running?)") from exc
