"""Where the registries are: index URLs from the user's pip and npm configuration, never a built-in host name.

``pypi_index_url`` follows pip's own precedence (``PIP_INDEX_URL``, then ``PIP_CONFIG_FILE``, the site, user
and global ``pip.conf`` files, ``[install]`` before ``[global]``), falling back to the default pip itself ships.
``npm_registry_url`` follows npm's (``npm_config_registry``, user/global ``.npmrc``), falling back to ``npm config
get registry`` run outside any project. A project's own ``.npmrc`` is read only when the caller names the project
(the install wrapper, where npm itself will use it): the verifier never lets a scanned project choose where its
requests go. Credentials embedded in a URL are kept for requests but redacted in messages.
"""

from __future__ import annotations

import configparser
import functools
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from slopguard.deps.model import RegistryError
from slopguard.deps.urls import redact_url, with_slash

__all__ = [
    "RegistryConfigError",
    "advisory_exports",
    "npm_registry_url",
    "osv_api_url",
    "pip_config_files",
    "project_npm_registries",
    "pypi_index_url",
    "pypi_json_base",
    "redact_url",  # re-exported for cli/install.py until it imports slopguard.deps.urls
]

NPM_CONFIG_TIMEOUT_S = 10.0
_REGISTRY_KEY = re.compile(r"^(?:@[^:]+:)?registry$")


class RegistryConfigError(RegistryError):
    """The registry location could not be determined from the user's configuration."""


def _check_http_url(url: str, source: str) -> str:
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or re.search(r"\s", parts.netloc):
        raise RegistryConfigError(f"{source} is not an http(s) URL: {redact_url(url)!r}")
    return url


# -- PyPI ----------------------------------------------------------------------------------------------------


def _home(env: Mapping[str, str]) -> Path:
    return Path(env.get("HOME") or env.get("USERPROFILE") or Path.home())


def pip_config_files(env: Mapping[str, str] = os.environ) -> list[Path]:
    """pip's configuration files, lowest precedence first (a later file overrides an earlier one).

    Global (``$XDG_CONFIG_DIRS/pip/pip.conf``, ``/etc/pip.conf``), then user (``~/.pip/pip.conf``, then
    ``$XDG_CONFIG_HOME/pip/pip.conf``) unless ``PIP_CONFIG_FILE`` names an existing file, then the virtual
    environment's ``pip.conf``, then ``PIP_CONFIG_FILE``. ``PIP_CONFIG_FILE=os.devnull`` disables them all.
    """
    env_file = env.get("PIP_CONFIG_FILE")
    if env_file == os.devnull:
        return []
    home = _home(env)
    files: list[Path] = []
    if sys.platform == "win32":
        program_data = env.get("PROGRAMDATA", r"C:\ProgramData")
        files.append(Path(program_data) / "pip" / "pip.ini")
        user = [
            home / "pip" / "pip.ini",
            Path(env.get("APPDATA") or home / "AppData" / "Roaming") / "pip" / "pip.ini",
        ]
        basename = "pip.ini"
    else:
        if sys.platform == "darwin":
            files.append(Path("/Library/Application Support/pip/pip.conf"))
        else:
            xdg_dirs = env.get("XDG_CONFIG_DIRS") or "/etc/xdg"
            files.extend(Path(d) / "pip" / "pip.conf" for d in xdg_dirs.split(os.pathsep) if d)
        files.append(Path("/etc/pip.conf"))
        config_home = Path(env.get("XDG_CONFIG_HOME") or home / ".config")
        user = [home / ".pip" / "pip.conf", config_home / "pip" / "pip.conf"]
        if sys.platform == "darwin":
            mac_dir = home / "Library" / "Application Support" / "pip"
            if mac_dir.is_dir():
                user[1] = mac_dir / "pip.conf"
        basename = "pip.conf"
    if not (env_file and Path(env_file).exists()):
        files.extend(user)
    site = env.get("VIRTUAL_ENV") or sys.prefix
    files.append(Path(site) / basename)
    if env_file:
        files.append(Path(env_file))
    return files


