"""Server-sent events and the stream editors, without a network: parsing across chunk boundaries, the byte
limit, where the note goes, and what a blocked stream still carries."""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from slopguard.gateway import chat, messages, responses
from slopguard.gateway.editing import StreamEditor, edit
from slopguard.gateway.sse import SseEvent, StreamInterrupted, read_events

NOTE = "\n\n---\nslopguard: 1 problem(s)\n"


async def _chunks(parts: list[bytes]) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


def parse(parts: list[bytes], limit: int = 10_000) -> tuple[list[SseEvent], str | None]:
    async def go() -> tuple[list[SseEvent], str | None]:
        got: list[SseEvent] = []
        try:
            async for event in read_events(_chunks(parts), limit):
                got.append(event)
        except StreamInterrupted as exc:
            return got, str(exc)
        return got, None

    return asyncio.run(go())


def run_editor(editor: StreamEditor, events: list[SseEvent], note: str | None) -> tuple[list[SseEvent], list[str]]:
    seen: list[str] = []

    async def note_for(text: str, cut: str | None) -> str | None:
        seen.append(text)
        return note

    async def source() -> AsyncIterator[SseEvent]:
        for event in events:
            yield event

    async def go() -> list[SseEvent]:
        return [e async for e in edit(source(), editor, note_for)]

    return asyncio.run(go()), seen


def test_events_split_across_chunks_and_crlf() -> None:
    stream = b'event: a\r\ndata: {"x": 1}\r\n\r\n: keep-alive\n\ndata: line one\ndata: line two\n\ndata: [DONE]'
    cuts = [stream[:9], stream[9:20], stream[20:21], stream[21:22], stream[22:]]  # a CR and its LF apart
    events, cut = parse(cuts)
    assert cut is None
    assert [(e.event, e.data) for e in events] == [("a", '{"x": 1}'), (None, "line one\nline two"), (None, "[DONE]")]
    assert events[0].obj == {"x": 1}


def test_the_byte_limit_ends_the_stream() -> None:
    events, cut = parse([b"data: 1\n\n", b"data: 2\n\n", b"data: 3\n\n"], limit=20)
    assert [e.data for e in events] == ["1", "2"]
    assert cut == "the answer exceeded 20 bytes and was cut off"


def test_encode_round_trip() -> None:
    event = SseEvent.of({"type": "x", "text": "a\nb"}, "x")
    (back,), _ = parse([event.encode()])
    assert back.event == "x" and back.obj == {"type": "x", "text": "a\nb"}


def _chunk(content: str | None, finish: str | None = None) -> SseEvent:
    delta = {} if content is None else {"content": content}
    return SseEvent.of({"id": "c1", "created": 1, "model": "m", "object": "chat.completion.chunk",
                        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})  # fmt: skip


def _choices(events: list[SseEvent]) -> list[dict[str, Any]]:
    return [c for e in events for c in (e.obj or {}).get("choices", [])]


def _content(events: list[SseEvent]) -> str:
    return "".join(c["delta"].get("content") or "" for c in _choices(events))


def test_chat_note_goes_before_a_finish_chunk_that_carries_content() -> None:
    events = [_chunk("one "), _chunk("two", "stop"), SseEvent.of({"choices": [], "usage": {"total_tokens": 3}}),
              SseEvent("[DONE]")]  # fmt: skip
    out, seen = run_editor(chat.ChatEditor(False), events, NOTE)
    assert seen == ["one two"]
    assert _content(out) == "one two" + NOTE
    assert [c["finish_reason"] for c in _choices(out)] == [None, None, "stop"]
    assert out[-2].obj == {"choices": [], "usage": {"total_tokens": 3}}
    assert out[-1].data == "[DONE]"


def test_chat_without_a_finish_chunk_notes_before_done_and_a_clean_answer_is_untouched() -> None:
    out, _ = run_editor(chat.ChatEditor(False), [_chunk("a"), SseEvent("[DONE]")], NOTE)
    assert _content(out) == "a" + NOTE and out[-1].data == "[DONE]"
    events = [_chunk("a"), _chunk(None, "stop"), SseEvent("[DONE]")]
    out, _ = run_editor(chat.ChatEditor(False), events, None)
    assert [e.data for e in out] == [e.data for e in events]


def test_chat_blocked_stream_carries_only_the_refusal() -> None:
    out, seen = run_editor(chat.ChatEditor(True), [_chunk("secret code"), _chunk(None, "stop")], "refused")
    assert seen == ["secret code"] and _content(out) == "refused"


