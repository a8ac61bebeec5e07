"""A scripted model server on 127.0.0.1 speaking the OpenAI chat-completions, responses and models shapes and the
Anthropic Messages shape, streamed (server-sent events) and not; and a way to run any ASGI app in a thread.

Every request's path, headers and JSON body is recorded; every answer is ``Upstream.answer`` (or the scripted
error status and body).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from slopguard.core.config import Settings
from slopguard.core.finding import Severity
from slopguard.engine.scanner import Scanner
from slopguard.gateway.app import create_app
from slopguard.gateway.config import GatewayConfig, Limits, security_instructions
from slopguard.gateway.server import bind, server
from slopguard.gateway.verdict import AnswerChecker

PIECE = 16  # characters per streamed delta


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class Upstream:
    answer: str = "Hello."
    status: int = 200
    error: dict[str, Any] | None = None
    repeat: int = 1  # the answer is streamed this many times over (for the size limit)
    requests: list[Recorded] = field(default_factory=list)

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/v1/chat/completions", self.chat, methods=["POST"]),
                Route("/v1/responses", self.responses, methods=["POST"]),
                Route("/v1/messages", self.messages, methods=["POST"]),
                Route("/v1/messages/count_tokens", self.count_tokens, methods=["POST"]),
                Route("/v1/models", self.models, methods=["GET"]),
            ]
        )

    async def _record(self, request: Request) -> dict[str, Any]:
        body = json.loads(await request.body()) if request.method == "POST" else {}
        self.requests.append(Recorded(request.url.path, dict(request.headers), body))
        return body

    def _pieces(self) -> list[str]:
        text = self.answer * self.repeat
        return [text[i : i + PIECE] for i in range(0, len(text), PIECE)]

    async def count_tokens(self, request: Request) -> Response:
        body = await self._record(request)
        return JSONResponse({"input_tokens": len(json.dumps(body)) // 4})

    async def models(self, request: Request) -> Response:
        await self._record(request)
        return JSONResponse({"object": "list", "data": [{"id": "coder", "object": "model", "owned_by": "me"}]})

    async def chat(self, request: Request) -> Response:
        body = await self._record(request)
        if self.status != 200:
            return JSONResponse(self.error, self.status, headers={"retry-after": "7"})
        head = {"id": "chatcmpl-1", "created": 1700000000, "model": body["model"]}
        if not body.get("stream"):
            message = {"role": "assistant", "content": self.answer}
            choice = {"index": 0, "message": message, "logprobs": None, "finish_reason": "stop"}
            usage = {"prompt_tokens": 10, "completion_tokens": 20, "total_tokens": 30}
            return JSONResponse({**head, "object": "chat.completion", "choices": [choice], "usage": usage})

        def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
            choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
            return {**head, "object": "chat.completion.chunk", "choices": [choice]}

        events = [chunk({"role": "assistant", "content": ""})]
        events += [chunk({"content": piece}) for piece in self._pieces()]
        events.append(chunk({}, "stop"))
        return _sse([(None, e) for e in events], done=True)

    async def responses(self, request: Request) -> Response:
        body = await self._record(request)
        part = {"type": "output_text", "text": self.answer, "annotations": []}
        item = {"type": "message", "id": "msg_1", "status": "completed", "role": "assistant", "content": [part]}
        response = {"id": "resp_1", "object": "response", "created_at": 1700000000, "model": body["model"],
                    "status": "completed", "output": [item], "parallel_tool_calls": True, "tool_choice": "auto",
                    "tools": []}  # fmt: skip
        if not body.get("stream"):
            return JSONResponse(response)
        where = {"item_id": "msg_1", "output_index": 0, "content_index": 0}
        started = {**response, "status": "in_progress", "output": []}
        events: list[dict[str, Any]] = [
            {"type": "response.created", "response": started},
            {"type": "response.output_item.added", "output_index": 0, "item": {**item, "content": []}},
            {"type": "response.content_part.added", **where, "part": {**part, "text": ""}},
            *({"type": "response.output_text.delta", **where, "delta": p, "logprobs": []} for p in self._pieces()),
            {"type": "response.output_text.done", **where, "text": self.answer, "logprobs": []},
            {"type": "response.content_part.done", **where, "part": part},
            {"type": "response.output_item.done", "output_index": 0, "item": item},
            {"type": "response.completed", "response": response},
        ]
        return _sse([(e["type"], {**e, "sequence_number": n}) for n, e in enumerate(events)])

    async def messages(self, request: Request) -> Response:
        body = await self._record(request)
        if self.status != 200:
            return JSONResponse(self.error, self.status)
        message = {"id": "msg_1", "type": "message", "role": "assistant", "model": body["model"],
                   "content": [{"type": "text", "text": self.answer}], "stop_reason": "end_turn",
                   "stop_sequence": None, "usage": {"input_tokens": 10, "output_tokens": 20}}  # fmt: skip
        if not body.get("stream"):
            return JSONResponse(message)
        events: list[dict[str, Any]] = [
            {"type": "message_start", "message": {**message, "content": [], "stop_reason": None}},
            {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
            {"type": "ping"},
            *({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": p}}
              for p in self._pieces()),
            {"type": "content_block_stop", "index": 0},
            {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None},
             "usage": {"output_tokens": 20}},
            {"type": "message_stop"},
        ]  # fmt: skip
        return _sse([(e["type"], e) for e in events])


def _sse(events: list[tuple[str | None, dict[str, Any]]], done: bool = False) -> StreamingResponse:
    async def body() -> AsyncIterator[bytes]:
        for name, data in events:
            head = f"event: {name}\r\n" if name else ""
            yield f"{head}data: {json.dumps(data)}\r\n\r\n".encode()
        if done:
            yield b"data: [DONE]\n\n"

    return StreamingResponse(body(), media_type="text/event-stream")


INVENTED = "quantum-json-turbo"


@dataclass
class Gateways:
    upstream: Upstream
    upstream_url: str
    annotate: str
    block: str


def gateway_app(
    upstream_url: str, block_on: Severity | None, scanner: Scanner, limits: Limits | None = None
) -> Starlette:
    config = GatewayConfig(upstream_url + "/v1", upstream_url + "/v1", security_instructions(()), limits or Limits())
    return create_app(config, AnswerChecker(Settings(cache=False), block_on, scanner))


@contextmanager
def running(app: Starlette) -> Iterator[str]:
    """Serve ``app`` on a free port of 127.0.0.1 in a thread; yields its base URL (``http://127.0.0.1:PORT``)."""
    sock = bind("127.0.0.1", 0)
    port = sock.getsockname()[1]
    srv = server(app)
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(10)
        sock.close()