def _pip_setting(files: list[Path], key: str) -> tuple[str, Path] | None:
    """The value of ``key`` as pip would read it: ``[install]`` in any file beats ``[global]`` in any file."""
    found: dict[str, tuple[str, Path]] = {}
    for path in files:
        parser = configparser.RawConfigParser()
        try:
            parser.read(path, encoding="utf-8")
        except (OSError, UnicodeDecodeError, configparser.Error):
            continue
        for section in ("global", "install"):
            if not parser.has_section(section):
                continue
            for option, value in parser.items(section):
                name = option.lower().replace("_", "-").removeprefix("--")
                if name == key and value and value.strip():
                    found[section] = (value.strip().split()[0], path)
    return found.get("install") or found.get("global")


def _pip_default_index() -> str:
    try:
        from pip._internal.models.index import PyPI
    except Exception as exc:  # pip absent or its internals moved
        raise RegistryConfigError(
            "cannot determine the Python package index: PIP_INDEX_URL is not set, no pip configuration file "
            "names an index-url, and pip (whose default index slopguard would use) is not importable; "
            "set PIP_INDEX_URL to your index's /simple/ URL"
        ) from exc
    return str(PyPI.simple_url)


def pypi_index_url(env: Mapping[str, str] = os.environ) -> str:
    """The package index pip would use (its ``/simple/`` URL, with a trailing slash)."""
    value = env.get("PIP_INDEX_URL")
    if value and value.strip():
        return with_slash(_check_http_url(value.split()[0], "PIP_INDEX_URL"))
    setting = _pip_setting(pip_config_files(env), "index-url")
    if setting is not None:
        return with_slash(_check_http_url(setting[0], f"index-url in {setting[1]}"))
    return with_slash(_check_http_url(_pip_default_index(), "pip's default index"))


def pypi_json_base(index_url: str) -> str:
    """The JSON API root for an index: ``https://host/simple/`` -> ``https://host/`` (``{base}pypi/NAME/json``).

    Mirrors that serve the simple API under another path (``.../api/pypi/repo/simple``) keep their prefix.
    """
    parts = urlsplit(index_url)
    path = re.sub(r"/\+?simple/?$", "/", parts.path.rstrip("/") + "/")
    return urlunsplit(parts._replace(path=with_slash(path), query="", fragment=""))


# -- npm -----------------------------------------------------------------------------------------------------

_NPMRC_VAR = re.compile(r"(\\*)\$\{([^}]+)\}")


def _expand(value: str, env: Mapping[str, str]) -> str:
    """npm's ``${VAR}`` substitution in .npmrc values (``\\${VAR}`` stays literal)."""

    def sub(match: re.Match[str]) -> str:
        slashes, name = match.group(1), match.group(2)
        if len(slashes) % 2:
            return slashes[1:] + "${" + name + "}"
        return slashes + env.get(name.removesuffix("?"), "")

    return _NPMRC_VAR.sub(sub, value)


