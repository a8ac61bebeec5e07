"""Index URL resolution from the user's pip and npm configuration (temporary files, explicit environments)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from slopguard.deps import registries
from slopguard.deps.npm import npm_escape_name
from slopguard.deps.registries import (
    RegistryConfigError,
    npm_registry_url,
    pip_config_files,
    pypi_index_url,
    pypi_json_base,
)
from slopguard.deps.urls import redact_url, split_credentials, with_slash

posix_only = pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="Linux/XDG file layout")


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def pip_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """An environment whose every pip configuration location is under ``tmp_path``."""
    env = {
        "HOME": str(tmp_path / "home"),
        "XDG_CONFIG_HOME": str(tmp_path / "home" / ".config"),
        "XDG_CONFIG_DIRS": str(tmp_path / "xdg"),
        "VIRTUAL_ENV": str(tmp_path / "venv"),
    }
    env.update(extra)
    return env


def pip_default() -> str:
    from pip._internal.models.index import PyPI

    return str(PyPI.simple_url).rstrip("/") + "/"


# -- pip -----------------------------------------------------------------------------------------------------


def test_pip_index_url_environment_wins(tmp_path: Path) -> None:
    write(tmp_path / "venv" / "pip.conf", "[global]\nindex-url = https://site.example/simple\n")
    env = pip_env(tmp_path, PIP_INDEX_URL="https://env.example/pypi/simple")
    assert pypi_index_url(env) == "https://env.example/pypi/simple/"


@posix_only
def test_pip_config_precedence(tmp_path: Path) -> None:
    env = pip_env(tmp_path)
    if registries._pip_setting([Path("/etc/pip.conf")], "index-url"):
        pytest.skip("this machine's /etc/pip.conf sets index-url, which overrides the XDG file")
    write(tmp_path / "xdg" / "pip" / "pip.conf", "[global]\nindex-url = https://global.example/simple\n")
    assert pypi_index_url(env) == "https://global.example/simple/"
    write(tmp_path / "home" / ".pip" / "pip.conf", "[global]\nindex-url = https://legacy.example/simple\n")
    assert pypi_index_url(env) == "https://legacy.example/simple/"
    write(
        tmp_path / "home" / ".config" / "pip" / "pip.conf",
        "[global]\nindex_url = https://user.example/simple\n",
    )
    assert pypi_index_url(env) == "https://user.example/simple/"
    write(tmp_path / "venv" / "pip.conf", "[global]\nindex-url = https://site.example/simple\n")
    assert pypi_index_url(env) == "https://site.example/simple/"
    # A command section beats [global] in any file, even a lower one.
    write(tmp_path / "xdg" / "pip" / "pip.conf", "[install]\nindex-url = https://install.example/simple\n")
    assert pypi_index_url(env) == "https://install.example/simple/"


@posix_only
def test_pip_config_file_variable(tmp_path: Path) -> None:
    write(
        tmp_path / "home" / ".config" / "pip" / "pip.conf",
        "[install]\nindex-url = https://user.example/simple\n",
    )
    named = write(tmp_path / "ci.conf", "[global]\nindex-url = https://ci.example/simple/\n")
    env = pip_env(tmp_path, PIP_CONFIG_FILE=str(named))
    # An existing PIP_CONFIG_FILE replaces the user files, and is read last.
    assert pypi_index_url(env) == "https://ci.example/simple/"
    assert pip_config_files(env)[-1] == named
    assert tmp_path / "home" / ".config" / "pip" / "pip.conf" not in pip_config_files(env)


def test_pip_config_file_devnull_disables_files(tmp_path: Path) -> None:
    write(tmp_path / "venv" / "pip.conf", "[global]\nindex-url = https://site.example/simple\n")
    env = pip_env(tmp_path, PIP_CONFIG_FILE=os.devnull)
    assert pip_config_files(env) == []
    assert pypi_index_url(env) == pip_default()


def test_pip_default_comes_from_pip(tmp_path: Path) -> None:
    assert pypi_index_url(pip_env(tmp_path, PIP_CONFIG_FILE=os.devnull)) == pip_default()


def test_pip_missing_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pip._internal.models.index", None)
    with pytest.raises(RegistryConfigError, match="PIP_INDEX_URL"):
        pypi_index_url(pip_env(tmp_path, PIP_CONFIG_FILE=os.devnull))


def test_unreadable_and_invalid_pip_config(tmp_path: Path) -> None:
    write(tmp_path / "venv" / "pip.conf", "this is not [ini\n")
    assert pypi_index_url(pip_env(tmp_path, PIP_INDEX_URL="https://ok.example/simple")) == "https://ok.example/simple/"
    with pytest.raises(RegistryConfigError, match="not an http"):
        pypi_index_url(pip_env(tmp_path, PIP_INDEX_URL="file:///srv/wheels"))
    write(tmp_path / "venv" / "pip.conf", "[global]\nindex-url = ftp://u:hunter2@mirror.example/simple\n")
    with pytest.raises(RegistryConfigError) as caught:
        pypi_index_url(pip_env(tmp_path))
    assert "hunter2" not in str(caught.value)


@pytest.mark.parametrize(
    ("index", "base"),
    [
        ("https://mirror.example/simple/", "https://mirror.example/"),
        ("https://mirror.example/simple", "https://mirror.example/"),
        (
            "https://art.example/artifactory/api/pypi/pypi-remote/simple",
            "https://art.example/artifactory/api/pypi/pypi-remote/",
        ),
        ("https://devpi.example/root/pypi/+simple/", "https://devpi.example/root/pypi/"),
        ("https://u:p@mirror.example/simple/", "https://u:p@mirror.example/"),
        ("https://mirror.example/python/", "https://mirror.example/python/"),
    ],
)
def test_json_base_from_index(index: str, base: str) -> None:
    assert pypi_json_base(index) == base


def test_credentials_are_split_and_redacted() -> None:
    url = "https://ci-bot:s3cr%40t@mirror.example/simple/"
    assert redact_url(url) == "https://ci-bot:***@mirror.example/simple/"
    assert redact_url("https://tok3n@mirror.example/simple/") == "https://***@mirror.example/simple/"
    assert redact_url("https://mirror.example/simple/") == "https://mirror.example/simple/"
    assert split_credentials(url) == ("https://mirror.example/simple/", ("ci-bot", "s3cr@t"))
    assert split_credentials("https://mirror.example/") == ("https://mirror.example/", None)


# -- npm -----------------------------------------------------------------------------------------------------


def npm_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """No npm on PATH, home and global config under ``tmp_path``."""
    empty = tmp_path / "empty-bin"
    empty.mkdir(exist_ok=True)
    env = {
        "HOME": str(tmp_path / "home"),
        "PATH": str(empty),
        "npm_config_globalconfig": str(tmp_path / "prefix" / "etc" / "npmrc"),
    }
    env.update(extra)
    return env


def project(tmp_path: Path) -> Path:
    """``repo/`` (a git root) with ``repo/packages/web`` as the project folder."""
    (tmp_path / "repo" / ".git").mkdir(parents=True, exist_ok=True)
    web = tmp_path / "repo" / "packages" / "web"
    web.mkdir(parents=True, exist_ok=True)
    return web


def test_npm_environment_wins(tmp_path: Path) -> None:
    web = project(tmp_path)
    write(web / ".npmrc", "registry=https://project.example/npm/\n")
    assert (
        npm_registry_url(web, npm_env(tmp_path, npm_config_registry="https://env.example/")) == "https://env.example/"
    )
    assert (
        npm_registry_url(web, npm_env(tmp_path, NPM_CONFIG_REGISTRY="https://ENV.example/r"))
        == "https://ENV.example/r/"
    )


def test_npmrc_layers(tmp_path: Path) -> None:
    web = project(tmp_path)
    env = npm_env(tmp_path)
    write(tmp_path / "prefix" / "etc" / "npmrc", "registry=https://global.example/\n")
    assert npm_registry_url(web, env) == "https://global.example/"
    write(tmp_path / "home" / ".npmrc", '; user settings\nregistry = "https://user.example/npm"\n')
    assert npm_registry_url(web, env) == "https://user.example/npm/"
    write(tmp_path / ".npmrc", "registry=https://outside-the-repo.example/\n")
    assert npm_registry_url(web, env) == "https://user.example/npm/"  # above the repository root: not read
    write(tmp_path / "repo" / ".npmrc", "# repo\nregistry=https://repo.example/\n")
    assert npm_registry_url(web, env) == "https://repo.example/"
    write(web / ".npmrc", "save-exact=true\nregistry=https://web.example/\n")
    assert npm_registry_url(web, env) == "https://web.example/"


def test_npm_userconfig_and_prefix(tmp_path: Path) -> None:
    web = project(tmp_path)
    write(tmp_path / "elsewhere.npmrc", "registry=https://userconfig.example/\n")
    env = npm_env(tmp_path, npm_config_userconfig=str(tmp_path / "elsewhere.npmrc"))
    assert npm_registry_url(web, env) == "https://userconfig.example/"
    write(tmp_path / "node" / "etc" / "npmrc", "registry=https://prefix.example/\n")
    env = npm_env(tmp_path, PREFIX=str(tmp_path / "node"))
    del env["npm_config_globalconfig"]
    assert npm_registry_url(web, env) == "https://prefix.example/"


def test_npmrc_variables_and_scopes(tmp_path: Path) -> None:
    web = project(tmp_path)
    write(
        web / ".npmrc",
        "registry=${REGISTRY_BASE}/npm/\n@acme:registry=https://acme.example/npm/\n"
        "//acme.example/npm/:_authToken=${NPM_TOKEN}\n",
    )
    env = npm_env(tmp_path, REGISTRY_BASE="https://mirror.example", NPM_TOKEN="t0ken")
    assert npm_registry_url(web, env) == "https://mirror.example/npm/"
    assert npm_registry_url(web, env, scope="@acme") == "https://acme.example/npm/"
    assert npm_registry_url(web, env, scope="@other") == "https://mirror.example/npm/"


@pytest.mark.skipif(sys.platform == "win32", reason="shell-script stand-in for npm")
def test_npm_default_asks_the_client_once(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    counter = tmp_path / "calls"
    fake = write(bin_dir / "npm", f'#!/bin/sh\necho x >> "{counter}"\necho https://npm-default.example/\n')
    fake.chmod(0o755)
    env = npm_env(tmp_path, PATH=str(bin_dir))
    web = project(tmp_path)
    assert npm_registry_url(web, env) == "https://npm-default.example/"
    assert npm_registry_url(web, env) == "https://npm-default.example/"
    assert counter.read_text().count("x") == 1


@pytest.mark.skipif(sys.platform == "win32", reason="shell-script stand-in for npm")
def test_npm_client_failure_is_an_error(tmp_path: Path) -> None:
    fake = write(tmp_path / "bin" / "npm", "#!/bin/sh\necho 'npm ERR! broken' >&2\nexit 1\n")
    fake.chmod(0o755)
    with pytest.raises(RegistryConfigError, match="broken"):
        npm_registry_url(project(tmp_path), npm_env(tmp_path, PATH=str(tmp_path / "bin")))


def test_npm_missing_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RegistryConfigError, match="npm_config_registry"):
        npm_registry_url(project(tmp_path), npm_env(tmp_path))


def test_npm_escape_name() -> None:
    assert npm_escape_name("@acme/widget") == "@acme%2fwidget"
    assert npm_escape_name("left-pad") == "left-pad"
    assert with_slash("https://x.example") == "https://x.example/"
