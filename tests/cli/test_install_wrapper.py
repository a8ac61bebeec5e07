"""`slopguard pip` / `slopguard npm`: what the command would install, and from where, is what gets verified.

Local registries on 127.0.0.1 speak the PyPI JSON and npm registry shapes; the clients are fake `python3`/`npm`
scripts on PATH that record their argv, so nothing is ever installed.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer

from slopguard.cli import cli

OLD = [{"upload_time_iso_8601": "2012-04-16T10:00:00.000000Z", "yanked": False}]


def project(name: str) -> dict[str, object]:
    return {
        "info": {"name": name, "version": "2.31.0", "summary": "x", "project_urls": {}},
        "releases": {"1.0": OLD, "2.31.0": OLD},
        "vulnerabilities": [],
    }


PACKUMENT = {
    "name": "lodash",
    "dist-tags": {"latest": "4.17.21"},
    "versions": {"4.17.21": {"name": "lodash", "version": "4.17.21"}},
    "time": {"created": "2012-04-23T16:37:12.603Z", "4.17.21": "2021-02-20T15:42:16.891Z"},
}


@pytest.fixture
def pypi(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> HTTPServer:
    """The user's configured index: requests exists (old, popular); reqeusts and unknown names do not."""
    monkeypatch.setenv("PIP_INDEX_URL", httpserver.url_for("/simple/"))
    monkeypatch.setenv("SLOPGUARD_CACHE_DIR", str(tmp_path / "facts"))
    for name in ("requests", "flask"):
        httpserver.expect_request(f"/pypi/{name}/json").respond_with_json(project(name))
    httpserver.expect_request("/pypi/requests/2.31.0/json").respond_with_json(project("requests"))
    for missing in ("reqeusts", "flask-jwt-simple-auth-helper"):
        httpserver.expect_request(f"/pypi/{missing}/json").respond_with_json({"message": "Not Found"}, status=404)
    return httpserver


def fake_client(directory: Path, name: str) -> Path:
    """A fake executable that writes its argv, one per line, to ``<name>.argv`` beside it."""
    directory.mkdir(parents=True, exist_ok=True)
    script = directory / name
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "$0" "$@" > "{directory / (name + ".argv")}"\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return directory / f"{name}.argv"


@pytest.fixture
def python_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    log = fake_client(tmp_path / "bin", "python3")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    return log


def run(args: list[str], cwd: Path) -> tuple[int, str, str]:
    old = Path.cwd()
    os.chdir(cwd)
    try:
        res = CliRunner().invoke(cli, args, catch_exceptions=False)
    finally:
        os.chdir(old)
    return res.exit_code, res.stdout, res.stderr


def argv(log: Path) -> list[str] | None:
    return log.read_text().splitlines()[1:] if log.exists() else None


# --- moved from test_deps_cli.py ---------------------------------------------------------------------------------


def test_pip_wrapper_refuses_hallucinated_packages(pypi: HTTPServer, python_on_path: Path, tmp_path: Path) -> None:
    code, _, err = run(["pip", "install", "reqeusts"], tmp_path)
    assert code == 1 and "refusing to install reqeusts" in err and argv(python_on_path) is None


def test_pip_wrapper_passes_other_commands_through(python_on_path: Path, tmp_path: Path) -> None:
    code, _, _ = run(["pip", "--version"], tmp_path)
    assert code == 0 and argv(python_on_path) == ["-m", "pip", "--version"]


def test_wrapper_options_come_before_the_client_command(pypi: HTTPServer, python_on_path: Path, tmp_path: Path) -> None:
    code, _, err = run(["pip", "-q", "install", "reqeusts", "--force"], tmp_path)
    assert code == 1 and "refusing to install reqeusts" in err  # --force after install belongs to pip


# --- which pip runs --------------------------------------------------------------------------------------------


