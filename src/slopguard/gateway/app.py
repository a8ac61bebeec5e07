"""The gateway's HTTP application: every request gets the instructions, goes to the configured upstream, and
its answer is checked before the client sees it.

Upstream errors come back with their status and body. A streamed answer is edited as it passes (annotate) or,
when blocking is on, read whole first: a blocked answer must never reach the client, so nothing is sent until the
check is done.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from slopguard.deps.urls import redact_url
from slopguard.gateway import chat, messages, responses
from slopguard.gateway.config import GatewayConfig
from slopguard.gateway.editing import Api, collect, edit, replay
from slopguard.gateway.sse import SseEvent, read_events
from slopguard.gateway.upstream import (
    TooLarge,
    byte_stream,
    forwarded_headers,
    read_request,
    read_response,
    returned_headers,
)
from slopguard.gateway.verdict import AnswerChecker, Judgement, note_for

log = logging.getLogger("slopguard.gateway")


def _summary(judgement: Judgement | None) -> str:
    if judgement is None:
        return "not checked"
    if judgement.blocked:
        return f"blocked ({len(judgement.findings)} finding(s))"
    if judgement.clean:
        return "clean"
    return f"annotated ({len(judgement.findings)} finding(s), {len(judgement.unchecked)} unchecked)"


class Gateway:
    """The routes, over one HTTP client to the upstream (opened with the application)."""

    def __init__(self, config: GatewayConfig, checker: AnswerChecker) -> None:
        self.config = config
        self.checker = checker
        self.client: httpx.AsyncClient | None = None

    @asynccontextmanager
    async def lifespan(self, app: Starlette) -> AsyncIterator[None]:
        limits = self.config.limits
        timeout = httpx.Timeout(limits.timeout, connect=limits.connect_timeout)
        async with httpx.AsyncClient(timeout=timeout, follow_redirects=False) as client:
            self.client = client
            yield
        self.client = None

    def app(self) -> Starlette:
        routes = [
            Route("/v1/chat/completions", self._handler(chat.API), methods=["POST"]),
            Route("/v1/responses", self._handler(responses.API), methods=["POST"]),
            Route("/v1/messages", self._handler(messages.API), methods=["POST"]),
            Route("/v1/messages/count_tokens", self.count_tokens, methods=["POST"]),
            Route("/v1/models", self.models, methods=["GET"]),
            Route("/v1/models/{model:path}", self.models, methods=["GET"]),
        ]
        return Starlette(routes=routes, lifespan=self.lifespan)

    def _handler(self, api: Api) -> Callable[[Request], Any]:
        async def handle(request: Request) -> Response:
            return await self.proxy(request, api)

        return handle

    def _url(self, request: Request, anthropic: bool) -> str:
        url = self.config.target(request.url.path, anthropic)
        return f"{url}?{request.url.query}" if request.url.query else url

    async def _send(self, request: httpx.Request, api: Api) -> httpx.Response | Response:
        """The upstream's response (streaming, still open), or the error response for the client."""
        assert self.client is not None
        try:
            return await self.client.send(request, stream=True)
        except httpx.TimeoutException:
            return _error(api, 504, "timeout", "the upstream did not answer in time")
        except httpx.HTTPError as exc:
            where = redact_url(str(request.url.copy_with(query=None)))
            return _error(api, 502, "upstream_unreachable", f"cannot reach {where} ({type(exc).__name__})")

    async def models(self, request: Request) -> Response:
        """``/v1/models``: the upstream's list, passed through (bounded)."""
        upstream = httpx.Request("GET", self._url(request, False), headers=forwarded_headers(request.headers))
        sent = await self._send(upstream, chat.API)
        if isinstance(sent, Response):
            return sent
        return await self._passed_back(sent, chat.API)

    async def count_tokens(self, request: Request) -> Response:
        """Anthropic's token count: nothing to check, so passed through (bounded), with the instructions added as
        they are to the call itself, so the count is the one the call will use."""
        api = messages.API
        try:
            body = json.loads(await read_request(request, self.config.limits.request_bytes))
            if not isinstance(body, dict):
                raise ValueError("the request body must be a JSON object")
            body = api.add_instructions(body, self.config.instructions)
        except TooLarge as exc:
            return _error(api, 413, "request_too_large", str(exc))
        except ValueError as exc:
            return _error(api, 400, "invalid_request_error", str(exc))
        upstream = httpx.Request(
            "POST", self._url(request, True), headers=forwarded_headers(request.headers), json=body
        )
        sent = await self._send(upstream, api)
        if isinstance(sent, Response):
            return sent
        return await self._passed_back(sent, api)

    async def _passed_back(self, response: httpx.Response, api: Api) -> Response:
        try:
            body = await read_response(response, self.config.limits.response_bytes)
        except (TooLarge, httpx.HTTPError) as exc:
            return _error(api, 502, "upstream_error", str(exc) if isinstance(exc, TooLarge) else type(exc).__name__)
        finally:
            await response.aclose()
        kind = response.headers.get("content-type", "application/json")
        return Response(body, response.status_code, returned_headers(response.headers), media_type=kind)

    async def proxy(self, request: Request, api: Api) -> Response:
        """One model call: instructions in, upstream, answer checked."""
        try:
            raw = await read_request(request, self.config.limits.request_bytes)
        except TooLarge as exc:
            return _error(api, 413, "request_too_large", str(exc))
        try:
            body = json.loads(raw)
            if not isinstance(body, dict):
                raise ValueError("the request body must be a JSON object")
            body = api.add_instructions(body, self.config.instructions)
        except ValueError as exc:
            return _error(api, 400, "invalid_request_error", str(exc))
        upstream = httpx.Request(
            "POST", self._url(request, api.anthropic), headers=forwarded_headers(request.headers), json=body
        )
        sent = await self._send(upstream, api)
        if isinstance(sent, Response):
            log.info("%s -> %d (upstream not reached)", api.name, sent.status_code)
            return sent
        if not 200 <= sent.status_code < 300:
            log.info("%s -> %d (upstream error, passed back)", api.name, sent.status_code)
            return await self._passed_back(sent, api)
        if "text/event-stream" in sent.headers.get("content-type", ""):
            return StreamingResponse(
                self._stream(sent, api), sent.status_code, returned_headers(sent.headers), "text/event-stream"
            )
        return await self._checked(sent, api)

    async def _checked(self, response: httpx.Response, api: Api) -> Response:
        try:
            raw = await read_response(response, self.config.limits.response_bytes)
            answer = json.loads(raw)
            if not isinstance(answer, dict):
                raise ValueError("not a JSON object")
        except (TooLarge, ValueError, httpx.HTTPError) as exc:
            reason = str(exc) if isinstance(exc, TooLarge) else f"not a readable answer ({type(exc).__name__})"
            log.info("%s -> 502 (%s)", api.name, reason)
            return _error(api, 502, "upstream_error", f"the upstream answer could not be checked: {reason}")
        finally:
            await response.aclose()
        judgement = await run_in_threadpool(self.checker.judge, api.answer_text(answer))
        note = note_for(judgement)
        if note is not None:
            answer = api.write_note(answer, note, judgement.blocked)
        log.info("%s -> %d: %s", api.name, response.status_code, _summary(judgement))
        return JSONResponse(answer, response.status_code, returned_headers(response.headers))

    async def _stream(self, response: httpx.Response, api: Api) -> AsyncIterator[bytes]:
        verdicts: list[Judgement] = []

        async def judged(text: str, cut: str | None) -> str | None:
            verdicts.append(await run_in_threadpool(self.checker.judge, text, cut))
            return note_for(verdicts[-1])

        try:
            events = read_events(byte_stream(response), self.config.limits.response_bytes)
            if self.checker.blocking:
                got, cut = await collect(events)
                note = await judged(_text_of(got, api), cut)

                async def decided(text: str, cut: str | None) -> str | None:
                    return note

                edited = edit(replay(got), api.editor(verdicts[-1].blocked), decided)
            else:
                edited = edit(events, api.editor(False), judged)
            async for event in edited:
                yield event.encode()
        finally:
            await response.aclose()
            log.info(
                "%s (stream) -> %d: %s", api.name, response.status_code, _summary(verdicts[-1] if verdicts else None)
            )


def _text_of(events: list[SseEvent], api: Api) -> str:
    reader = api.editor(False)
    for event in events:
        reader.push(event)
    return reader.text()


def _error(api: Api, status: int, kind: str, message: str) -> JSONResponse:
    return JSONResponse(api.error_body(kind, message), status)


def create_app(config: GatewayConfig, checker: AnswerChecker) -> Starlette:
    """The gateway application for ``config``, judging answers with ``checker``."""
    return Gateway(config, checker).app()
