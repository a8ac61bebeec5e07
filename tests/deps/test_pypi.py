"""PyPI JSON API client against a local server speaking the real response shapes."""

from __future__ import annotations

import asyncio
import base64
import json
import socket
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from slopguard.deps.model import Ecosystem, PackageFacts, RegistryError
from slopguard.deps.pypi import PyPIClient, repository_url
from slopguard.deps.service import HttpPolicy

FIXTURES = Path(__file__).parent / "fixtures" / "pypi"
FAST = HttpPolicy(timeout=2.0, tries=3, backoff=0.01)


def load(server: HTTPServer, name: str) -> Any:
    text = (FIXTURES / name).read_text(encoding="utf-8")
    return json.loads(text.replace("{{SERVER}}", server.url_for("").rstrip("/")))


def lookup(index_url: str, name: str, version: str | None = None, policy: HttpPolicy = FAST) -> PackageFacts:
    async def go() -> PackageFacts:
        async with PyPIClient(index_url, policy=policy) as client:
            return await client.facts(name, version)

    return asyncio.run(go())


def test_existing_package(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/pypi/requests/json").respond_with_json(load(httpserver, "requests.json"))
    facts = lookup(httpserver.url_for("/simple/"), "Requests")
    assert facts.exists and facts.ecosystem is Ecosystem.PYPI
    assert facts.name == "requests"
    assert facts.latest == "2.32.3"
    assert facts.summary == "Python HTTP for Humans."
    assert facts.repository == "https://github.com/psf/requests"
    assert facts.deprecated is None
    assert [r.version for r in facts.releases] == ["0.2.0", "2.19.1", "2.32.0", "2.32.3"]
    assert facts.first_release == datetime(2011, 2, 14, 16, 44, 45, tzinfo=UTC)
    # The earliest file of a release dates it.
    assert facts.releases[1].uploaded == datetime(2018, 6, 14, 13, 40, 38, 290154, tzinfo=UTC)
    assert facts.advisories == ()


def test_name_is_normalised_in_the_url(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/pypi/typing-extensions/json").respond_with_json(
        {"info": {"name": "typing_extensions", "version": "4.12.2"}, "releases": {}, "vulnerabilities": []}
    )
    facts = lookup(httpserver.url_for("/simple"), "Typing_Extensions")
    assert facts.exists and facts.name == "typing_extensions"


def test_yanked_release(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/pypi/requests/json").respond_with_json(load(httpserver, "requests.json"))
    releases = {r.version: r for r in lookup(httpserver.url_for("/simple/"), "requests").releases}
    assert releases["2.32.0"].yanked
    assert releases["2.32.0"].yanked_reason == "Yanked due to conflicts with CVE-2024-35195 mitigation"
    assert not releases["2.32.3"].yanked and releases["2.32.3"].yanked_reason == ""


def test_vulnerabilities_for_a_pinned_version(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/pypi/requests/json").respond_with_json(load(httpserver, "requests.json"))
    httpserver.expect_request("/pypi/requests/2.19.1/json").respond_with_json(load(httpserver, "requests-2.19.1.json"))
    facts = lookup(httpserver.url_for("/simple/"), "requests", "2.19.1")
    # The withdrawn advisory is dropped.
    assert [a.id for a in facts.advisories] == ["PYSEC-2018-28", "PYSEC-2023-74"]
    first, second = facts.advisories
    assert first.summary.startswith("The Requests package before 2.20.0")  # no summary: first line of details
    assert first.aliases == ("CVE-2018-18074", "GHSA-x84v-xcm2-53pg")
    assert first.fixed_in == ("2.20.0",)
    assert first.url == httpserver.url_for("/vulnerability/PYSEC-2018-28")
    assert second.summary == "Unintended leak of Proxy-Authorization header in requests"
    assert second.fixed_in == ("2.31.0",)
    # Releases still come from the project document.
    assert len(facts.releases) == 4


def test_pinned_version_the_index_lacks(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/pypi/requests/json").respond_with_json(load(httpserver, "requests.json"))
    httpserver.expect_request("/pypi/requests/9.9.9/json").respond_with_json({"message": "Not Found"}, status=404)
    facts = lookup(httpserver.url_for("/simple/"), "requests", "9.9.9")
    assert facts.exists and facts.advisories == ()
    assert "9.9.9" not in {r.version for r in facts.releases}


def test_missing_package(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/pypi/fastapi-auth-helperz/json").respond_with_json({"message": "Not Found"}, status=404)
    httpserver.expect_request("/pypi/fastapi-auth-helperz/1.0/json").respond_with_json(
        {"message": "Not Found"}, status=404
    )
    url = httpserver.url_for("/simple/")
    assert lookup(url, "fastapi-auth-helperz") == PackageFacts(Ecosystem.PYPI, "fastapi-auth-helperz", exists=False)
    assert not lookup(url, "fastapi-auth-helperz", "1.0").exists


def test_invalid_name_cannot_exist(httpserver: HTTPServer) -> None:
    assert not lookup(httpserver.url_for("/simple/"), "../etc/passwd").exists
    assert not lookup(httpserver.url_for("/simple/"), "-leading-dash").exists
    assert httpserver.log == []


def test_server_error_then_success_is_retried(httpserver: HTTPServer) -> None:
    httpserver.expect_oneshot_request("/pypi/requests/json").respond_with_data("upstream broke", status=500)
    httpserver.expect_oneshot_request("/pypi/requests/json").respond_with_data("bad gateway", status=502)
    httpserver.expect_request("/pypi/requests/json").respond_with_json(load(httpserver, "requests.json"))
    facts = lookup(httpserver.url_for("/simple/"), "requests")
    assert facts.exists and facts.latest == "2.32.3"
    assert [resp.status_code for _, resp in httpserver.log] == [500, 502, 200]


def test_persistent_server_error_is_unknown_not_existing(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/pypi/requests/json").respond_with_data("unavailable", status=503)
    with pytest.raises(RegistryError, match=r"HTTP 503.*3 attempts"):
        lookup(httpserver.url_for("/simple/"), "requests")
    assert len(httpserver.log) == 3


def test_429_honours_retry_after(httpserver: HTTPServer) -> None:
    httpserver.expect_oneshot_request("/pypi/requests/json").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "1"}
    )
    httpserver.expect_request("/pypi/requests/json").respond_with_json(load(httpserver, "requests.json"))
    started = time.monotonic()
    facts = lookup(httpserver.url_for("/simple/"), "requests")
    assert facts.exists
    assert time.monotonic() - started >= 0.9  # the tiny backoff alone would retry at once


def test_retry_after_beyond_the_limit_gives_up_at_once(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/pypi/requests/json").respond_with_data(
        "maintenance", status=503, headers={"Retry-After": "3600"}
    )
    with pytest.raises(RegistryError, match="retry after 3600 s"):
        lookup(httpserver.url_for("/simple/"), "requests")
    assert len(httpserver.log) == 1


def test_malformed_json_is_retried_then_an_error(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/pypi/requests/json").respond_with_data(
        '{"info": {"name": "requests", ', content_type="application/json"
    )
    with pytest.raises(RegistryError, match="malformed JSON"):
        lookup(httpserver.url_for("/simple/"), "requests")
    assert len(httpserver.log) == 3


def test_unexpected_json_shape_is_an_error(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/pypi/requests/json").respond_with_json(["not", "a", "project"])
    with pytest.raises(RegistryError, match="'info'"):
        lookup(httpserver.url_for("/simple/"), "requests")


def test_slow_answer_times_out(httpserver: HTTPServer) -> None:
    released = threading.Event()
    answered: list[int] = []

    def slow(_request: Request) -> Response:
        released.wait(timeout=2)  # bounded: the test releases it once the client has given up
        answered.append(1)
        return Response("{}", content_type="application/json")

    httpserver.expect_request("/pypi/requests/json").respond_with_handler(slow)
    started = time.monotonic()
    with pytest.raises(RegistryError, match=r"timed out after 0.1 s \(2 attempts\)"):
        lookup(httpserver.url_for("/simple/"), "requests", policy=HttpPolicy(timeout=0.1, tries=2, backoff=0.01))
    assert time.monotonic() - started < 1.5
    released.set()
    # Let the (single-threaded) server finish both abandoned requests before the next test's handlers.
    deadline = time.monotonic() + 3
    while len(answered) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)


def test_connection_refused_is_an_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(RegistryError, match="connection failed"):
        lookup(
            f"http://127.0.0.1:{port}/simple/",
            "requests",
            policy=HttpPolicy(timeout=1, tries=2, backoff=0.01),
        )


def test_credentials_are_sent_but_never_shown(httpserver: HTTPServer) -> None:
    seen: list[str] = []

    def guarded(request: Request) -> Response:
        seen.append(request.headers.get("Authorization", ""))
        return Response("denied", status=401)

    httpserver.expect_request("/pypi/requests/json").respond_with_handler(guarded)
    url = httpserver.url_for("/simple/").replace("http://", "http://ci-bot:s3cr%40t@")
    with pytest.raises(RegistryError) as caught:
        lookup(url, "requests")
    message = str(caught.value)
    assert "HTTP 401" in message and "credentials" in message
    assert "s3cr" not in message and "%40t" not in message
    assert seen == ["Basic " + base64.b64encode(b"ci-bot:s3cr@t").decode()]  # 401 is not retried


def test_inactive_project_and_repository_from_home_page(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/pypi/oldlib/json").respond_with_json(load(httpserver, "inactive.json"))
    facts = lookup(httpserver.url_for("/simple/"), "OldLib")
    assert facts.deprecated is not None and "7 - Inactive" in facts.deprecated
    assert facts.repository == "https://gitlab.com/example-org/oldlib"
    releases = {r.version: r for r in facts.releases}
    assert releases["0.4.dev0"].uploaded is None and not releases["0.4.dev0"].yanked


def test_mirror_prefix_is_kept(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/pypi/remote/pypi/requests/json").respond_with_json(
        load(httpserver, "requests.json")
    )
    assert lookup(httpserver.url_for("/api/pypi/remote/simple"), "requests").exists


@pytest.mark.parametrize(
    ("urls", "home", "expected"),
    [
        ({"Source Code": "https://example.org/src"}, None, "https://example.org/src"),
        (
            {"Homepage": "https://example.org", "Tracker": "https://codeberg.org/a/b/issues"},
            None,
            "https://codeberg.org/a/b",
        ),
        (
            {"Homepage": "https://example.org", "Changelog": "https://github.com/a/b/releases"},
            None,
            "https://github.com/a/b",
        ),
        ({"Homepage": "https://example.org"}, "https://bitbucket.org/a/b", "https://bitbucket.org/a/b"),
        ({"Homepage": "https://example.org", "Documentation": "https://a.readthedocs.io"}, None, None),
        (None, "", None),
        ({"Repository": "javascript:alert(1)"}, None, None),
    ],
)
def test_repository_detection(urls: Any, home: Any, expected: str | None) -> None:
    assert repository_url(urls, home) == expected