def read_npmrc(path: Path, env: Mapping[str, str]) -> dict[str, str]:
    """``key=value`` lines of an .npmrc (comments ``;``/``#``); missing or unreadable files are empty."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    settings: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line[0] in ";#[" or "=" not in line:
            continue
        key, _, value = line.partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        settings[_expand(key.strip(), env)] = _expand(value, env)
    return settings


def _project_npmrcs(project_dir: Path) -> Iterator[Path]:
    """``.npmrc`` from ``project_dir`` upward, stopping at the repository root (a folder with ``.git``)."""
    current = project_dir.resolve()
    while True:
        yield current / ".npmrc"
        if (current / ".git").exists() or current.parent == current:
            return
        current = current.parent


def project_npm_registries(project_dir: Path, env: Mapping[str, str] = os.environ) -> list[str]:
    """The registry settings (``registry``, ``@scope:registry``) in a project's ``.npmrc`` files, as
    ``"KEY in PATH"``: npm run in that project would use them; the verifier does not (they are not the user's)."""
    found: list[str] = []
    for path in _project_npmrcs(project_dir):
        if path.is_file():
            found += [f"{key} in {path}" for key in read_npmrc(path, env) if _REGISTRY_KEY.match(key)]
    return found


def _npm_layers(project_dir: Path | None, env: Mapping[str, str]) -> Iterator[tuple[str, dict[str, str]]]:
    """npm configuration layers, highest precedence first: environment, project (if named), user, global."""
    env_settings = {
        key[len("npm_config_") :]: value for key, value in env.items() if key.lower().startswith("npm_config_")
    }
    lowered = {key.lower(): value for key, value in env_settings.items()}
    yield "the environment", lowered
    for path in _project_npmrcs(project_dir) if project_dir is not None else ():
        if path.is_file():
            yield str(path), read_npmrc(path, env)
    user_path = Path(lowered.get("userconfig") or _home(env) / ".npmrc").expanduser()
    user = read_npmrc(user_path, env)
    yield str(user_path), user
    if "globalconfig" in lowered:
        global_path = Path(lowered["globalconfig"]).expanduser()
    else:
        prefix = lowered.get("prefix") or user.get("prefix") or env.get("PREFIX")
        if not prefix:
            node = shutil.which("node", path=env.get("PATH"))
            prefix = str(Path(node).resolve().parent.parent) if node else ""
        global_path = Path(prefix) / "etc" / "npmrc" if prefix else Path()
    if global_path.name:
        yield str(global_path), read_npmrc(global_path, env)


@functools.lru_cache(maxsize=8)
def _npm_default_registry(npm: str) -> str:
    """Ask the npm client once for its registry (what it uses when nothing is configured)."""
    try:
        done = subprocess.run(
            [npm, "config", "get", "registry"],
            capture_output=True,
            text=True,
            timeout=NPM_CONFIG_TIMEOUT_S,
            check=False,
            cwd=Path(npm).parent,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise RegistryConfigError(f"`npm config get registry` failed: {exc}") from exc
    answer = done.stdout.strip().splitlines()[-1:] if done.returncode == 0 else []
    if not answer:
        raise RegistryConfigError(f"`npm config get registry` failed (exit {done.returncode}): {done.stderr.strip()}")
    return answer[0].strip()


def npm_registry_url(
    project_dir: Path | None = None, env: Mapping[str, str] = os.environ, *, scope: str | None = None
) -> str:
    """The registry npm would use for a package (with ``scope="@corp"``, its ``@corp:registry`` if set).

    Looks at ``npm_config_registry`` (any case), ``.npmrc`` from ``project_dir`` up to the repository root (only
    when a project is named: the user's own, where npm will run), ``~/.npmrc`` (or ``npm_config_userconfig``),
    the global ``$PREFIX/etc/npmrc`` (or ``npm_config_globalconfig``), then asks ``npm config get registry``.
    Raises RegistryConfigError when none is configured and npm is not installed.
    """
    keys = ([f"{scope}:registry"] if scope else []) + ["registry"]
    layers = list(_npm_layers(project_dir, env))
    for key in keys:
        for source, settings in layers:
            value = settings.get(key)
            if value and value.strip():
                return with_slash(_check_http_url(value, f"{key} in {source}"))
    npm = shutil.which("npm", path=env.get("PATH"))
    if npm is None:
        raise RegistryConfigError(
            "cannot determine the npm registry: no `registry` in the environment or any .npmrc, and the npm "
            "client (whose default slopguard would use) is not installed; set npm_config_registry"
        )
    return with_slash(_check_http_url(_npm_default_registry(npm), "`npm config get registry`"))


# -- OSV (advisories) ----------------------------------------------------------------------------------------


def osv_api_url(given: str | None, env: Mapping[str, str] = os.environ) -> str | None:
    """The OSV API to ask: ``--osv-url``, else ``SLOPGUARD_OSV_URL``, else none (no address is built in)."""
    if given:
        return _check_http_url(given, "--osv-url")
    configured = env.get("SLOPGUARD_OSV_URL", "").strip()
    return _check_http_url(configured, "SLOPGUARD_OSV_URL") if configured else None


def advisory_exports(given: tuple[Path, ...], env: Mapping[str, str] = os.environ) -> tuple[Path, ...]:
    """Local OSV exports: ``--advisories`` paths, else ``SLOPGUARD_ADVISORIES`` (a path list, ``os.pathsep``)."""
    if given:
        return given
    listed = env.get("SLOPGUARD_ADVISORIES", "")
    return tuple(Path(p).expanduser() for p in listed.split(os.pathsep) if p.strip())
