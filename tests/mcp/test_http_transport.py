"""``slopguard mcp --http``: streamable HTTP on 127.0.0.1, started once on a free port."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import anyio
import httpx
import pytest
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp_harness import FLASK_SQL, Registry, server_environment

START_TIMEOUT_S = 60.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def http_url(registry: Registry, workspace: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = _free_port()
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path_factory.mktemp("home"))}
    env |= server_environment(registry, tmp_path_factory.mktemp("cache"))
    command = [sys.executable, "-m", "slopguard", "mcp", "--http", "--port", str(port), "--root", str(workspace)]
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + START_TIMEOUT_S
    try:
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"server did not start: {proc.stderr.read() if proc.stderr else b''!r}"
                    ) from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_tools_over_streamable_http(http_url: str) -> None:
    async def session() -> tuple[set[str], dict[str, object] | None]:
        async with streamable_http_client(http_url) as (read, write), ClientSession(read, write) as client:
            await client.initialize()
            names = {t.name for t in (await client.list_tools()).tools}
            result = await client.call_tool("scan_code", {"code": FLASK_SQL, "verify_packages": False})
            return names, result.structured_content

    names, result = anyio.run(session)
    assert "scan_code" in names and "check_packages" in names
    assert result is not None and result["verdict"] == "findings"


def test_a_foreign_host_header_is_refused(http_url: str) -> None:
    """DNS rebinding: a web page whose name resolves to 127.0.0.1 must not reach the tools."""
    reply = httpx.post(
        http_url, json={}, headers={"Host": "attacker.example", "Accept": "application/json"}, trust_env=False
    )
    assert reply.status_code in (400, 403, 421)
