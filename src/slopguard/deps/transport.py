"""HTTP for the registry services: retries, one time limit per attempt, and a cap on every answer body.

Every answer is streamed and read only up to ``HttpPolicy.max_bytes`` (after decompression): a larger one is
abandoned at once, so a hostile or broken registry costs bounded memory and time. Every failure ends as a
:class:`RegistryError` with a reason the user can act on; credentials in the URL are sent, never shown.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import random
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self

import httpx

from slopguard import __version__
from slopguard.deps.model import RegistryError
from slopguard.deps.service import MIB, HttpPolicy
from slopguard.deps.urls import redact_url, split_credentials, with_slash

__all__ = ["Answer", "JsonHttp", "RegistryClient"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Answer:
    """A registry's 2xx answer: its decoded JSON, any JSON value (the caller checks the shape)."""

    data: Any


@dataclass(slots=True)
class _Reply:
    status: int
    phrase: str
    retry_after: str | None
    body: bytearray | None = None


class JsonHttp:
    """Retrying, size-capped JSON requests against one registry."""

    def __init__(self, base_url: str, policy: HttpPolicy, client: httpx.AsyncClient | None = None) -> None:
        self.base_url, self.auth = split_credentials(with_slash(base_url))
        self.policy = policy
        self._owned = client is None
        self.client = client or httpx.AsyncClient(
            timeout=httpx.Timeout(policy.timeout),
            follow_redirects=True,
            headers={"User-Agent": f"slopguard/{__version__}", "Accept": "application/json"},
            limits=httpx.Limits(max_connections=policy.concurrency),
        )
        self._gate = asyncio.Semaphore(policy.concurrency)

    async def aclose(self) -> None:
        if self._owned:
            await self.client.aclose()

    async def request(self, method: str, path: str, *, body: Any = None, max_bytes: int | None = None) -> Answer | None:
        """The JSON answered to ``method base_url+path``, or None for a 404 (``max_bytes``: the policy's cap)."""
        limit = max_bytes or self.policy.max_bytes
        url = self.base_url + path
        shown = redact_url(url)
        reason = "no attempt made"
        delay = 0.0
        for attempt in range(max(1, self.policy.tries)):
            if attempt:
                await asyncio.sleep(delay)
            delay = self.policy.backoff * 2**attempt + random.uniform(0, self.policy.backoff / 4)
            try:
                async with self._gate, asyncio.timeout(self.policy.timeout):
                    reply = await self._attempt(method, url, body, limit, shown)
            except httpx.UnsupportedProtocol as exc:
                raise RegistryError(f"{shown}: unsupported URL ({exc})") from exc
            except (httpx.TimeoutException, TimeoutError):
                reason = f"timed out after {self.policy.timeout:g} s"
                log.debug("%s %s: %s (attempt %d)", method, shown, reason, attempt + 1)
                continue
            except httpx.HTTPError as exc:
                reason = f"connection failed ({type(exc).__name__}: {exc})"
                log.debug("%s %s: %s (attempt %d)", method, shown, reason, attempt + 1)
                continue
            if reply.status == 404:
                return None
            if reply.body is not None:
                try:
                    return Answer(json.loads(reply.body))
                except ValueError:
                    reason = "answered with malformed JSON"
                    continue
            reason = f"answered HTTP {reply.status} {reply.phrase}".rstrip()
            if reply.status != 429 and reply.status < 500:
                hint = " (check the credentials for this registry)" if reply.status in (401, 403) else ""
                raise RegistryError(f"{shown} {reason}{hint}")
            wait = _retry_after(reply.retry_after)
            if wait is not None and reply.status in (429, 503):
                if wait > self.policy.max_retry_after:
                    raise RegistryError(f"{shown} {reason}; it asks to retry after {wait:g} s")
                delay = wait
        raise RegistryError(f"{shown} {reason} ({self.policy.tries} attempts)")

    async def _attempt(self, method: str, url: str, body: Any, limit: int, shown: str) -> _Reply:
        """One request; the body of a 2xx answer is read (up to the cap), any other answer's is not."""
        async with self.client.stream(method, url, json=body, auth=self._auth()) as response:
            reply = _Reply(response.status_code, response.reason_phrase, response.headers.get("Retry-After"))
            if 200 <= reply.status < 300:
                reply.body = await _read_capped(response, limit, shown)
            return reply

    def _auth(self) -> httpx.Auth | httpx._client.UseClientDefault:
        return httpx.BasicAuth(*self.auth) if self.auth else httpx.USE_CLIENT_DEFAULT


async def _read_capped(response: httpx.Response, limit: int, shown: str) -> bytearray:
    """The decoded body, abandoned as soon as it (or its declared length) passes ``limit`` bytes."""
    too_large = RegistryError(
        f"{shown}: registry answer too large (over {limit / MIB:g} MiB); not read, so nothing is known"
    )
    declared = response.headers.get("Content-Length", "").strip()
    if declared.isdigit() and int(declared) > limit:
        raise too_large
    body = bytearray()
    async for chunk in response.aiter_bytes():
        body += chunk
        if len(body) > limit:
            raise too_large
    return body


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


class RegistryClient:
    """Shared lifecycle of the registry services: an async context manager over one ``JsonHttp``."""

    http: JsonHttp

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self.http.aclose()
