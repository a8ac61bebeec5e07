"""A registry answer of the wrong shape makes the package unknown, with the reason: never a crash, never 'ok'.

Each case takes a real-shaped PyPI project document, npm packument or npm bulk-advisory answer (served from
127.0.0.1) and breaks one field the verifier relies on: a wrong type, a ``null``, a list for an object.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from slopguard.deps.model import Check, Ecosystem, PackageRef, PackageReport
from slopguard.deps.npm import ADVISORY_PATH
from slopguard.deps.options import VerifyOptions
from slopguard.deps.verify import verify

NAME = "zqxv-shape-probe"  # far from every popular name: no typosquat signal hides the verdict
VERSION = "1.0.0"

PYPI_DOCUMENT: dict[str, Any] = {
    "info": {
        "name": NAME,
        "version": VERSION,
        "summary": "A probe.",
        "home_page": None,
        "project_urls": {"Source": "https://example.org/probe"},
        "classifiers": ["Programming Language :: Python :: 3"],
    },
    "releases": {
        VERSION: [
            {"upload_time_iso_8601": "2020-01-02T03:04:05.000000Z", "yanked": False, "yanked_reason": None},
        ]
    },
    "vulnerabilities": [],
}

NPM_PACKUMENT: dict[str, Any] = {
    "name": NAME,
    "dist-tags": {"latest": VERSION},
    "versions": {VERSION: {"name": NAME, "version": VERSION, "repository": "example/probe"}},
    "time": {"created": "2020-01-02T03:04:05.000Z", VERSION: "2020-01-02T03:04:05.000Z"},
}


def broken(document: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    """``document`` with the field at ``path`` set to ``value``."""
    out = copy.deepcopy(document)
    node = out
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return out


def verify_one(
    ref: PackageRef, tmp_path: Path, *, pypi_index: str | None = None, npm_registry: str | None = None
) -> PackageReport:
    options = VerifyOptions(
        use_cache=False, timeout=2.0, project_dir=tmp_path, pypi_index=pypi_index, npm_registry=npm_registry
    )
    (report,) = verify([ref], options)
    return report


def assert_unknown(report: PackageReport) -> None:
    assert report.verdict == Check.UNKNOWN.value, report.signals
    message = report.signals[0].message
    assert "answered" in message and ("malformed" in message or "expected" in message or "not" in message), message
    for crash in ("TypeError", "KeyError", "AttributeError", "ValueError", "internal error"):
        assert crash not in message


def assert_advisories_unknown(report: PackageReport) -> None:
    """Malformed advisory data is not 'ok' either, but the package's existence stands: a low note says why."""
    assert [s.check for s in report.signals] == [Check.ADVISORIES_UNKNOWN], report.signals
    message = report.signals[0].message
    assert "answered" in message and ("malformed" in message or "expected" in message or "not" in message), message
    for crash in ("TypeError", "KeyError", "AttributeError", "ValueError", "internal error"):
        assert crash not in message


def test_the_intact_documents_verify(httpserver: HTTPServer, tmp_path: Path) -> None:
    """The baseline every case below breaks: as served, both packages check out."""
    httpserver.expect_request(f"/pypi/{NAME}/json").respond_with_json(PYPI_DOCUMENT)
    httpserver.expect_request(f"/{NAME}").respond_with_json(NPM_PACKUMENT)
    httpserver.expect_request(f"/{ADVISORY_PATH}", method="POST").respond_with_json({})
    pypi = verify_one(PackageRef(Ecosystem.PYPI, NAME), tmp_path, pypi_index=httpserver.url_for("/simple/"))
    npm = verify_one(PackageRef(Ecosystem.NPM, NAME), tmp_path, npm_registry=httpserver.url_for("/"))
    assert (pypi.verdict, npm.verdict) == ("ok", "ok"), (pypi.signals, npm.signals)


PYPI_CASES = {
    "document-null": None,
    "document-list": [PYPI_DOCUMENT],
    "info-list": broken(PYPI_DOCUMENT, ("info",), []),
    "info-null": broken(PYPI_DOCUMENT, ("info",), None),
    "info-name-number": broken(PYPI_DOCUMENT, ("info", "name"), 5),
    "classifiers-string": broken(PYPI_DOCUMENT, ("info", "classifiers"), "Development Status :: 7 - Inactive"),
    "project-urls-list": broken(PYPI_DOCUMENT, ("info", "project_urls"), ["https://example.org"]),
    "releases-string": broken(PYPI_DOCUMENT, ("releases",), "x"),
    "releases-null": broken(PYPI_DOCUMENT, ("releases",), None),
    "release-files-object": broken(PYPI_DOCUMENT, ("releases", VERSION), {"yanked": False}),
    "release-file-string": broken(PYPI_DOCUMENT, ("releases", VERSION), ["wheel"]),
    "upload-time-number": broken(PYPI_DOCUMENT, ("releases", VERSION), [{"upload_time_iso_8601": 5}]),
    "yanked-string": broken(PYPI_DOCUMENT, ("releases", VERSION), [{"yanked": "no"}]),
}
PYPI_ADVISORY_CASES = {
    "vulnerabilities-object": broken(PYPI_DOCUMENT, ("vulnerabilities",), {"id": "PYSEC-0"}),
    "vulnerabilities-null": broken(PYPI_DOCUMENT, ("vulnerabilities",), None),
    "vulnerability-string": broken(PYPI_DOCUMENT, ("vulnerabilities",), ["PYSEC-2020-1"]),
    "vulnerability-without-id": broken(PYPI_DOCUMENT, ("vulnerabilities",), [{"summary": "bad"}]),
    "aliases-number": broken(PYPI_DOCUMENT, ("vulnerabilities",), [{"id": "PYSEC-2020-1", "aliases": 5}]),
    "fixed-in-string": broken(PYPI_DOCUMENT, ("vulnerabilities",), [{"id": "PYSEC-2020-1", "fixed_in": "1.1"}]),
}


