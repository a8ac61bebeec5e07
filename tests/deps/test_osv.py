"""OSV advisories: range matching, a local OSV export (zip or folder), and an OSV API on a local server."""

from __future__ import annotations

import asyncio
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from slopguard.deps.advisories import OsvApi, OsvExport
from slopguard.deps.model import Check, Ecosystem, PackageFacts, PackageRef, RegistryError, Release
from slopguard.deps.options import VerifyOptions
from slopguard.deps.osv import affects, record_advisory, semver_key
from slopguard.deps.service import HttpPolicy
from slopguard.deps.verify import verify

PYPI, NPM = Ecosystem.PYPI, Ecosystem.NPM
FAST = HttpPolicy(timeout=2.0, tries=1, backoff=0.01)


def record(ident: str, ecosystem: str, name: str, ranges: list[Any], versions: list[str] | None = None) -> Any:
    affected: dict[str, Any] = {"package": {"ecosystem": ecosystem, "name": name}, "ranges": ranges}
    if versions is not None:
        affected["versions"] = versions
    return {
        "id": ident,
        "summary": f"{ident} summary",
        "aliases": [f"CVE-{ident}"],
        "affected": [affected],
        "references": [{"type": "ADVISORY", "url": f"https://advisories.example/{ident}"}],
    }


REQUESTS = record(
    "PYSEC-1",
    "PyPI",
    "Requests",
    [
        {
            "type": "ECOSYSTEM",
            "events": [{"introduced": "0"}, {"fixed": "2.6.0"}, {"introduced": "2.8"}, {"fixed": "2.9.1"}],
        }
    ],
)
LODASH = record(
    "GHSA-l0d4",
    "npm",
    "lodash",
    [{"type": "SEMVER", "events": [{"introduced": "4.0.0-beta.1"}, {"last_affected": "4.17.20"}]}],
)


@pytest.mark.parametrize(
    ("version", "hit"),
    [("1.0", True), ("2.5.0", True), ("2.6.0", False), ("2.7", False), ("2.8.0", True), ("2.9.1", False)],
)
def test_ecosystem_ranges_pep440(version: str, hit: bool) -> None:
    assert affects(REQUESTS, PYPI, "requests", version) is hit


@pytest.mark.parametrize(
    ("version", "hit"),
    [("3.10.1", False), ("4.0.0-alpha", False), ("4.0.0-beta.1", True), ("4.0.0", True), ("4.17.20", True),
     ("4.17.21", False)],
)  # fmt: skip
def test_semver_ranges_with_last_affected(version: str, hit: bool) -> None:
    assert affects(LODASH, NPM, "lodash", version) is hit


def test_version_lists_withdrawn_records_and_other_packages() -> None:
    listed = record("PYSEC-2", "PyPI", "zqxv-lib", [], versions=["1.0", "1.1"])
    assert affects(listed, PYPI, "zqxv_lib", "1.1") and not affects(listed, PYPI, "zqxv-lib", "1.2")
    assert not affects({**REQUESTS, "withdrawn": "2024-01-01T00:00:00Z"}, PYPI, "requests", "1.0")
    assert not affects(REQUESTS, PYPI, "requests2", "1.0") and not affects(REQUESTS, NPM, "requests", "1.0")
    # Only commit ranges, no version list: nothing to decide by, so it is not called clean.
    git_only = record("PYSEC-3", "PyPI", "zqxv-lib", [{"type": "GIT", "repo": "x", "events": [{"introduced": "0"}]}])
    assert affects(git_only, PYPI, "zqxv-lib", "9.0")


def test_semver_order() -> None:
    ordered = ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0"]
    assert sorted(ordered, key=semver_key) == ordered
    with pytest.raises(ValueError):
        semver_key("latest")


def test_record_advisory_lists_fixed_versions() -> None:
    advisory = record_advisory(REQUESTS, PYPI, "requests")
    assert (advisory.id, advisory.aliases, advisory.fixed_in) == ("PYSEC-1", ("CVE-PYSEC-1",), ("2.6.0", "2.9.1"))
    assert advisory.url == "https://advisories.example/PYSEC-1"


def facts(ecosystem: Ecosystem, name: str, latest: str, gap: str | None) -> PackageFacts:
    releases = tuple(Release(v) for v in ("1.0", "2.5.0", latest))
    return PackageFacts(ecosystem, name, True, releases, latest, "https://example.org/src", advisory_gap=gap)


class Registry:
    """A registry service that knows the packages exist but has no advisory data (a mirror)."""

    def __init__(self, ecosystem: Ecosystem) -> None:
        self.ecosystem = ecosystem

    async def facts(self, name: str, version: str | None = None) -> PackageFacts:
        return facts(self.ecosystem, name, "2.32.3", "the mirror serves none")

    async def aclose(self) -> None:
        return None


def verify_with(refs: list[PackageRef], tmp_path: Path, **options: Any) -> list[Any]:
    chosen = VerifyOptions(use_cache=False, project_dir=tmp_path, **options)
    return verify(refs, chosen, services=lambda eco, _o: Registry(eco))


