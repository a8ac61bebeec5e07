"""OpenAI chat completions (``/v1/chat/completions``), which Ollama, vLLM and most local servers also speak.

The instructions go into the first system (or developer) message, or a new one. One answer per request: ``n``
above 1 is refused, since every choice would need its own check. In a stream, the note is one more chunk after the
last content and before ``[DONE]``; it carries the finish reason the upstream gave.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from slopguard.gateway.editing import Api, StreamEditor, appended
from slopguard.gateway.sse import SseEvent

INSTRUCTION_ROLES = ("system", "developer")


def add_instructions(body: dict[str, Any], text: str) -> dict[str, Any]:
    """The request with ``text`` in its system message. Raises ValueError for a request the gateway cannot check."""
    messages = body.get("messages")
    if not isinstance(messages, list):
        raise ValueError("'messages' must be a list")
    if body.get("n") not in (None, 1):
        raise ValueError("the slopguard gateway checks one answer per request: 'n' must be 1")
    if not text:
        return body
    messages = list(messages)
    first = messages[0] if messages and isinstance(messages[0], dict) else None
    content: Any = None
    if first is not None and first.get("role") in INSTRUCTION_ROLES:
        current = first.get("content")
        content = [*current, {"type": "text", "text": text}] if isinstance(current, list) else appended(current, text)
    if first is not None and content is not None:
        messages[0] = {**first, "content": content}
    else:
        messages.insert(0, {"role": "system", "content": text})
    return {**body, "messages": messages}


def _choice(response: dict[str, Any]) -> dict[str, Any] | None:
    choices = response.get("choices")
    if not isinstance(choices, list):
        return None
    return next((c for c in choices if isinstance(c, dict) and c.get("index", 0) == 0), None)


def answer_text(response: dict[str, Any]) -> str:
    choice = _choice(response)
    message = choice.get("message") if choice else None
    content = message.get("content") if isinstance(message, dict) else None
    return content if isinstance(content, str) else ""


def write_note(response: dict[str, Any], note: str, replace: bool) -> dict[str, Any]:
    """The response with ``note`` appended to the answer, or in its place."""
    response = copy.deepcopy(response)
    choice = _choice(response)
    if choice is None:
        choice = {"index": 0, "message": {"role": "assistant", "content": ""}, "finish_reason": "stop"}
        response["choices"] = [choice]
    message = choice.get("message")
    if not isinstance(message, dict):
        message = choice["message"] = {"role": "assistant", "content": ""}
    message["content"] = note if replace else answer_text(response) + note
    return response


class ChatEditor(StreamEditor):
    """Holds the chunk that finishes choice 0 (or ``[DONE]``) and sends the note just before it ends."""

    def __init__(self, replace: bool) -> None:
        super().__init__(replace)
        self._parts: list[str] = []
        self._first: dict[str, Any] = {}

    def text(self) -> str:
        return "".join(self._parts)

    def push(self, event: SseEvent) -> list[SseEvent]:
        if self.released:
            return [event]
        if event.data.strip() == "[DONE]":
            return self.hold(event)
        obj = event.obj
        choice = _choice(obj) if obj is not None else None
        if obj is None or choice is None:
            return [event]
        self._first = self._first or obj
        delta = choice.get("delta")
        content = delta.get("content") if isinstance(delta, dict) else None
        if isinstance(content, str) and content:
            self._parts.append(content)
            if self.replace:
                event = _edited(obj, lambda c: c["delta"].update(content=""))
        if choice.get("finish_reason"):
            return self.hold(event)
        return [event]

    def release(self, note: str | None) -> list[SseEvent]:
        held = self.take_held()
        if note is None:
            return held
        out: list[SseEvent] = []
        finish = None
        if held and held[0].obj is not None:
            ending = _choice(held[0].obj) or {}
            finish = ending.get("finish_reason")
            out.append(_edited(held[0].obj, lambda c: c.update(finish_reason=None)))
            held = held[1:]
        chunk = {
            "id": self._first.get("id", "chatcmpl-slopguard"),
            "object": "chat.completion.chunk",
            "created": self._first.get("created", 0),
            "model": self._first.get("model", ""),
            "choices": [{"index": 0, "delta": {"content": note}, "logprobs": None, "finish_reason": finish}],
        }
        return [*out, SseEvent.of(chunk), *held]


def _edited(obj: dict[str, Any], change: Callable[[dict[str, Any]], object]) -> SseEvent:
    """A copy of a chunk with ``change`` applied to its choice 0."""
    obj = copy.deepcopy(obj)
    choice = _choice(obj)
    if choice is not None:
        change(choice)
    return SseEvent.of(obj)


def error_body(kind: str, message: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "param": None, "code": None}}


API = Api("chat", False, add_instructions, answer_text, write_note, ChatEditor, error_body)