@pytest.mark.parametrize("document", PYPI_CASES.values(), ids=PYPI_CASES.keys())
def test_malformed_pypi_document_is_unknown(httpserver: HTTPServer, tmp_path: Path, document: Any) -> None:
    httpserver.expect_request(f"/pypi/{NAME}/json").respond_with_json(document)
    assert_unknown(verify_one(PackageRef(Ecosystem.PYPI, NAME), tmp_path, pypi_index=httpserver.url_for("/simple/")))


@pytest.mark.parametrize("document", PYPI_ADVISORY_CASES.values(), ids=PYPI_ADVISORY_CASES.keys())
def test_malformed_pypi_advisories_are_unknown_advisories(
    httpserver: HTTPServer, tmp_path: Path, document: Any
) -> None:
    httpserver.expect_request(f"/pypi/{NAME}/json").respond_with_json(document)
    ref = PackageRef(Ecosystem.PYPI, NAME)
    assert_advisories_unknown(verify_one(ref, tmp_path, pypi_index=httpserver.url_for("/simple/")))


def test_malformed_pypi_release_document_leaves_advisories_unknown(httpserver: HTTPServer, tmp_path: Path) -> None:
    """The pinned version's own document (where its advisories are, when it is not the latest) is checked the
    same way; the project document only speaks for the latest release."""
    project = broken(PYPI_DOCUMENT, ("info", "version"), "9.9.9")
    httpserver.expect_request(f"/pypi/{NAME}/json").respond_with_json(project)
    release = broken(PYPI_DOCUMENT, ("vulnerabilities",), [{"id": "PYSEC-2020-1", "aliases": {"CVE": 1}}])
    httpserver.expect_request(f"/pypi/{NAME}/{VERSION}/json").respond_with_json(release)
    ref = PackageRef(Ecosystem.PYPI, NAME, VERSION)
    assert_advisories_unknown(verify_one(ref, tmp_path, pypi_index=httpserver.url_for("/simple/")))


NPM_CASES = {
    "document-null": None,
    "versions-list": broken(NPM_PACKUMENT, ("versions",), [VERSION]),
    "versions-null": broken(NPM_PACKUMENT, ("versions",), None),
    "version-manifest-string": broken(NPM_PACKUMENT, ("versions", VERSION), "x"),
    "time-number": broken(NPM_PACKUMENT, ("time",), 5),
    "time-null": broken(NPM_PACKUMENT, ("time",), None),
    "version-time-number": broken(NPM_PACKUMENT, ("time", VERSION), 5),
    "dist-tags-list": broken(NPM_PACKUMENT, ("dist-tags",), ["latest"]),
    "latest-number": broken(NPM_PACKUMENT, ("dist-tags", "latest"), 1),
    "unpublished-string": {"name": NAME, "time": {"unpublished": "yesterday"}},
}


@pytest.mark.parametrize("document", NPM_CASES.values(), ids=NPM_CASES.keys())
def test_malformed_npm_packument_is_unknown(httpserver: HTTPServer, tmp_path: Path, document: Any) -> None:
    httpserver.expect_request(f"/{NAME}").respond_with_json(document)
    httpserver.expect_request(f"/{ADVISORY_PATH}", method="POST").respond_with_json({})
    assert_unknown(verify_one(PackageRef(Ecosystem.NPM, NAME), tmp_path, npm_registry=httpserver.url_for("/")))


ADVISORY_CASES = {
    "answer-list": [],
    "advisory-string": {NAME: ["GHSA-xxxx-xxxx-xxxx"]},
    "advisory-without-id": {NAME: [{"title": "bad", "vulnerable_versions": "<2.0.0"}]},
    "cves-number": {NAME: [{"id": 1, "cves": 5, "vulnerable_versions": "<2.0.0"}]},
    "url-object": {NAME: [{"id": 1, "url": {"href": "x"}, "vulnerable_versions": "<2.0.0"}]},
    "vulnerable-versions-list": {NAME: [{"id": 1, "vulnerable_versions": ["<2.0.0"]}]},
}


@pytest.mark.parametrize("answer", ADVISORY_CASES.values(), ids=ADVISORY_CASES.keys())
def test_malformed_npm_advisory_answer_leaves_advisories_unknown(
    httpserver: HTTPServer, tmp_path: Path, answer: Any
) -> None:
    httpserver.expect_request(f"/{NAME}").respond_with_json(NPM_PACKUMENT)
    httpserver.expect_request(f"/{ADVISORY_PATH}", method="POST").respond_with_json(answer)
    ref = PackageRef(Ecosystem.NPM, NAME, VERSION)
    assert_advisories_unknown(verify_one(ref, tmp_path, npm_registry=httpserver.url_for("/")))