def test_runs_the_pip_of_the_users_environment(pypi: HTTPServer, python_on_path: Path, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    code, _, _ = run(["pip", "install", "requests"], tmp_path)
    assert code == 0 and argv(python_on_path) == ["-m", "pip", "install", "requests"]
    python_on_path.unlink()
    venv_log = fake_client(tmp_path / "venv" / "bin", "python")
    monkeypatch.setenv("VIRTUAL_ENV", str(tmp_path / "venv"))
    code, _, _ = run(["pip", "install", "requests"], tmp_path)
    first = venv_log.read_text().splitlines()
    assert code == 0 and first[0] == str(tmp_path / "venv" / "bin" / "python") and first[1:3] == ["-m", "pip"]
    assert argv(python_on_path) is None


# --- where packages come from ----------------------------------------------------------------------------------


def test_an_index_on_the_command_line_is_the_one_verified(pypi: HTTPServer, python_on_path: Path,
                                                         tmp_path: Path) -> None:  # fmt: skip
    """The configured index says requests is fine; the named index (the one pip would use) does not have it."""
    other = HTTPServer(host="127.0.0.1", port=0)
    other.expect_request("/pypi/requests/json").respond_with_json({"message": "Not Found"}, status=404)
    other.start()
    try:
        for args in (["-i", other.url_for("/simple/")], [f"--index-url={other.url_for('/simple/')}"]):
            code, _, err = run(["pip", "install", *args, "requests"], tmp_path)
            assert code == 1 and "refusing to install requests" in err and argv(python_on_path) is None
        assert any(req.path == "/pypi/requests/json" for req, _ in other.log)
    finally:
        other.clear()
        other.stop()
    code, _, err = run(["pip", "install", "--extra-index-url", "http://127.0.0.1:9/simple/", "requests"], tmp_path)
    assert code == 1 and "dependency confusion" in err and argv(python_on_path) is None


@pytest.mark.parametrize("form", [["-r", "req.txt"], ["-rreq.txt"], ["--requirement=req.txt"], ["-c", "req.txt"]])
def test_requirement_files_are_read_recursively(form: list[str], pypi: HTTPServer, python_on_path: Path,
                                                tmp_path: Path) -> None:  # fmt: skip
    (tmp_path / "sub").mkdir()
    (tmp_path / "req.txt").write_text("requests==2.31.0  # pinned\n-r sub/more.txt\n")
    (tmp_path / "sub" / "more.txt").write_text("flask\nflask-jwt-simple-auth-helper \\\n  >=1.0\n")
    code, _, err = run(["pip", "install", *form], tmp_path)
    assert code == 1 and "refusing to install flask-jwt-simple-auth-helper" in err
    assert argv(python_on_path) is None
    (tmp_path / "sub" / "more.txt").write_text("flask\n")
    code, _, err = run(["pip", "install", *form], tmp_path)
    assert code == 0, err
    assert argv(python_on_path) == ["-m", "pip", "install", *form]


def test_requirement_nesting_is_limited_and_unreadable_files_fail(pypi: HTTPServer, python_on_path: Path,
                                                                 tmp_path: Path) -> None:  # fmt: skip
    for n in range(12):
        (tmp_path / f"r{n}.txt").write_text(f"-r r{n + 1}.txt\n")
    code, _, err = run(["pip", "install", "-r", "r0.txt"], tmp_path)
    assert code == 2 and "nested deeper" in err and argv(python_on_path) is None
    code, _, err = run(["pip", "install", "-r", "missing.txt"], tmp_path)
    assert code == 2 and "cannot read the requirements file missing.txt" in err


def test_proxy_before_install_does_not_hide_the_command(pypi: HTTPServer, python_on_path: Path,
                                                        tmp_path: Path) -> None:  # fmt: skip
    code, _, err = run(["pip", "--proxy", "http://127.0.0.1:9", "install", "reqeusts"], tmp_path)
    assert code == 1 and "refusing to install reqeusts" in err and argv(python_on_path) is None
    code, _, err = run(["pip", "--unheard-of", "x", "install", "reqeusts"], tmp_path)
    assert code == 2 and "cannot tell what pip would do" in err and argv(python_on_path) is None


@pytest.mark.parametrize(
    ("spec", "reason"),
    [
        (["git+https://127.0.0.1:9/x/y.git"], "version-control"),
        (["evil @ https://127.0.0.1:9/evil-1.0.tar.gz"], "direct reference"),
        (["https://127.0.0.1:9/evil-1.0.tar.gz"], "a URL"),
        (["./vendor/pkg"], "local path"),
        (["-e", "."], "editable"),
        (["-f", "http://127.0.0.1:9/links/", "requests"], "find-links"),
    ],
)
def test_sources_no_registry_vouches_for_are_refused(spec: list[str], reason: str, pypi: HTTPServer,
                                                     python_on_path: Path, tmp_path: Path) -> None:  # fmt: skip
    code, _, err = run(["pip", "install", *spec], tmp_path)
    assert code == 1 and reason in err and "--allow-unverified" in err and argv(python_on_path) is None
    code, _, err = run(["pip", "--allow-unverified", "install", *spec], tmp_path)
    assert code == 0, err
    assert argv(python_on_path) == ["-m", "pip", "install", *spec]


def test_requirements_file_with_direct_references(pypi: HTTPServer, python_on_path: Path, tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("requests\n-e git+https://127.0.0.1:9/x.git#egg=x\n")
    code, _, err = run(["pip", "install", "-r", "requirements.txt"], tmp_path)
    assert code == 1 and "requirements.txt:2" in err and "editable" in err and argv(python_on_path) is None


# --- npm -------------------------------------------------------------------------------------------------------


@pytest.fixture
def npm_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, httpserver: HTTPServer) -> Path:
    """A fake npm, and a configured registry where lodash exists."""
    log = fake_client(tmp_path / "bin", "npm")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.setenv("npm_config_registry", httpserver.url_for("/"))
    monkeypatch.setenv("SLOPGUARD_CACHE_DIR", str(tmp_path / "facts"))
    httpserver.expect_request("/lodash").respond_with_json(PACKUMENT)
    httpserver.expect_request("/-/npm/v1/security/advisories/bulk", method="POST").respond_with_json({})
    return log


def test_npm_verifies_against_the_registry_it_will_use(npm_on_path: Path, tmp_path: Path) -> None:
    code, _, err = run(["npm", "install", "lodash"], tmp_path)
    assert code == 0, err
    assert argv(npm_on_path) == ["install", "lodash"]
    npm_on_path.unlink()
    other = HTTPServer(host="127.0.0.1", port=0)
    other.expect_request("/lodash").respond_with_json({"error": "Not found"}, status=404)
    other.start()
    try:
        for args in (["--registry", other.url_for("/")], [f"--registry={other.url_for('/')}"]):
            code, _, err = run(["npm", *args, "install", "lodash"], tmp_path)
            assert code == 1 and "refusing to install lodash" in err and argv(npm_on_path) is None
    finally:
        other.clear()
        other.stop()


@pytest.mark.parametrize(
    "spec",
    ["https://127.0.0.1:9/evil.tgz", "git+https://127.0.0.1:9/x.git", "github:someone/evil", "someone/evil",
     "file:../evil", "evil@file:../evil"],
)  # fmt: skip
def test_npm_sources_no_registry_vouches_for_are_refused(spec: str, npm_on_path: Path, tmp_path: Path) -> None:
    code, _, err = run(["npm", "install", spec], tmp_path)
    assert code == 1 and "cannot verify" in err and argv(npm_on_path) is None
    code, _, err = run(["npm", "--allow-unverified", "install", spec], tmp_path)
    assert code == 0 and argv(npm_on_path) == ["install", spec]


def test_bare_npm_install_checks_package_json(npm_on_path: Path, tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text('{"dependencies": {"lodash": "^4.17.0", "evil": "github:someone/evil"}}')
    code, _, err = run(["npm", "install"], tmp_path)
    assert code == 1 and "github:someone/evil" in err and argv(npm_on_path) is None
    (tmp_path / "package.json").write_text('{"dependencies": {"lodash": "^4.17.0"}}')
    code, _, err = run(["npm", "ci"], tmp_path)
    assert code == 0, err
