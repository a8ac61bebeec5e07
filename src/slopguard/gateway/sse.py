"""Server-sent events: parsed from an upstream byte stream (bounded) and written back.

Only the ``event`` and ``data`` fields matter to the model APIs; comments (keep-alives) are dropped.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass, field
from typing import Any


class StreamInterrupted(Exception):
    """The upstream stream ended early: a network error, a time-out, or the byte limit; the message says which."""


@dataclass
class SseEvent:
    """One event: its name (None for the default ``message``) and its data, parsed when it is JSON."""

    data: str
    event: str | None = None
    payload: Any = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.payload is None and self.data[:1] in ("{", "["):
            try:
                self.payload = json.loads(self.data)
            except ValueError:
                self.payload = None

    @property
    def obj(self) -> dict[str, Any] | None:
        """The data as a JSON object, or None."""
        return self.payload if isinstance(self.payload, dict) else None

    @classmethod
    def of(cls, obj: dict[str, Any], event: str | None = None) -> SseEvent:
        return cls(json.dumps(obj, separators=(",", ":"), ensure_ascii=False), event, obj)

    def encode(self) -> bytes:
        head = f"event: {self.event}\n" if self.event else ""
        body = "".join(f"data: {line}\n" for line in self.data.split("\n"))
        return (head + body + "\n").encode("utf-8")


def _parse(block: str) -> SseEvent | None:
    event: str | None = None
    data: list[str] = []
    for line in block.split("\n"):
        if not line or line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "event":
            event = value
        elif name == "data":
            data.append(value)
    return SseEvent("\n".join(data), event) if data or event else None


async def read_events(chunks: AsyncIterable[bytes], limit: int) -> AsyncIterator[SseEvent]:
    """The events in a byte stream; raises StreamInterrupted once more than ``limit`` bytes have arrived (the
    events before that point have been yielded)."""
    received = 0
    buffer = ""
    carried_cr = False  # a CR at the end of a chunk may be the first half of a CRLF
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    async for chunk in chunks:
        received += len(chunk)
        if received > limit:
            raise StreamInterrupted(f"the answer exceeded {limit} bytes and was cut off")
        text = ("\r" if carried_cr else "") + decoder.decode(chunk)
        carried_cr = text.endswith("\r")
        buffer += (text[:-1] if carried_cr else text).replace("\r\n", "\n").replace("\r", "\n")
        *blocks, buffer = buffer.split("\n\n")
        for block in blocks:
            parsed = _parse(block)
            if parsed is not None:
                yield parsed
    buffer += decoder.decode(b"", final=True)
    parsed = _parse(buffer.strip("\n"))
    if parsed is not None:
        yield parsed
