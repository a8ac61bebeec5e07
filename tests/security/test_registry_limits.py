"""A registry that answers too much, too slowly or not at all leaves the package unknown, at bounded cost.

The servers here are raw sockets on 127.0.0.1 so they can do what a hostile or broken registry does: stream
200 MB, drip one byte at a time, stall after accepting, or reset the connection.
"""

from __future__ import annotations

import asyncio
import socket
import struct
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from slopguard.deps.model import Check, Ecosystem, PackageRef, PackageReport, RegistryError
from slopguard.deps.options import VerifyOptions
from slopguard.deps.pypi import PyPIClient
from slopguard.deps.service import MAX_DOCUMENT_BYTES, MAX_PACKUMENT_BYTES, MIB, HttpPolicy
from slopguard.deps.verify import verify

HUGE = 200 * MIB
CHUNK = b" " * (64 * 1024)
NAME = "zqxv-registry-probe"  # far from every popular name: no typosquat signal hides the verdict


class RawServer:
    """Accepts connections on 127.0.0.1 and hands each to ``behave(server, conn)`` after reading the request."""

    def __init__(self, behave: Callable[[RawServer, socket.socket], None]) -> None:
        self.behave = behave
        self.stop = threading.Event()
        self.sent = 0
        self.requests = 0
        self._lock = threading.Lock()
        self._sock = socket.create_server(("127.0.0.1", 0))
        self._sock.settimeout(0.1)
        self._threads: list[threading.Thread] = []
        self._accepting = threading.Thread(target=self._accept, daemon=True)
        self._accepting.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._sock.getsockname()[1]}"

    def send(self, conn: socket.socket, data: bytes) -> bool:
        """Send ``data``; False once the client has gone away."""
        try:
            conn.sendall(data)
        except OSError:
            return False
        with self._lock:
            self.sent += len(data)
        return True

    def close(self) -> None:
        self.stop.set()
        self._accepting.join(timeout=5)
        for thread in self._threads:
            thread.join(timeout=5)
        self._sock.close()

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            thread = threading.Thread(target=self._handle, args=(conn,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _handle(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(5)
            head = b""
            try:
                while b"\r\n\r\n" not in head:
                    data = conn.recv(65536)
                    if not data:
                        return
                    head += data
            except OSError:
                return
            with self._lock:
                self.requests += 1
            self.behave(self, conn)


@pytest.fixture
def serve() -> Iterator[Callable[[Callable[[RawServer, socket.socket], None]], RawServer]]:
    servers: list[RawServer] = []

    def start(behave: Callable[[RawServer, socket.socket], None]) -> RawServer:
        servers.append(RawServer(behave))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def huge_answer(document_head: bytes, *, declare_length: bool) -> Callable[[RawServer, socket.socket], None]:
    """A 200 MB JSON answer (a valid document padded with spaces), with or without a Content-Length."""

    def behave(server: RawServer, conn: socket.socket) -> None:
        length = f"Content-Length: {HUGE}\r\n" if declare_length else "Connection: close\r\n"
        headers = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n{length}\r\n".encode()
        if not server.send(conn, headers + document_head):
            return
        remaining = HUGE - len(document_head) - 2
        while remaining > 0 and not server.stop.is_set():
            piece = CHUNK[: min(len(CHUNK), remaining)]
            if not server.send(conn, piece):
                return
            remaining -= len(piece)
        server.send(conn, b'"}')

    return behave


def stall(server: RawServer, conn: socket.socket) -> None:
    """Accept the request, then never answer."""
    server.stop.wait(10)


def drip(server: RawServer, conn: socket.socket) -> None:
    """Promise a small document, then send it a byte at a time, each well within any read time-out."""
    if not server.send(conn, b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 4096\r\n\r\n"):
        return
    while not server.stop.wait(0.05):
        if not server.send(conn, b" "):
            return


def reset(server: RawServer, conn: socket.socket) -> None:
    """Reset the connection (RST) instead of answering."""
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def reset_mid_body(server: RawServer, conn: socket.socket) -> None:
    """Start a JSON answer, then reset the connection."""
    server.send(conn, b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 900\r\n\r\n{"info": {')
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def verify_one(
    ref: PackageRef, tmp_path: Path, *, pypi_index: str | None = None, npm_registry: str | None = None
) -> tuple[PackageReport, int]:
    """Verify ``ref`` without the cache; the report and the peak of memory allocated meanwhile."""
    options = VerifyOptions(
        use_cache=False, timeout=2.0, project_dir=tmp_path, pypi_index=pypi_index, npm_registry=npm_registry
    )
    tracemalloc.start()
    try:
        (report,) = verify([ref], options)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return report, peak


def assert_unknown(report: PackageReport, *reason: str) -> None:
    assert report.verdict == Check.UNKNOWN.value, report.signals
    message = report.signals[0].message
    assert all(part in message for part in reason), message


@pytest.mark.parametrize("declare_length", [True, False], ids=["content-length", "until-close"])
def test_a_200_mb_pypi_answer_is_unknown_and_costs_bounded_memory(
    serve: Callable[..., RawServer], tmp_path: Path, declare_length: bool
) -> None:
    head = b'{"info": {"name": "%s", "version": "1.0"}, "releases": {}, "vulnerabilities": [], "pad": "' % (
        NAME.encode()
    )
    server = serve(huge_answer(head, declare_length=declare_length))
    report, peak = verify_one(PackageRef(Ecosystem.PYPI, NAME), tmp_path, pypi_index=f"{server.url}/simple/")
    assert_unknown(report, "registry answer too large")
    assert report.facts is None
    assert peak < MAX_DOCUMENT_BYTES + 24 * MIB
    assert server.requests == 1  # too large is not retried
    assert server.sent < HUGE // 4


def test_a_200_mb_npm_packument_is_unknown_and_costs_bounded_memory(
    serve: Callable[..., RawServer], tmp_path: Path
) -> None:
    head = b'{"name": "%s", "dist-tags": {"latest": "1.0.0"}, "versions": {"1.0.0": {}}, "pad": "' % NAME.encode()
    server = serve(huge_answer(head, declare_length=False))
    report, peak = verify_one(PackageRef(Ecosystem.NPM, NAME), tmp_path, npm_registry=f"{server.url}/")
    assert_unknown(report, "registry answer too large")
    assert peak < MAX_PACKUMENT_BYTES + 32 * MIB
    assert server.sent < HUGE // 2


@pytest.mark.parametrize(
    ("behave", "reason"),
    [(stall, "timed out"), (drip, "timed out"), (reset, "connection failed"), (reset_mid_body, "connection failed")],
    ids=["stall", "drip", "reset", "reset-mid-body"],
)
def test_a_stalling_or_resetting_registry_is_unknown(
    serve: Callable[..., RawServer], tmp_path: Path, behave: Callable[[RawServer, socket.socket], None], reason: str
) -> None:
    server = serve(behave)
    options = VerifyOptions(use_cache=False, timeout=0.5, project_dir=tmp_path, pypi_index=f"{server.url}/simple/")
    (report,) = verify([PackageRef(Ecosystem.PYPI, NAME)], options)
    assert_unknown(report, reason, "3 attempts")
    assert report.facts is None


@pytest.mark.parametrize("behave", [stall, drip], ids=["stall", "drip"])
def test_each_attempt_ends_within_the_configured_timeout(
    serve: Callable[..., RawServer], behave: Callable[[RawServer, socket.socket], None]
) -> None:
    """The time-out bounds an attempt as a whole: a server dripping bytes cannot stretch it."""
    server = serve(behave)
    policy = HttpPolicy(timeout=0.5, tries=2, backoff=0.01)

    async def ask() -> None:
        async with PyPIClient(f"{server.url}/simple/", policy=policy) as client:
            await client.facts(NAME)

    started = time.monotonic()
    with pytest.raises(RegistryError, match=r"timed out after 0.5 s \(2 attempts\)"):
        asyncio.run(ask())
    elapsed = time.monotonic() - started
    assert elapsed < policy.tries * policy.timeout * 2  # one time-out per attempt, with room for a slow machine
    assert server.requests == 2
