"""What every model API gives the gateway, and the one loop that edits a streamed answer.

An API module (``chat``, ``responses``, ``messages``) says how to add the instructions to a request, where an
answer's text is in a response, how to write a note into a response, and how to edit its event stream. A
:class:`StreamEditor` collects the text as the events pass, holds the events from the point where the note
belongs (after the last content, before the end of the message), and writes the note in when released.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from slopguard.gateway.sse import SseEvent, StreamInterrupted

# (answer text, why it ended early or None) -> the note to write in, or None for none
NoteFor = Callable[[str, str | None], Awaitable[str | None]]


class StreamEditor(ABC):
    """Edits one streamed answer. With ``replace`` (a blocked answer), text is emptied as it passes and the note
    is the whole answer."""

    def __init__(self, replace: bool) -> None:
        self.replace = replace
        self.waiting = False  # the text is complete: check it, then call release()
        self.released = False
        self.held: list[SseEvent] = []

    def hold(self, event: SseEvent) -> list[SseEvent]:
        """Keep an event that ends the answer until the text is checked; nothing to send now."""
        self.waiting = True
        self.held.append(event)
        return []

    def take_held(self) -> list[SseEvent]:
        """Mark the answer released and hand back what was held."""
        self.released = True
        held, self.held = self.held, []
        return held

    @abstractmethod
    def text(self) -> str:
        """The answer's text so far."""

    @abstractmethod
    def push(self, event: SseEvent) -> list[SseEvent]:
        """Take the next upstream event; return the events to send now (others are held)."""

    @abstractmethod
    def release(self, note: str | None) -> list[SseEvent]:
        """The held events, with ``note`` written in where it belongs; later events pass straight through."""


@dataclass(frozen=True)
class Api:
    """One model API as the gateway sees it."""

    name: str
    anthropic: bool  # forwarded to the Anthropic upstream
    add_instructions: Callable[[dict[str, Any], str], dict[str, Any]]
    answer_text: Callable[[dict[str, Any]], str]
    write_note: Callable[[dict[str, Any], str, bool], dict[str, Any]]  # (response, note, replace the answer)
    editor: Callable[[bool], StreamEditor]
    error_body: Callable[[str, str], dict[str, Any]]  # (error type, message) in the API's error shape


def appended(current: Any, addition: str) -> str | None:
    """``current`` (a string) with ``addition`` after a blank line, or None when ``current`` is not a string."""
    if current is None or current == "":
        return addition
    return f"{current}\n\n{addition}" if isinstance(current, str) else None


async def edit(events: AsyncIterable[SseEvent], editor: StreamEditor, note_for: NoteFor) -> AsyncIterator[SseEvent]:
    """Pass ``events`` through ``editor``: the note is asked for once the text is complete (or the stream ends,
    cut or not) and written in before the end of the message."""
    cut: str | None = None
    try:
        async for event in events:
            for out in editor.push(event):
                yield out
            if editor.waiting and not editor.released:
                for out in editor.release(await note_for(editor.text(), None)):
                    yield out
    except StreamInterrupted as exc:
        cut = str(exc)
    if not editor.released:
        for out in editor.release(await note_for(editor.text(), cut)):
            yield out


async def collect(events: AsyncIterable[SseEvent]) -> tuple[list[SseEvent], str | None]:
    """Every event of a stream (for blocking, which must see the whole answer first) and why it ended early."""
    got: list[SseEvent] = []
    try:
        async for event in events:
            got.append(event)
    except StreamInterrupted as exc:
        return got, str(exc)
    return got, None


async def replay(events: list[SseEvent]) -> AsyncIterator[SseEvent]:
    for event in events:
        yield event
