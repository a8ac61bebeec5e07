"""Talking to the upstream: which headers go there and come back, and reading bodies within their limits.

The client's key (``Authorization`` or ``x-api-key``) is forwarded to the configured upstream and nowhere else;
it is never logged. Bodies are read up to a limit, streams included, and asked for uncompressed so the limit
counts what is kept.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping

import httpx
from starlette.requests import Request

from slopguard.gateway.sse import StreamInterrupted

FORWARDED = ("authorization", "x-api-key", "anthropic-version", "anthropic-beta", "openai-organization",
             "openai-project", "openai-beta")  # fmt: skip
RETURNED_PREFIXES = ("x-request-id", "request-id", "retry-after", "x-ratelimit-", "anthropic-ratelimit-")


class TooLarge(Exception):
    """A body passed its limit."""


def forwarded_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """The request headers the upstream gets: the key and API version headers, nothing that says where to go."""
    out = {name: headers[name] for name in FORWARDED if name in headers}
    return {**out, "content-type": "application/json", "accept-encoding": "identity"}


def returned_headers(headers: httpx.Headers) -> dict[str, str]:
    """The upstream's response headers the client gets back (request ids, rate limits)."""
    return {name: value for name, value in headers.items() if name.lower().startswith(RETURNED_PREFIXES)}


async def read_request(request: Request, limit: int) -> bytes:
    """The request body; raises TooLarge past ``limit`` bytes (before reading it when the length says so)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise TooLarge(f"the request body exceeds {limit} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise TooLarge(f"the request body exceeds {limit} bytes")
    return bytes(body)


async def read_response(response: httpx.Response, limit: int) -> bytes:
    """The upstream's whole body; raises TooLarge past ``limit`` bytes and httpx errors as they come."""
    body = bytearray()
    async for chunk in response.aiter_bytes():
        body += chunk
        if len(body) > limit:
            raise TooLarge(f"the upstream answer exceeds {limit} bytes")
    return bytes(body)


async def byte_stream(response: httpx.Response) -> AsyncIterator[bytes]:
    """The upstream's body as it arrives; a network error or time-out ends it with StreamInterrupted."""
    try:
        async for chunk in response.aiter_bytes():
            yield chunk
    except httpx.TimeoutException:
        raise StreamInterrupted("the upstream stopped sending (time-out)") from None
    except httpx.HTTPError as exc:
        raise StreamInterrupted(f"the upstream stream broke off ({type(exc).__name__})") from None
