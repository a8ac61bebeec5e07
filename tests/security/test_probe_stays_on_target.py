"""`slopguard probe` never leaves its target: a route path from an OpenAPI document or from source code that
names another host (``@host:port/x``, ``//host/x``, an absolute URL, backslashes, percent-encoded slashes,
whitespace or control characters) is skipped with a message, and neither a request nor the user's credential
reaches a second server listening on 127.0.0.1."""

from __future__ import annotations

import json
import logging
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from slopguard.cli.probe import probe_command
from slopguard.probe.client import ProbeClient
from slopguard.probe.safety import Budget, Policy, RouteRefused, path_problem

TOKEN = "sg-secret-token-0123456789abcdef"
AUTH = f"Authorization: Bearer {TOKEN}"


class Listener:
    """A port on 127.0.0.1 that records every connection made to it and the first bytes sent there."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.05)
        self.address = f"127.0.0.1:{self.sock.getsockname()[1]}"
        self.received: list[bytes] = []
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.done.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(1)
                try:
                    self.received.append(conn.recv(65536) or b"(connected)")
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
                except OSError:
                    self.received.append(b"(connected)")

    def close(self) -> None:
        self.done.set()
        self.thread.join(5)
        self.sock.close()


class Target:
    """The service under test: records each request's path and whether it carried the credential."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, bool]] = []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        self.calls.append((request.method, request.path, TOKEN in request.headers.get("Authorization", "")))
        return Response("<p>items</p>", content_type="text/html")(environ, start_response)


@pytest.fixture
def other() -> Iterator[Listener]:
    listener = Listener()
    yield listener
    listener.close()


@pytest.fixture
def target() -> Iterator[tuple[str, Target]]:
    logging.getLogger("werkzeug").setLevel(logging.CRITICAL)
    app = Target()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", app
    server.shutdown()
    thread.join(5)


def hostile_paths(other: str) -> list[str]:
    return [
        f"@{other}/x",
        f"//{other}/x",
        f"http://{other}/x",
        f"/\\{other}/x",
        f"\\\\{other}/x",
        f"%2f%2f{other}/x",
        f"/%2f{other}/x",
        f"/%5c{other}/x",
        f" //{other}/x",
        f"\t@{other}/x",
        f"/x\r\nHost: {other}",
        f"/x%0d%0aHost: {other}",
    ]


def probe(*args: str) -> Result:
    return CliRunner().invoke(probe_command, [*args, "--auth-header", AUTH, "--rate", "0", "--format", "json"])


def openapi(tmp_path: Path, doc: dict[str, Any]) -> str:
    path = tmp_path / "openapi.json"
    path.write_text(json.dumps(doc))
    return str(path)


def operation() -> dict[str, Any]:
    return {"get": {"parameters": [{"name": "q", "in": "query", "example": "lamp"}]}}


def test_openapi_paths_that_name_another_host_are_skipped(
    tmp_path: Path, target: tuple[str, Target], other: Listener
) -> None:
    url, app = target
    hostile = hostile_paths(other.address)
    paths = {path: operation() for path in [*hostile, "/items"]}
    result = probe(url, "--openapi", openapi(tmp_path, {"openapi": "3.0.0", "paths": paths}))
    assert result.exit_code in (1, 3), result.output
    assert other.received == [], "a request left the target"
    incomplete = json.loads(result.stdout)["summary"]["probe"]["incomplete"]
    for path in hostile:
        assert any(f"GET {path!r}: not probed" in line for line in incomplete), path
    assert ("GET", "/items", True) in app.calls  # the safe route is still probed, with the credential
    assert not any(other.address in path for _, path, _ in app.calls)


def test_a_base_path_that_names_another_host_is_skipped(
    tmp_path: Path, target: tuple[str, Target], other: Listener
) -> None:
    url, _ = target
    doc = {"swagger": "2.0", "basePath": f"@{other.address}", "paths": {"/x": operation()}}
    result = probe(url, "--openapi", openapi(tmp_path, doc))
    assert other.received == []
    assert "not probed" in result.stdout and result.exit_code in (1, 3)


def test_routes_from_source_that_name_another_host_are_skipped(
    tmp_path: Path, target: tuple[str, Target], other: Listener
) -> None:
    url, app = target
    (tmp_path / "app.py").write_text(
        "from flask import Flask, request\napp = Flask(__name__)\n\n"
        f'@app.route("@{other.address}/x")\ndef x():\n    return request.args.get("q", "")\n\n'
        '@app.route("/items")\ndef items():\n    return request.args.get("q", "")\n'
    )
    (tmp_path / "server.js").write_text(f"app.get('//{other.address}/y', (req, res) => {{ res.send(req.query.q) }})\n")
    result = probe(url, "--from-source", str(tmp_path))
    assert other.received == [], "a request left the target"
    incomplete = json.loads(result.stdout)["summary"]["probe"]["incomplete"]
    assert any(f"@{other.address}/x" in line for line in incomplete)
    assert any(
        "GET '//127.0.0.1" in line and "/y'" in line for line in incomplete
    )  # Express reads ':port' as a parameter
    assert ("GET", "/items", True) in app.calls


def test_the_client_refuses_a_path_that_leaves_the_target(target: tuple[str, Target], other: Listener) -> None:
    url, app = target
    policy = Policy(url)
    client = ProbeClient(url, policy, Budget(100, 0, 60), default_creds={"Authorization": f"Bearer {TOKEN}"})
    try:
        for path in [f"@{other.address}/x", f"//{other.address}/x", f"/\\{other.address}", "/a b", "/a\nb"]:
            with pytest.raises(RouteRefused):
                client.send("GET", path)
        assert client.send("GET", f"/@{other.address}/x").status == 200  # '@' inside a path stays on the target
    finally:
        client.close()
    assert other.received == []
    assert app.calls == [("GET", f"/@{other.address}/x", True)]


@pytest.mark.parametrize(
    ("path", "sendable"),
    [
        ("/", True),
        ("/users/{id}", True),
        ("/users/@me", True),
        ("/files/a%20b", False),
        ("/a%2fb", True),
        ("//evil.example/x", False),
        ("/%2F%2Fevil.example", False),
        ("@evil.example/x", False),
        ("evil.example/x", False),
        ("/\\evil.example", False),
        ("/x\x00", False),
        ("", False),
    ],
)
def test_which_route_paths_may_be_sent(path: str, sendable: bool) -> None:
    assert (path_problem(path) is None) is sendable
