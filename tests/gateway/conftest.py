"""Fixtures: one scripted upstream and two gateways in front of it (annotating and blocking at high), a local
registry that knows no invented package, and a user configuration folder of the test's own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from gateway_servers import INVENTED, Gateways, Upstream, gateway_app, running
from pytest_httpserver import HTTPServer

from slopguard.core.config import Settings
from slopguard.core.finding import Severity
from slopguard.engine.scanner import Scanner
from slopguard.pipeline.catalog import make_scanner


@pytest.fixture(autouse=True)
def isolated_user_config(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty user configuration folder (``platformdirs`` reads ``XDG_CONFIG_HOME``)."""
    home = tmp_path_factory.mktemp("user-config")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def scanner() -> Scanner:
    return make_scanner(Settings(cache=False))


@pytest.fixture(scope="session")
def servers(scanner: Scanner) -> Iterator[Gateways]:
    upstream = Upstream()
    with (
        running(upstream.app()) as base,
        running(gateway_app(base, None, scanner)) as annotate,
        running(gateway_app(base, Severity.HIGH, scanner)) as block,
    ):
        yield Gateways(upstream, base, annotate, block)


@pytest.fixture
def gateways(servers: Gateways) -> Gateways:
    servers.upstream.answer, servers.upstream.status, servers.upstream.error = "Hello.", 200, None
    servers.upstream.repeat = 1
    servers.upstream.requests.clear()
    return servers


@pytest.fixture
def registry(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> HTTPServer:
    """A PyPI JSON API on 127.0.0.1 that does not know the invented package (the verifier is pointed at it)."""
    monkeypatch.setenv("PIP_INDEX_URL", httpserver.url_for("/simple/"))
    monkeypatch.setenv("SLOPGUARD_CACHE_DIR", str(tmp_path / "facts"))
    httpserver.expect_request(f"/pypi/{INVENTED}/json").respond_with_json({"message": "Not Found"}, status=404)
    return httpserver
