"""What a long model run is doing right now, as one line: the ``bench`` and ``rci`` progress on a terminal.

The line is built here from events (a sample starts, a model call starts or ends, a sample ends); the commands
decide whether to show it (only on a terminal, never with ``--quiet`` or when stderr is piped).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from slopguard.llm.clients import ChatClient, Completion


class CountingClient:
    """A chat client that counts the calls waiting for an answer and those answered, for the progress line."""

    def __init__(self, client: ChatClient, on_change: Callable[[], None] | None = None) -> None:
        self._client = client
        self.model = client.model
        self.secret = client.secret
        self.waiting = 0
        self.answered = 0
        self._lock = threading.Lock()
        self._on_change = on_change

    def complete(self, messages: list[dict[str, str]], *, system: str | None) -> Completion:
        with self._lock:
            self.waiting += 1
        self._changed()
        try:
            return self._client.complete(messages, system=system)
        finally:
            with self._lock:
                self.waiting -= 1
                self.answered += 1
            self._changed()

    def _changed(self) -> None:
        if self._on_change is not None:
            self._on_change()


class LiveLine:
    """The bench's progress line: samples finished of those planned, failures, calls waiting, what is in flight."""

    def __init__(self, planned: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.planned = planned
        self.done = 0
        self.failed = 0
        self.last_error = ""
        self.clients: list[CountingClient] = []
        self._running: dict[tuple[str, str, int], float] = {}
        self._clock = clock
        self._lock = threading.Lock()

    def started(self, task_id: str, model: str, sample: int) -> None:
        with self._lock:
            self._running[(model, task_id, sample)] = self._clock()

    def finished(self, record: dict[str, Any]) -> None:
        with self._lock:
            self._running.pop((record["model"], record["task"], record["sample"]), None)
            self.done += 1
            if record["status"] != "ok":
                self.failed += 1
                self.last_error = str(record.get("error") or "")

    def text(self) -> str:
        """``12/93 samples · 1 failed · 4 calls waiting · model-a py-search #0 (21s)`` (the oldest in flight)."""
        with self._lock:
            parts = [f"{self.done}/{self.planned} samples"]
            if self.failed:
                parts.append(f"{self.failed} failed")
            waiting = sum(c.waiting for c in self.clients)
            if waiting:
                parts.append(f"{waiting} call{'s' if waiting != 1 else ''} waiting")
            if self._running:
                (model, task_id, sample), since = min(self._running.items(), key=lambda kv: kv[1])
                parts.append(f"{model} {task_id} #{sample} ({self._clock() - since:.0f}s)")
            if self.last_error:
                parts.append(f"last error: {self.last_error[:80]}")
        return " · ".join(parts)
