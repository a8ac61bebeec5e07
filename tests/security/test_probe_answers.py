"""`slopguard probe` judges only answers it really got, read within a cap: a body over the cap is reported as
"answer too large" after a bounded read, a server that accepts and then stalls yields no header findings from
answers that never came, and in both cases the run exits 3 (incomplete) instead of 0 (clean)."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from click.testing import CliRunner, Result

from slopguard.cli.probe import EXIT_INCOMPLETE, probe_command
from slopguard.probe.client import MAX_BODY_BYTES

# Headers that leave the header checks nothing to report on a plain-text answer.
CLEAN_HEADERS = (
    "Content-Type: text/plain\r\nX-Content-Type-Options: nosniff\r\nReferrer-Policy: no-referrer\r\n"
    "Connection: close\r\n"
)
OFFERED = 64 * 1024 * 1024  # what the large-body server offers per answer
Handler = Callable[[socket.socket, int], None]


class RawServer:
    """A TCP server on 127.0.0.1 that hands connection number ``n`` to ``handle(conn, n)``, each in a thread."""

    def __init__(self, handle: Handler) -> None:
        self.handle = handle
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.05)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.done = threading.Event()
        self.workers: list[threading.Thread] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        count = 0
        while not self.done.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            worker = threading.Thread(target=self._run, args=(conn, count), daemon=True)
            self.workers.append(worker)
            worker.start()
            count += 1

    def _run(self, conn: socket.socket, number: int) -> None:
        with conn, contextlib.suppress(OSError):  # OSError: the client hung up
            self.handle(conn, number)

    def close(self) -> None:
        self.done.set()
        self.thread.join(5)
        for worker in self.workers:
            worker.join(5)
        self.sock.close()


@contextmanager
def serving(handle: Handler) -> Iterator[RawServer]:
    server = RawServer(handle)
    try:
        yield server
    finally:
        server.close()


def read_request(conn: socket.socket) -> None:
    conn.settimeout(5)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            return
        data += chunk


def probe(url: str, *args: str) -> Result:
    return CliRunner().invoke(
        probe_command, [url, "--endpoint", "GET /items?q=lamp", "--rate", "0", "--format", "json", *args]
    )


def large_answers(sent: list[int]) -> Handler:
    """A handler that answers every request with OFFERED bytes and records how many it got to send."""

    def large(conn: socket.socket, number: int) -> None:
        read_request(conn)
        conn.sendall(f"HTTP/1.1 200 OK\r\n{CLEAN_HEADERS}Content-Length: {OFFERED}\r\n\r\n".encode())
        chunk, total = b"x" * 65536, 0
        try:
            while total < OFFERED:
                conn.sendall(chunk)
                total += len(chunk)
        finally:
            sent.append(total)

    return large


def test_a_large_body_is_read_up_to_the_cap_and_reported() -> None:
    sent: list[int] = []
    with serving(large_answers(sent)) as server:
        result = probe(server.url, "--checks", "headers", "--timeout", "5")
    assert result.exit_code == EXIT_INCOMPLETE, result.output
    doc = json.loads(result.stdout)
    assert doc["findings"] == []
    incomplete = doc["summary"]["probe"]["incomplete"]
    assert any(line.startswith("headers: ") and "answer too large" in line for line in incomplete), incomplete
    assert sent and max(sent) < OFFERED // 2, f"the probe read {max(sent)} bytes of one answer"
    assert max(sent) >= MAX_BODY_BYTES  # the cap was reached, not some error before it


def test_a_large_openapi_document_is_refused() -> None:
    sent: list[int] = []
    with serving(large_answers(sent)) as server:
        result = CliRunner().invoke(probe_command, [server.url, "--openapi", f"{server.url}/openapi.json"])
    assert result.exit_code == 2 and "answer too large" in result.stderr, result.output
    assert sent and max(sent) < OFFERED // 2


def stall(conn: socket.socket) -> None:
    """Read the request, then say nothing until the client gives up."""
    read_request(conn)
    conn.settimeout(30)
    conn.recv(1)


def test_a_server_that_never_answers_gives_no_findings_and_an_incomplete_run() -> None:
    with serving(lambda conn, number: stall(conn)) as server:
        result = probe(server.url, "--checks", "headers", "--timeout", "0.5")
    assert result.exit_code == EXIT_INCOMPLETE, result.output
    doc = json.loads(result.stdout)
    assert doc["findings"] == [], "findings from answers that never came"
    stats = doc["summary"]["probe"]
    assert "sent no answer" in stats["stopped"] and "0.5s" in stats["stopped"]
    assert any(line.startswith("headers: not run") for line in stats["incomplete"]), stats["incomplete"]


def test_a_server_that_stalls_after_its_first_answer_gives_no_header_findings() -> None:
    def first_only(conn: socket.socket, number: int) -> None:
        if number > 0:
            stall(conn)
            return
        read_request(conn)
        conn.sendall(f"HTTP/1.1 200 OK\r\n{CLEAN_HEADERS}Content-Length: 2\r\n\r\nok".encode())

    with serving(first_only) as server:
        result = probe(server.url, "--checks", "headers", "--timeout", "0.5")
        text = CliRunner().invoke(probe_command, [server.url, "--checks", "headers", "--timeout", "0.5"])
    assert result.exit_code == EXIT_INCOMPLETE, result.output
    doc = json.loads(result.stdout)
    assert doc["findings"] == [], "header findings from an answer that never came"
    incomplete = doc["summary"]["probe"]["incomplete"]
    assert any(line.startswith("headers: unknown for GET /") and "no answer within 0.5s" in line for line in incomplete)
    assert text.exit_code == EXIT_INCOMPLETE and "not checked: headers" in text.output
