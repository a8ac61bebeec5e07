"""A small JSON-RPC client that drives ``slopguard lsp`` as an editor would: over the server's stdin and stdout."""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

# Generous: a hung server fails the test; a slow machine does not.
WAIT_SECONDS = 120

Message = dict[str, Any]


class LspError(Exception):
    """The server answered a request with an error."""


class LspClient:
    """Starts ``python -m slopguard lsp ARGS`` in ``cwd`` and exchanges framed JSON-RPC messages with it."""

    def __init__(self, args: list[str], cwd: Path) -> None:
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - closed in close(), with the pipes
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "slopguard", "lsp", *args],
            cwd=cwd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
        )
        self._inbox: queue.Queue[Message | None] = queue.Queue()
        self._seen: list[Message] = []  # received, not yet taken by a wait
        self._write_lock = threading.Lock()
        self._next_id = 0
        self.server_requests: list[Message] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        stream = self.proc.stdout
        while True:
            length = 0
            while True:
                line = stream.readline()
                if not line:
                    self._inbox.put(None)
                    return
                if line in (b"\r\n", b"\n"):
                    break
                name, _, value = line.decode("ascii").partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
            message: Message = json.loads(stream.read(length))
            if "method" in message and "id" in message:  # a request from the server: the editor answers null
                self.server_requests.append(message)
                self._send({"jsonrpc": "2.0", "id": message["id"], "result": None})
                continue
            self._inbox.put(message)

    def _send(self, payload: Message) -> None:
        body = json.dumps(payload).encode()
        assert self.proc.stdin is not None
        with self._write_lock:
            self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
            self.proc.stdin.flush()

    def notify(self, method: str, params: Any) -> None:
        self._send({"jsonrpc": "2.0", "method": method, "params": params})

    def request(self, method: str, params: Any) -> Any:
        self._next_id += 1
        ident = self._next_id
        self._send({"jsonrpc": "2.0", "id": ident, "method": method, "params": params})
        answer = self.wait_for(lambda m: m.get("id") == ident and "method" not in m)
        if "error" in answer:
            raise LspError(answer["error"].get("message", ""))
        return answer.get("result")

    def wait_for(self, wanted: Callable[[Message], bool]) -> Message:
        """The first message (already received or still to come) that ``wanted`` accepts."""
        for i, message in enumerate(self._seen):
            if wanted(message):
                return self._seen.pop(i)
        while True:
            try:
                received = self._inbox.get(timeout=WAIT_SECONDS)
            except queue.Empty:
                raise AssertionError(f"no awaited message from the server in {WAIT_SECONDS} s") from None
            if received is None:
                raise AssertionError(f"the server exited: {self.stderr_text()}")
            if wanted(received):
                return received
            self._seen.append(received)

    def diagnostics(self, uri: str, version: int) -> list[Message]:
        """The diagnostics the server publishes for ``uri`` at ``version``."""
        message = self.wait_for(
            lambda m: (
                m.get("method") == "textDocument/publishDiagnostics"
                and m["params"]["uri"] == uri
                and m["params"].get("version") == version
            )
        )
        found: list[Message] = message["params"]["diagnostics"]
        return found

    def initialize(self, root: Path) -> Message:
        result: Message = self.request(
            "initialize",
            {"processId": None, "rootUri": root.as_uri(), "capabilities": {}, "workspaceFolders": None},
        )
        self.notify("initialized", {})
        return result

    def open(self, uri: str, language_id: str, text: str, version: int = 1) -> None:
        item = {"uri": uri, "languageId": language_id, "version": version, "text": text}
        self.notify("textDocument/didOpen", {"textDocument": item})

    def replace(self, uri: str, text: str, version: int) -> None:
        """Send the whole new text as one change (valid under incremental sync too)."""
        self.notify(
            "textDocument/didChange",
            {"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]},
        )

    def stop(self, *, shutdown: bool = True) -> int:
        """Shut down (unless told not to), exit, and return the server's exit code."""
        if shutdown:
            self.request("shutdown", None)
        self.notify("exit", None)
        try:
            return self.proc.wait(timeout=WAIT_SECONDS)
        finally:
            self.close()

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                stream.close()
        self._stderr.close()

    def stderr_text(self) -> str:
        self._stderr.seek(0)
        return self._stderr.read().decode("utf-8", "replace")[-2000:]


def apply_edit(text: str, edits: list[Message]) -> str:
    """Apply TextEdits to ``text`` (ASCII lines, so UTF-16 columns are characters), last first."""
    lines = text.split("\n")

    def offset(position: Message) -> int:
        line, character = int(position["line"]), int(position["character"])
        return sum(len(row) + 1 for row in lines[:line]) + character

    for edit in sorted(edits, key=lambda e: offset(e["range"]["start"]), reverse=True):
        start, end = offset(edit["range"]["start"]), offset(edit["range"]["end"])
        text = text[:start] + edit["newText"] + text[end:]
    return text
