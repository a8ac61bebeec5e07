"""OpenAI responses (``/v1/responses``).

The instructions go into ``instructions``. The answer is every ``output_text`` part of the message items; the
note is appended to the last part. In a stream the events from that part's ``response.output_text.done`` on are
held until the response ends (a later text part releases them unchanged); the note is then one more
``response.output_text.delta`` before that ``done``, every event that repeats the part's text carries it too, and
the sequence numbers after it move up by one.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from slopguard.gateway.editing import Api, StreamEditor, appended
from slopguard.gateway.sse import SseEvent

PartKey = tuple[str, int]  # (item id, content index)
TextMap = Callable[[PartKey, str], str]
TERMINAL = frozenset({"response.completed", "response.incomplete", "response.failed"})
# Events that close a text part; while they follow the last part's done event, it may still be the last one.
CLOSING = frozenset({"response.output_text.done", "response.content_part.done", "response.output_item.done",
                     "response.output_text.annotation.added"})  # fmt: skip


def add_instructions(body: dict[str, Any], text: str) -> dict[str, Any]:
    """The request with ``text`` in its instructions. Raises ValueError for a malformed request."""
    if not isinstance(body.get("input"), str | list):
        raise ValueError("'input' must be a string or a list")
    if not text:
        return body
    merged = appended(body.get("instructions"), text)
    if merged is None:
        raise ValueError("'instructions' must be a string")
    return {**body, "instructions": merged}


def _item_parts(item: Any) -> list[tuple[PartKey, dict[str, Any]]]:
    if not isinstance(item, dict) or item.get("type", "message") != "message":
        return []
    content = item.get("content")
    if not isinstance(content, list):
        return []
    item_id = str(item.get("id", ""))
    return [
        ((item_id, j), part)
        for j, part in enumerate(content)
        if isinstance(part, dict) and part.get("type") == "output_text" and isinstance(part.get("text"), str)
    ]


def _parts(response: dict[str, Any]) -> list[tuple[PartKey, dict[str, Any]]]:
    output = response.get("output")
    return [found for item in output for found in _item_parts(item)] if isinstance(output, list) else []


def answer_text(response: dict[str, Any]) -> str:
    return "\n".join(part["text"] for _, part in _parts(response))


def _note_map(last: PartKey | None, note: str, replace: bool) -> TextMap:
    def edit(key: PartKey, text: str) -> str:
        if key == last:
            return note if replace else text + note
        return "" if replace else text

    return edit


def write_note(response: dict[str, Any], note: str, replace: bool) -> dict[str, Any]:
    """The response with ``note`` appended to its last text part (or in place of every part)."""
    response = copy.deepcopy(response)
    parts = _parts(response)
    if not parts:
        item = {"type": "message", "id": "msg_slopguard", "status": "completed", "role": "assistant",
                "content": [{"type": "output_text", "text": note.lstrip("\n"), "annotations": []}]}  # fmt: skip
        output = response.get("output")
        response["output"] = [*output, item] if isinstance(output, list) else [item]
        return response
    edit = _note_map(parts[-1][0], note, replace)
    for key, part in parts:
        part["text"] = edit(key, part["text"])
    return response


def _map_texts(obj: dict[str, Any], edit: TextMap) -> dict[str, Any]:
    """A copy of a stream event with every text of an ``output_text`` part it carries passed through ``edit``."""
    obj = copy.deepcopy(obj)
    kind = obj.get("type")
    key = (str(obj.get("item_id", "")), obj.get("content_index", 0))
    if kind == "response.output_text.done" and isinstance(obj.get("text"), str):
        obj["text"] = edit(key, obj["text"])
    part = obj.get("part")
    if kind == "response.content_part.done" and isinstance(part, dict) and isinstance(part.get("text"), str):
        part["text"] = edit(key, part["text"])
    items = [obj.get("item")] if kind == "response.output_item.done" else []
    if kind in TERMINAL and isinstance(obj.get("response"), dict):
        output = obj["response"].get("output")
        items = output if isinstance(output, list) else []
    for item in items:
        for found, found_part in _item_parts(item):
            found_part["text"] = edit(found, found_part["text"])
    return obj


class ResponsesEditor(StreamEditor):
    """Holds the events from the last text part's end to the response's end; the note goes just before them."""

    def __init__(self, replace: bool) -> None:
        super().__init__(replace)
        self._parts: list[str] = []
        self._last: PartKey | None = None
        self._where: dict[str, Any] = {}  # item_id, output_index, content_index of the last text part
        self._holding = False
        self._shift = 0  # sequence numbers move up by the events the gateway added

    def text(self) -> str:
        return "".join(self._parts)

    def _out(self, event: SseEvent, edit: TextMap | None = None) -> SseEvent:
        obj = event.obj
        if obj is None or (edit is None and not self._shift):
            return event
        obj = _map_texts(obj, edit) if edit else copy.deepcopy(obj)
        if self._shift and isinstance(obj.get("sequence_number"), int):
            obj["sequence_number"] += self._shift
        return SseEvent.of(obj, event.event)

    def push(self, event: SseEvent) -> list[SseEvent]:
        obj = event.obj
        if self.released or obj is None:
            return [self._out(event)]
        kind = obj.get("type")
        blank: TextMap | None = (lambda key, text: "") if self.replace else None
        if kind == "response.output_text.delta" and isinstance(obj.get("delta"), str):
            key = (str(obj.get("item_id", "")), obj.get("content_index", 0))
            if self._parts and key != self._last:
                self._parts.append("\n")
            self._parts.append(obj["delta"])
            self._last = key
            self._where = {k: obj.get(k) for k in ("item_id", "output_index", "content_index")}
            if self.replace:
                event = SseEvent.of({**obj, "delta": ""}, event.event)
        if kind in TERMINAL:
            return self.hold(event)
        if kind == "response.output_text.done":
            flushed = [self._out(e, blank) for e in self.held] if self.held else []
            self.held = [event]
            self._holding = True
            return flushed
        if self._holding and kind in CLOSING:
            self.held.append(event)
            return []
        flushed, self.held, self._holding = self.held, [], False
        return [self._out(e, blank) for e in [*flushed, event]]

    def release(self, note: str | None) -> list[SseEvent]:
        held = self.take_held()
        if note is None:
            return [self._out(e, (lambda key, text: "") if self.replace else None) for e in held]
        if self._last is None:  # no text part to carry the note: only the final response gets it
            return [self._final_only(e, note) for e in held]
        edit = _note_map(self._last, note, self.replace)
        at = next((i for i, e in enumerate(held) if _is_done_of(e, self._last)), 0)
        reference = held[at].obj if held else None
        delta: dict[str, Any] = {"type": "response.output_text.delta", **self._where, "delta": note, "logprobs": []}
        if reference is not None and isinstance(reference.get("sequence_number"), int):
            delta["sequence_number"] = reference["sequence_number"] + self._shift
        out = [self._out(e, edit) for e in held[:at]]
        out.append(SseEvent.of(delta, "response.output_text.delta"))
        self._shift += 1
        return [*out, *(self._out(e, edit) for e in held[at:])]

    def _final_only(self, event: SseEvent, note: str) -> SseEvent:
        obj = event.obj
        if obj is None or obj.get("type") not in TERMINAL or not isinstance(obj.get("response"), dict):
            return self._out(event)
        return self._out(SseEvent.of({**obj, "response": write_note(obj["response"], note, self.replace)}, event.event))


def _is_done_of(event: SseEvent, key: PartKey) -> bool:
    obj = event.obj or {}
    found = (str(obj.get("item_id", "")), obj.get("content_index", 0))
    return obj.get("type") == "response.output_text.done" and found == key


def error_body(kind: str, message: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "param": None, "code": None}}


API = Api("responses", False, add_instructions, answer_text, write_note, ResponsesEditor, error_body)
