"""Only the user's configuration chooses the registry: a scanned project's ``.npmrc`` sends no request anywhere."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from slopguard.deps.model import Ecosystem, PackageRef
from slopguard.deps.npm import ADVISORY_PATH
from slopguard.deps.options import VerifyOptions
from slopguard.deps.registries import npm_registry_url, project_npm_registries
from slopguard.deps.verify import verify

NAME = "zqxv-config-probe"
PACKUMENT = {
    "name": NAME,
    "dist-tags": {"latest": "1.0.0"},
    "versions": {"1.0.0": {"name": NAME, "version": "1.0.0", "repository": "example/probe"}},
    "time": {"1.0.0": "2020-01-02T03:04:05.000Z"},
}


@pytest.fixture
def project_registry() -> Iterator[HTTPServer]:
    """A second local registry that the scanned project names; it must receive nothing."""
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    yield server
    server.clear()
    if server.is_running():
        server.stop()


def user_configured(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, registry: str) -> None:
    """The user's own npm configuration (a user .npmrc) names ``registry``; no environment override."""
    monkeypatch.delenv("npm_config_registry", raising=False)
    monkeypatch.delenv("NPM_CONFIG_REGISTRY", raising=False)
    user_rc = tmp_path / "home" / ".npmrc"
    user_rc.parent.mkdir(parents=True)
    user_rc.write_text(f"registry={registry}\n", encoding="utf-8")
    monkeypatch.setenv("npm_config_userconfig", str(user_rc))
    monkeypatch.setenv("npm_config_globalconfig", str(tmp_path / "no-global-npmrc"))


def scanned_project(tmp_path: Path, registry: str) -> Path:
    project = tmp_path / "scanned"
    (project / ".git").mkdir(parents=True)
    (project / ".npmrc").write_text(f"registry={registry}\n@acme:registry={registry}\n", encoding="utf-8")
    return project


def test_a_scanned_projects_npmrc_does_not_choose_the_registry(
    httpserver: HTTPServer,
    project_registry: HTTPServer,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    httpserver.expect_request(f"/{NAME}").respond_with_json(PACKUMENT)
    httpserver.expect_request(f"/{ADVISORY_PATH}", method="POST").respond_with_json({})
    project_registry.expect_request(f"/{NAME}").respond_with_json({"name": NAME, "versions": {}})
    user_configured(monkeypatch, tmp_path, httpserver.url_for("/"))
    project = scanned_project(tmp_path, project_registry.url_for("/"))

    with caplog.at_level(logging.WARNING, logger="slopguard.deps.verify"):
        (report,) = verify(
            [PackageRef(Ecosystem.NPM, NAME, path="package.json")],
            VerifyOptions(use_cache=False, timeout=2.0, project_dir=project),
        )

    assert report.verdict == "ok", report.signals
    assert project_registry.log == []
    assert [request.path for request, _ in httpserver.log] == [f"/{NAME}", f"/{ADVISORY_PATH}"]
    # The user is told why the project's registry was not used.
    assert "ignoring registry in" in caplog.text and str(project / ".npmrc") in caplog.text


def test_project_registry_settings_are_reported_not_used(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    user_configured(monkeypatch, tmp_path, "http://127.0.0.1:9/user/")
    project = scanned_project(tmp_path, "http://127.0.0.1:9/project/")
    assert npm_registry_url() == "http://127.0.0.1:9/user/"
    assert project_npm_registries(project) == [
        f"registry in {project / '.npmrc'}",
        f"@acme:registry in {project / '.npmrc'}",
    ]
