"""npm registry client against a local server speaking the real packument and bulk-advisory shapes."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from slopguard.deps.model import Advisory, Ecosystem, PackageFacts, RegistryError
from slopguard.deps.npm import ADVISORY_PATH, NpmClient, fixed_versions, repository_url
from slopguard.deps.service import HttpPolicy

FIXTURES = Path(__file__).parent / "fixtures" / "npm"
FAST = HttpPolicy(timeout=2.0, tries=3, backoff=0.01)
BULK = "/" + ADVISORY_PATH


def load(server: HTTPServer, name: str) -> Any:
    text = (FIXTURES / name).read_text(encoding="utf-8")
    return json.loads(text.replace("{{SERVER}}", server.url_for("").rstrip("/")))


def lookup(server: HTTPServer, name: str, version: str | None = None, *, audit: bool = True) -> PackageFacts:
    async def go() -> PackageFacts:
        async with NpmClient(server.url_for("/"), policy=FAST) as client:
            return await client.facts(name, version, audit=audit)

    return asyncio.run(go())


def batch(server: HTTPServer, packages: Mapping[str, list[str]]) -> dict[str, tuple[Advisory, ...]]:
    async def go() -> dict[str, tuple[Advisory, ...]]:
        async with NpmClient(server.url_for("/"), policy=FAST) as client:
            return await client.advisories(packages)

    return asyncio.run(go())


def posted(server: HTTPServer) -> list[Any]:
    return [json.loads(req.get_data()) for req, _ in server.log if req.method == "POST"]


def test_existing_package_latest(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/lodash").respond_with_json(load(httpserver, "lodash.json"))
    httpserver.expect_request(BULK, method="POST").respond_with_json({})
    facts = lookup(httpserver, "lodash")
    assert facts.exists and facts.ecosystem is Ecosystem.NPM and facts.name == "lodash"
    assert facts.latest == "4.17.21"
    assert [r.version for r in facts.releases] == ["0.1.0", "4.17.20", "4.17.21"]
    assert facts.first_release == datetime(2012, 4, 23, 16, 37, 12, 603000, tzinfo=UTC)
    assert facts.repository == "https://github.com/lodash/lodash"
    assert facts.summary == "Lodash modular utilities."
    assert facts.install_scripts == () and facts.deprecated is None and facts.advisories == ()
    assert posted(httpserver) == [{"lodash": ["4.17.21"]}]  # advisories are asked for the latest version


def test_advisories_for_a_pinned_version(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/lodash").respond_with_json(load(httpserver, "lodash.json"))
    bulk = load(httpserver, "advisories-bulk.json")
    httpserver.expect_request(BULK, method="POST", json={"lodash": ["4.17.20"]}).respond_with_json(
        {"lodash": bulk["lodash"]}
    )
    facts = lookup(httpserver, "lodash", "4.17.20")
    assert [a.id for a in facts.advisories] == ["GHSA-35jh-r3h4-6jhm", "GHSA-29mw-wpgm-hmr9"]
    first = facts.advisories[0]
    assert first.summary == "Command Injection in lodash"
    assert first.aliases == ("1106913",)
    assert first.fixed_in == ("4.17.21",)
    assert first.url == httpserver.url_for("/advisories/GHSA-35jh-r3h4-6jhm")


def test_bulk_advisories_batch(httpserver: HTTPServer) -> None:
    httpserver.expect_request(BULK, method="POST").respond_with_json(load(httpserver, "advisories-bulk.json"))
    found = batch(httpserver, {"lodash": ["4.17.20", "4.17.20", "4.17.19"], "minimist": ["1.2.5"], "left-pad": []})
    assert posted(httpserver) == [{"lodash": ["4.17.19", "4.17.20"], "minimist": ["1.2.5"]}]
    assert set(found) == {"lodash", "minimist"}
    (minimist,) = found["minimist"]
    assert minimist.id == "GHSA-xvch-5gv4-984h" and minimist.fixed_in == ("0.2.4", "1.2.6")
    assert batch(httpserver, {}) == {}


@pytest.mark.parametrize("status", [404, 405, 503])
def test_failing_advisory_endpoint_leaves_a_gap_not_an_error(httpserver: HTTPServer, status: int) -> None:
    # Mirrors answer the bulk advisory POST with 404 or 405: the package still exists, its advisories are unknown.
    httpserver.expect_request("/lodash").respond_with_json(load(httpserver, "lodash.json"))
    httpserver.expect_request(BULK, method="POST").respond_with_json({"error": "no"}, status=status)
    facts = lookup(httpserver, "lodash")
    assert facts.exists and facts.advisories == ()
    assert facts.advisory_gap is not None and "advisory query failed" in facts.advisory_gap
    assert str(status) in facts.advisory_gap
    assert lookup(httpserver, "lodash", audit=False).advisory_gap == "advisories not looked up"


def test_scoped_package_is_url_encoded(httpserver: HTTPServer) -> None:
    raw_paths: list[str] = []
    body = load(httpserver, "scoped.json")

    def packument(request: Request) -> Response:
        raw_paths.append(str(request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")))
        return Response(json.dumps(body), content_type="application/json")

    httpserver.expect_request("/@acme/widget").respond_with_handler(packument)
    facts = lookup(httpserver, "@acme/widget", audit=False)
    assert raw_paths and raw_paths[0].lower() == "/@acme%2fwidget"
    assert facts.exists and facts.name == "@acme/widget" and facts.latest == "2.0.1"
    assert facts.repository == "https://github.com/acme/widget"
    assert facts.install_scripts == ()  # build/prepare do not run on install from the registry


def test_install_scripts_and_deprecated_version(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/node-sass").respond_with_json(load(httpserver, "node-sass.json"))
    facts = lookup(httpserver, "node-sass", "4.14.1", audit=False)
    assert facts.install_scripts == ("install: node scripts/install.js", "postinstall: node scripts/build.js")
    assert facts.deprecated is not None and facts.deprecated.startswith("Node Sass is no longer supported")
    assert facts.repository == "https://github.com/sass/node-sass"


def test_postinstall_and_implicit_gyp_build(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/tiny-native").respond_with_json(load(httpserver, "native-only.json"))
    facts = lookup(httpserver, "tiny-native", audit=False)
    assert facts.install_scripts[0] == "install: node-gyp rebuild (implicit, binding.gyp)"
    assert facts.install_scripts[1].startswith("postinstall: curl -s ")
    assert facts.repository is None and facts.summary == ""


def test_missing_package(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/react-auth-hookz").respond_with_json({"error": "Not found"}, status=404)
    assert lookup(httpserver, "react-auth-hookz") == PackageFacts(Ecosystem.NPM, "react-auth-hookz", exists=False)
    assert not any(req.method == "POST" for req, _ in httpserver.log)


def test_unpublished_package_does_not_exist(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/gone-package").respond_with_json(load(httpserver, "unpublished.json"))
    facts = lookup(httpserver, "gone-package")
    assert not facts.exists and facts.summary.startswith("unpublished 2019-03-02")


def test_invalid_name_cannot_exist(httpserver: HTTPServer) -> None:
    for name in ("../admin", "", "a b", "@scope/", "x" * 215):
        assert not lookup(httpserver, name).exists
    assert httpserver.log == []


def test_server_error_then_success_and_malformed_json(httpserver: HTTPServer) -> None:
    httpserver.expect_oneshot_request("/lodash").respond_with_data("busy", status=503)
    httpserver.expect_oneshot_request("/lodash").respond_with_data("<html>proxy error</html>", status=200)
    httpserver.expect_request("/lodash").respond_with_json(load(httpserver, "lodash.json"))
    assert lookup(httpserver, "lodash", audit=False).exists
    assert [resp.status_code for _, resp in httpserver.log] == [503, 200, 200]


def test_wrong_document_is_an_error(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/lodash").respond_with_json({"error": "something odd"})
    with pytest.raises(RegistryError, match="not a package document"):
        lookup(httpserver, "lodash", audit=False)


@pytest.mark.parametrize(
    ("patched", "vulnerable", "expected"),
    [
        (None, "<4.17.21", ("4.17.21",)),
        (None, ">=4.0.0 <4.17.21", ("4.17.21",)),
        (None, "<0.2.4 || >=1.0.0 <1.2.6", ("0.2.4", "1.2.6")),
        (None, "<=1.0.0", ()),
        (None, ">=2.0.0", ()),
        (">=1.2.6", "<1.2.6", ("1.2.6",)),
        ("<0.0.0", "*", ()),
        (None, None, ()),
    ],
)
def test_fixed_versions(patched: str | None, vulnerable: str | None, expected: tuple[str, ...]) -> None:
    assert fixed_versions(patched, vulnerable) == expected


@pytest.mark.parametrize(
    ("repository", "expected"),
    [
        ({"type": "git", "url": "git+https://github.com/a/b.git"}, "https://github.com/a/b"),
        ("git@github.com:a/b.git", "https://github.com/a/b"),
        ("git+ssh://git@gitlab.com/a/b.git", "https://gitlab.com/a/b"),
        ("git://github.com/a/b.git", "https://github.com/a/b"),
        ("a/b", "https://github.com/a/b"),
        ("gitlab:a/b", "https://gitlab.com/a/b"),
        ("bitbucket:a/b", "https://bitbucket.org/a/b"),
        ("https://example.org/code/b", "https://example.org/code/b"),
        ("file:../local", None),
        ({"type": "git"}, None),
        (None, None),
    ],
)
def test_repository_forms(repository: Any, expected: str | None) -> None:
    assert repository_url(repository) == expected


def test_explicit_install_hooks_replace_the_implicit_gyp_build() -> None:
    from slopguard.deps.npm import install_scripts

    assert install_scripts({"gypfile": True, "scripts": {"preinstall": "node check.js"}}) == (
        "preinstall: node check.js",
    )
    assert install_scripts({"gypfile": True}) == ("install: node-gyp rebuild (implicit, binding.gyp)",)
    assert install_scripts({"scripts": {"prepare": "tsc", "postinstall": 3}}) == ()
