"""The probe's safety rails: loopback-only targets unless --allow-host, no request at all when it refuses,
clear exit-2 errors for unreachable services and malformed OpenAPI, idempotent methods only unless allowed,
dry runs that send nothing, and request/rate/time budgets that hold."""

from __future__ import annotations

import json
import logging
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner, Result
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from slopguard.cli.probe import probe_command
from slopguard.probe.safety import Budget, BudgetExhausted, ProbeError, check_target, is_loopback


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[httpx.Request]:
    """Every request that reaches the network layer (still passed through)."""
    seen: list[httpx.Request] = []
    original = httpx.HTTPTransport.handle_request

    def record(self: httpx.HTTPTransport, request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return original(self, request)

    monkeypatch.setattr(httpx.HTTPTransport, "handle_request", record)
    return seen


class Recorder:
    """A tiny service that remembers what it was sent: GET/POST /items, and /go which redirects off-site."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        self.calls.append((request.method, request.path))
        if request.path == "/go":
            response = Response("", 302, headers={"Location": "http://10.9.8.7/elsewhere"})
        else:
            response = Response("<p>items</p>", content_type="text/html")
        return response(environ, start_response)


@pytest.fixture
def recorder() -> Iterator[tuple[str, Recorder]]:
    logging.getLogger("werkzeug").setLevel(logging.CRITICAL)
    app = Recorder()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", app
    server.shutdown()
    thread.join(5)


def probe(*args: str) -> Result:
    return CliRunner().invoke(probe_command, list(args))


@pytest.mark.parametrize(
    "target", ["http://10.1.2.3:8080/", "https://192.168.1.10", "http://example.invalid/api", "http://127.0.0.1.nip.io"]
)
def test_non_loopback_target_is_refused_without_sending(target: str, sent: list[httpx.Request]) -> None:
    result = probe(target, "--endpoint", "GET /x?q=1")
    assert result.exit_code == 2
    assert "refusing to probe" in result.stderr and "--allow-host" in result.stderr
    assert sent == []


def test_allow_host_admits_the_named_host_only(sent: list[httpx.Request]) -> None:
    assert (
        check_target("http://Example.Invalid:8080/x", frozenset({"example.invalid"})) == "http://Example.Invalid:8080"
    )
    with pytest.raises(ProbeError):
        check_target("http://other.invalid/", frozenset({"example.invalid"}))
    result = probe(
        "http://example.invalid/", "--allow-host", "example.invalid", "--dry-run", "--endpoint", "GET /s?q=1"
    )
    assert result.exit_code == 0 and "GET http://example.invalid/s?q=" in result.stdout
    assert sent == []  # a dry run sends nothing, even to an allowed host
    assert all(is_loopback(h) for h in ("localhost", "127.0.0.1", "127.8.9.10", "[::1]", "api.localhost"))
    assert not any(is_loopback(h) for h in ("10.0.0.1", "localhost.example.com", "0.0.0.0"))


def test_unreachable_port_is_a_clear_error() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = probe(f"http://127.0.0.1:{port}/", "--endpoint", "GET /x?q=1")
    assert result.exit_code == 2
    assert f"cannot reach http://127.0.0.1:{port}" in result.stderr and "connection refused" in result.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON|neither JSON nor YAML"),
        (json.dumps({"openapi": "3.0.0", "info": {}}), "no 'paths' object"),
        (json.dumps(["paths"]), "not an OpenAPI document"),
    ],
)
def test_malformed_openapi_is_refused(tmp_path: Path, content: str, message: str, sent: list[httpx.Request]) -> None:
    spec = tmp_path / "openapi.json"
    spec.write_text(content)
    result = probe("http://127.0.0.1:9/", "--openapi", str(spec))
    assert result.exit_code == 2 and re.search(message, result.stderr) and str(spec) in result.stderr
    assert sent == []
    missing = probe("http://127.0.0.1:9/", "--openapi", str(tmp_path / "nope.json"))
    assert missing.exit_code == 2 and "cannot read the OpenAPI document" in missing.stderr


@pytest.mark.parametrize("arg", [["--identity", "alice"], ["--auth-header", "no colon"], ["--checks", "nuclear"]])
def test_bad_options_exit_2(arg: list[str]) -> None:
    result = probe("http://127.0.0.1:9/", *arg)
    assert result.exit_code == 2 and "error" in result.stderr


def test_post_routes_are_left_alone_without_allow_unsafe_methods(recorder: tuple[str, Recorder]) -> None:
    url, app = recorder
    specs = ["--endpoint", "GET /items?q=lamp", "--endpoint", "POST /items json:name=lamp"]
    result = probe(url, *specs, "--rate", "0", "--format", "json")
    assert result.exit_code in (0, 1)
    assert {m for m, _ in app.calls} <= {"GET"} and ("GET", "/items") in app.calls
    notes = json.loads(result.stdout)["summary"]["probe"]["notes"]
    assert any("POST /items: skipped" in n for n in notes)
    app.calls.clear()
    probe(url, *specs, "--rate", "0", "--allow-unsafe-methods", "--checks", "injection")
    assert ("POST", "/items") in app.calls


def test_dry_run_lists_requests_and_sends_none(recorder: tuple[str, Recorder], sent: list[httpx.Request]) -> None:
    url, app = recorder
    result = probe(url, "--endpoint", "GET /items?q=lamp", "--dry-run", "--max-requests", "40", "--format", "json")
    doc = json.loads(result.stdout)
    planned = doc["summary"]["probe"]["planned"]
    assert result.exit_code == 0 and app.calls == [] and sent == []
    assert 0 < len(planned) <= 40 and all(line.startswith(("GET ", "HEAD ", "OPTIONS ")) for line in planned)
    assert doc["findings"] == []


def test_request_budget_stops_the_run(recorder: tuple[str, Recorder]) -> None:
    url, app = recorder
    result = probe(url, "--endpoint", "GET /items?q=lamp", "--max-requests", "25", "--rate", "0", "--format", "json")
    stats = json.loads(result.stdout)["summary"]["probe"]
    print(f"budget: {stats['requests']} requests in {stats['seconds']:.2f}s")
    assert stats["requests"] == 25 == len(app.calls)
    assert stats["stopped"] == "request budget of 25 spent"
    assert "25 request(s) sent" in result.stderr


def test_rate_and_time_budgets_pace_and_stop(recorder: tuple[str, Recorder]) -> None:
    url, app = recorder
    started = time.monotonic()
    result = probe(url, "--endpoint", "GET /items?q=1", "--rate", "20", "--max-requests", "9", "--format", "json")
    assert time.monotonic() - started >= 8 / 20 and len(app.calls) == 9
    started = time.monotonic()
    result = probe(url, "--endpoint", "GET /items?q=1", "--rate", "10", "--max-seconds", "1", "--format", "json")
    stats = json.loads(result.stdout)["summary"]["probe"]
    assert time.monotonic() - started < 3 and stats["stopped"].startswith("time budget of 1s")
    assert stats["requests"] <= 11


def test_budget_object() -> None:
    budget = Budget(max_requests=2, rate=0, max_seconds=60)
    budget.acquire()
    budget.acquire()
    with pytest.raises(BudgetExhausted, match="request budget of 2 spent"):
        budget.acquire()


def test_redirects_are_never_followed_off_the_target(recorder: tuple[str, Recorder], sent: list[httpx.Request]) -> None:
    url, _ = recorder
    result = probe(url, "--endpoint", "GET /go?next=/items", "--rate", "0", "--checks", "reflection,headers")
    assert result.exit_code in (0, 1)
    assert sent and {r.url.host for r in sent} == {"127.0.0.1"}
