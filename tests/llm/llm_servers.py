"""A scripted model server on 127.0.0.1 speaking the real OpenAI chat-completions and Anthropic Messages shapes.

Each request takes the next scripted reply: an answer text (200), or a ``Reply`` with a status, headers, a body or
a delay. Every request's path, headers and JSON body is recorded.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    text: str = ""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] | None = None
    delay: float = 0.0
    refusal: str | None = None  # OpenAI: message.refusal; Anthropic: stop_reason "refusal"
    input_tokens: int = 100
    output_tokens: int = 50


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


def openai_body(reply: Reply, model: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 1700000000,
        "model": model,
        "system_fingerprint": None,
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": None if reply.refusal else reply.text,
                    "refusal": reply.refusal,
                },
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": {
            "prompt_tokens": reply.input_tokens,
            "completion_tokens": reply.output_tokens,
            "total_tokens": reply.input_tokens + reply.output_tokens,
        },
    }


def anthropic_body(reply: Reply, model: str) -> dict[str, Any]:
    return {
        "id": "msg_test",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [{"type": "text", "text": reply.refusal or reply.text}],
        "stop_reason": "refusal" if reply.refusal else "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": reply.input_tokens, "output_tokens": reply.output_tokens},
    }


class ScriptedServer:
    def __init__(self, replies: list[Reply | str]) -> None:
        self.replies: list[Reply] = [Reply(r) if isinstance(r, str) else r for r in replies]
        self.requests: list[Recorded] = []
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                with server.lock:
                    server.requests.append(Recorded(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                    reply = server.replies.pop(0) if server.replies else Reply(status=500, text="script exhausted")
                if reply.delay:
                    time.sleep(reply.delay)
                model = str(body.get("model", "test-model"))
                if reply.status != 200:
                    payload = reply.body or {"error": {"message": reply.text or "error", "type": "server_error"}}
                elif self.path.endswith("/chat/completions"):
                    payload = reply.body or openai_body(reply, model)
                elif self.path.endswith("/messages"):
                    payload = reply.body or anthropic_body(reply, model)
                else:
                    payload, reply = {"error": {"message": "not found"}}, Reply(status=404)
                data = json.dumps(payload).encode()
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    for key, value in reply.headers.items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (time-out test)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def openai_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def anthropic_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextmanager
def scripted(replies: list[Reply | str]) -> Iterator[ScriptedServer]:
    server = ScriptedServer(replies)
    server.thread.start()
    try:
        yield server
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()
