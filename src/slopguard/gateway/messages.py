"""Anthropic Messages (``/v1/messages``).

The instructions go into ``system`` (a string or a list of text blocks). The note is one more text block at the
end of the content; in a stream its ``content_block_start/delta/stop`` events come after the last content block
and before ``message_delta`` (the stop reason) and ``message_stop``. A blocked answer's text blocks are emptied
and the refusal is that last block.
"""

from __future__ import annotations

import copy
from typing import Any

from slopguard.gateway.editing import Api, StreamEditor, appended
from slopguard.gateway.sse import SseEvent


def add_instructions(body: dict[str, Any], text: str) -> dict[str, Any]:
    """The request with ``text`` in its system prompt. Raises ValueError for a malformed request."""
    if not isinstance(body.get("messages"), list):
        raise ValueError("'messages' must be a list")
    if not text:
        return body
    system = body.get("system")
    if isinstance(system, list):
        return {**body, "system": [*system, {"type": "text", "text": text}]}
    merged = appended(system, text)
    if merged is None:
        raise ValueError("'system' must be a string or a list of text blocks")
    return {**body, "system": merged}


def _text_blocks(content: Any) -> list[dict[str, Any]]:
    if not isinstance(content, list):
        return []
    return [b for b in content if isinstance(b, dict) and b.get("type") == "text" and isinstance(b.get("text"), str)]


def answer_text(response: dict[str, Any]) -> str:
    return "\n".join(b["text"] for b in _text_blocks(response.get("content")))


def write_note(response: dict[str, Any], note: str, replace: bool) -> dict[str, Any]:
    """The response with ``note`` as a last text block; with ``replace`` the other text blocks are emptied."""
    response = copy.deepcopy(response)
    content = response.get("content")
    if not isinstance(content, list):
        content = response["content"] = []
    if replace:
        for block in _text_blocks(content):
            block["text"] = ""
    content.append({"type": "text", "text": note.lstrip("\n")})
    return response


class MessagesEditor(StreamEditor):
    """Holds ``message_delta`` (or ``message_stop``) and sends the note block just before it."""

    def __init__(self, replace: bool) -> None:
        super().__init__(replace)
        self._parts: list[str] = []
        self._last_index = -1

    def text(self) -> str:
        return "".join(self._parts)

    def push(self, event: SseEvent) -> list[SseEvent]:
        obj = event.obj
        if self.released or obj is None:
            return [event]
        kind = obj.get("type")
        index = obj.get("index")
        if isinstance(index, int) and not isinstance(index, bool):
            self._last_index = max(self._last_index, index)
        if kind == "content_block_start" and self._parts and self._parts[-1] != "\n":
            self._parts.append("\n")
        block = obj.get("content_block") or obj.get("delta")
        if kind in ("content_block_start", "content_block_delta") and isinstance(block, dict):
            text = block.get("text")
            if block.get("type") in ("text", "text_delta") and isinstance(text, str) and text:
                self._parts.append(text)
                if self.replace:
                    obj = copy.deepcopy(obj)
                    (obj.get("content_block") or obj["delta"])["text"] = ""
                    event = SseEvent.of(obj, event.event)
        if kind in ("message_delta", "message_stop"):
            return self.hold(event)
        return [event]

    def release(self, note: str | None) -> list[SseEvent]:
        held = self.take_held()
        if note is None:
            return held
        index = self._last_index + 1
        block: list[dict[str, Any]] = [
            {"type": "content_block_start", "index": index, "content_block": {"type": "text", "text": ""}},
            {"type": "content_block_delta", "index": index, "delta": {"type": "text_delta", "text": note.lstrip("\n")}},
            {"type": "content_block_stop", "index": index},
        ]
        return [*(SseEvent.of(b, str(b["type"])) for b in block), *held]


def error_body(kind: str, message: str) -> dict[str, Any]:
    return {"type": "error", "error": {"type": kind, "message": message}}


API = Api("messages", True, add_instructions, answer_text, write_note, MessagesEditor, error_body)