def write_zip(path: Path, records: list[Any]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for item in records:
            archive.writestr(f"{item['id']}.json", json.dumps(item))
    return path


def test_osv_export_zip_fills_the_gap_for_its_ecosystem(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SLOPGUARD_OSV_URL", raising=False)
    export = write_zip(tmp_path / "all.zip", [REQUESTS])
    refs = [
        PackageRef(PYPI, "requests", "2.5.0"),
        PackageRef(PYPI, "requests", "2.32.3"),
        PackageRef(NPM, "left-pad", "1.3.0"),
    ]
    old, new, npm = verify_with(refs, tmp_path, advisory_files=(export,))
    assert [s.check for s in old.signals] == [Check.VULNERABLE]
    assert "PYSEC-1 (CVE-PYSEC-1): fixed in 2.6.0, 2.9.1" in old.signals[0].message
    assert new.signals == []  # the export covers PyPI: no advisory for 2.32.3 is a complete answer
    # A PyPI export says nothing about npm packages: their gap stays.
    assert [s.check for s in npm.signals] == [Check.ADVISORIES_UNKNOWN]


def test_osv_export_folder_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "osv"
    (folder / "npm").mkdir(parents=True)
    (folder / "npm" / "GHSA-l0d4.json").write_text(json.dumps(LODASH), encoding="utf-8")
    monkeypatch.setenv("SLOPGUARD_ADVISORIES", str(folder))
    monkeypatch.delenv("SLOPGUARD_OSV_URL", raising=False)
    (report,) = verify_with([PackageRef(NPM, "lodash", "4.17.20")], tmp_path)
    assert [s.check for s in report.signals] == [Check.VULNERABLE]


def test_unreadable_export_keeps_the_gap_and_says_why(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SLOPGUARD_OSV_URL", raising=False)
    broken = tmp_path / "all.zip"
    with zipfile.ZipFile(broken, "w") as archive:
        archive.writestr("PYSEC-9.json", "{not json")
    (report,) = verify_with([PackageRef(PYPI, "requests", "2.5.0")], tmp_path, advisory_files=(broken,))
    assert [s.check for s in report.signals] == [Check.ADVISORIES_UNKNOWN]
    assert "the mirror serves none" in report.signals[0].message and "not JSON" in report.signals[0].message


def osv_server(server: HTTPServer, records: list[Any], posted: list[Any]) -> None:
    by_id = {r["id"]: r for r in records}

    def batch(request: Request) -> Response:
        body = json.loads(request.data)
        posted.append(body)
        results = []
        for query in body["queries"]:
            eco = PYPI if query["package"]["ecosystem"] == "PyPI" else NPM
            hits = [r for r in records if affects(r, eco, query["package"]["name"], query["version"])]
            results.append({"vulns": [{"id": r["id"], "modified": "2024-01-01T00:00:00Z"} for r in hits]})
        return Response(json.dumps({"results": results}), content_type="application/json")

    def one(request: Request) -> Response:
        found = by_id.get(request.path.rsplit("/", 1)[-1])
        return Response(json.dumps(found), content_type="application/json") if found else Response("{}", 404)

    server.expect_request("/v1/querybatch", method="POST").respond_with_handler(batch)
    server.expect_request(re.compile(r"^/v1/vulns/.+"), method="GET").respond_with_handler(one)


def test_osv_api_batch_then_records(httpserver: HTTPServer, tmp_path: Path) -> None:
    posted: list[Any] = []
    osv_server(httpserver, [REQUESTS, LODASH], posted)
    refs = [PackageRef(PYPI, "requests", "2.5.0"), PackageRef(NPM, "lodash", "4.17.21")]
    requests, lodash = verify_with(refs, tmp_path, osv_url=httpserver.url_for("/"))
    assert [s.check for s in requests.signals] == [Check.VULNERABLE]
    assert lodash.signals == []
    assert posted == [
        {
            "queries": [
                {"package": {"name": "requests", "ecosystem": "PyPI"}, "version": "2.5.0"},
                {"package": {"name": "lodash", "ecosystem": "npm"}, "version": "4.17.21"},
            ]
        }
    ]


def test_osv_api_is_not_asked_offline(httpserver: HTTPServer, tmp_path: Path) -> None:
    (report,) = verify_with(
        [PackageRef(PYPI, "requests", "2.5.0")], tmp_path, osv_url=httpserver.url_for("/"), offline=True
    )
    assert httpserver.log == []
    assert [s.check for s in report.signals] == [Check.ADVISORIES_UNKNOWN]


def test_osv_api_pages_and_caps(httpserver: HTTPServer) -> None:
    pages = iter([{"results": [{"vulns": [{"id": "PYSEC-1"}], "next_page_token": "p2"}]}, {"results": [{}]}])
    httpserver.expect_request("/v1/querybatch", method="POST").respond_with_handler(
        lambda _r: Response(json.dumps(next(pages)), content_type="application/json")
    )
    httpserver.expect_request("/v1/vulns/PYSEC-1").respond_with_json(REQUESTS)

    async def ask(policy: HttpPolicy) -> Any:
        api = OsvApi(httpserver.url_for("/"), policy)
        try:
            return await api.advisories([(PYPI, "requests", "2.5.0")])
        finally:
            await api.aclose()

    found = asyncio.run(ask(FAST))
    assert [a.id for a in found[(PYPI, "requests", "2.5.0")]] == ["PYSEC-1"]
    second = json.loads(httpserver.log[1][0].data)
    assert second["queries"][0]["page_token"] == "p2"
    # An answer over the cap is not read: the source fails, it never passes as "no advisories".
    httpserver.clear()
    httpserver.expect_request("/v1/querybatch", method="POST").respond_with_data("x" * 5000)
    with pytest.raises(RegistryError, match="too large"):
        asyncio.run(ask(HttpPolicy(timeout=2.0, tries=1, max_bytes=1000)))


def test_export_member_over_the_cap_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("slopguard.deps.advisories.MAX_RECORD_BYTES", 100)
    export = write_zip(tmp_path / "all.zip", [REQUESTS])
    with pytest.raises(RegistryError, match="over"):
        asyncio.run(OsvExport(export).advisories([(PYPI, "requests", "2.5.0")]))