def _messages_stream(texts: list[str]) -> list[SseEvent]:
    raw: list[dict[str, Any]] = [{"type": "message_start", "message": {"id": "m", "content": []}}]
    for i, text in enumerate(texts):
        raw += [{"type": "content_block_start", "index": i, "content_block": {"type": "text", "text": ""}},
                {"type": "content_block_delta", "index": i, "delta": {"type": "text_delta", "text": text}},
                {"type": "content_block_stop", "index": i}]  # fmt: skip
    raw += [{"type": "message_delta", "delta": {"stop_reason": "end_turn"}}, {"type": "message_stop"}]
    return [SseEvent.of(r, r["type"]) for r in raw]


def test_messages_note_is_a_new_block_before_message_delta() -> None:
    out, seen = run_editor(messages.MessagesEditor(False), _messages_stream(["a", "b"]), NOTE)
    assert seen == ["a\nb"]
    kinds = [(e.event, (e.obj or {}).get("index")) for e in out]
    assert kinds[-5:] == [("content_block_start", 2), ("content_block_delta", 2), ("content_block_stop", 2),
                          ("message_delta", None), ("message_stop", None)]  # fmt: skip
    assert out[-4].obj == {"type": "content_block_delta", "index": 2, "delta": {"type": "text_delta", "text": NOTE[2:]}}


def _responses_stream(parts: list[str]) -> list[SseEvent]:
    raw: list[dict[str, Any]] = [{"type": "response.created", "response": {"output": []}}]
    content = []
    for j, text in enumerate(parts):
        where = {"item_id": "msg_1", "output_index": 0, "content_index": j}
        part = {"type": "output_text", "text": text}
        content.append(part)
        raw += [{"type": "response.output_text.delta", **where, "delta": text},
                {"type": "response.output_text.done", **where, "text": text},
                {"type": "response.content_part.done", **where, "part": part}]  # fmt: skip
    item = {"type": "message", "id": "msg_1", "content": content}
    raw += [{"type": "response.output_item.done", "output_index": 0, "item": item},
            {"type": "response.completed", "response": {"output": [item]}}]  # fmt: skip
    return [SseEvent.of({**r, "sequence_number": n}, r["type"]) for n, r in enumerate(raw)]


def test_responses_note_joins_the_last_part_and_every_copy_of_it() -> None:
    out, seen = run_editor(responses.ResponsesEditor(False), _responses_stream(["first", "last"]), NOTE)
    assert seen == ["first\nlast"]
    objs = [e.obj or {} for e in out]
    assert [o["sequence_number"] for o in objs] == list(range(len(objs)))
    note_at = next(i for i, o in enumerate(objs) if o.get("delta") == NOTE)
    assert objs[note_at]["content_index"] == 1 and objs[note_at + 1]["type"] == "response.output_text.done"
    assert objs[note_at + 1]["text"] == "last" + NOTE
    final = objs[-1]["response"]["output"][0]["content"]
    assert [p["text"] for p in final] == ["first", "last" + NOTE]
    assert objs[2]["text"] == "first"  # the first part's done event passed unchanged


def test_responses_blocked_stream_keeps_no_text_but_the_refusal() -> None:
    out, _ = run_editor(responses.ResponsesEditor(True), _responses_stream(["bad", "worse"]), "refused")
    dumped = json.dumps([e.obj for e in out])
    assert "bad" not in dumped and "worse" not in dumped
    final = (out[-1].obj or {})["response"]["output"][0]["content"]
    assert [p["text"] for p in final] == ["", "refused"]


@pytest.mark.parametrize(
    ("api", "body", "field"),
    [
        (chat, {"messages": [{"role": "user", "content": "hi"}]}, None),
        (responses, {"input": "hi"}, "instructions"),
        (messages, {"messages": [], "system": [{"type": "text", "text": "Be brief."}]}, "system"),
    ],
)
def test_instructions_are_added(api: Any, body: dict[str, Any], field: str | None) -> None:
    before = copy.deepcopy(body)
    out = api.add_instructions(body, "RULES")
    if api is chat:
        assert out["messages"][0] == {"role": "system", "content": "RULES"}
    elif api is messages:
        assert out["system"] == [{"type": "text", "text": "Be brief."}, {"type": "text", "text": "RULES"}]
    else:
        assert out[field] == "RULES"
    assert body == before  # the request given is not changed in place
