"""One ``slopguard mcp`` process per test module, driven by the SDK's own client, and a local registry."""

from __future__ import annotations

import sys
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from anyio.from_thread import start_blocking_portal
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp_harness import FLASK_SQL, Client, Registry, git, server_environment


@pytest.fixture(scope="module")
def registry() -> Iterator[Registry]:
    server = Registry()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A git repository with one committed file, then a change: a new file with the Flask SQL flaw."""
    base = tmp_path_factory.mktemp("mcp")
    root = base / "project"
    root.mkdir()
    (base / "outside.py").write_text('password = "hunter2-but-longer"\n', encoding="utf-8")
    (root / "README.md").write_text("# demo\n", encoding="utf-8")
    git(root, "init", "-q")
    git(root, "add", "README.md")
    git(root, "commit", "-q", "-m", "start")
    (root / "app.py").write_text(FLASK_SQL, encoding="utf-8")
    (root / "escape.py").symlink_to(base / "outside.py")
    return root


@pytest.fixture(scope="module")
def client(registry: Registry, workspace: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "slopguard", "mcp", "--root", str(workspace)],
        env=server_environment(registry, tmp_path_factory.mktemp("cache")),
        cwd=workspace,
    )

    @asynccontextmanager
    async def connect() -> AsyncIterator[ClientSession]:
        async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            yield session

    with start_blocking_portal() as portal, portal.wrap_async_context_manager(connect()) as session:
        yield Client(portal, session)
