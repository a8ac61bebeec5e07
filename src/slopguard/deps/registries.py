"""Where the registries are: index URLs from the user's pip and npm configuration, never a built-in host name.

``pypi_index_url`` follows pip's own precedence (``PIP_INDEX_URL``, then ``PIP_CONFIG_FILE``, the site, user
and global ``pip.conf`` files, ``[install]`` before ``[global]``), falling back to the default pip itself ships.
``npm_registry_url`` follows npm's (``npm_config_registry``, project/user/global ``.npmrc``), falling back to
``npm config get registry``. Credentials embedded in a URL are kept for requests but redacted in messages.
"""

from __future__ import annotations

import asyncio
import configparser
import email.utils
import functools
import logging
import os
import random
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Self
from urllib.parse import quote, unquote, urlsplit, urlunsplit

import httpx

from slopguard import __version__
from slopguard.deps.model import RegistryError

__all__ = [
    "HttpPolicy",
    "JsonHttp",
    "RegistryConfigError",
    "npm_registry_url",
    "pip_config_files",
    "pypi_index_url",
    "pypi_json_base",
    "redact_url",
    "split_credentials",
]

NPM_CONFIG_TIMEOUT_S = 10.0
log = logging.getLogger(__name__)


class RegistryConfigError(RegistryError):
    """The registry location could not be determined from the user's configuration."""


# -- URL helpers ---------------------------------------------------------------------------------------------


def with_slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def redact_url(url: str) -> str:
    """``url`` with any password (or a lone token user name) replaced by ``***``, for messages and logs."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    userinfo, host = parts.netloc.rsplit("@", 1)
    user, sep, _password = userinfo.partition(":")
    shown = f"{user}:***" if sep else "***"
    return urlunsplit(parts._replace(netloc=f"{shown}@{host}"))


def split_credentials(url: str) -> tuple[str, tuple[str, str] | None]:
    """Split ``https://user:secret@host/path`` into the bare URL and ``(user, secret)`` for Basic auth."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url, None
    userinfo, host = parts.netloc.rsplit("@", 1)
    user, _, password = userinfo.partition(":")
    return urlunsplit(parts._replace(netloc=host)), (unquote(user), unquote(password))


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


def _npm_layers(project_dir: Path, env: Mapping[str, str]) -> Iterator[tuple[str, dict[str, str]]]:
    """npm configuration layers, highest precedence first: environment, project, user, global."""
    env_settings = {
        key[len("npm_config_") :]: value for key, value in env.items() if key.lower().startswith("npm_config_")
    }
    lowered = {key.lower(): value for key, value in env_settings.items()}
    yield "the environment", lowered
    for path in _project_npmrcs(project_dir):
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


def npm_registry_url(project_dir: Path, env: Mapping[str, str] = os.environ, *, scope: str | None = None) -> str:
    """The registry npm would use for a package (with ``scope="@corp"``, its ``@corp:registry`` if set).

    Looks at ``npm_config_registry`` (any case), ``.npmrc`` from ``project_dir`` up to the repository root,
    ``~/.npmrc`` (or ``npm_config_userconfig``), the global ``$PREFIX/etc/npmrc`` (or
    ``npm_config_globalconfig``), then asks ``npm config get registry``. Raises RegistryConfigError when none
    is configured and npm is not installed.
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


def npm_escape_name(name: str) -> str:
    """The registry path segment for a package: ``@scope/name`` -> ``@scope%2fname``."""
    if name.startswith("@") and "/" in name:
        scope, _, rest = name.partition("/")
        return f"{quote(scope, safe='@')}%2f{quote(rest, safe='')}"
    return quote(name, safe="")


# -- HTTP ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HttpPolicy:
    """Time-outs, retries and concurrency for one registry client.

    ``timeout`` bounds each phase (connect, read, ...) of a request; ``tries`` is the total number of attempts
    on 5xx, 429, time-outs, connection errors and malformed JSON, spaced ``backoff * 2**n`` seconds apart (or
    by ``Retry-After`` on 429/503, if not above ``max_retry_after``); ``concurrency`` caps requests in flight.
    """

    timeout: float = 10.0
    tries: int = 3
    backoff: float = 0.5
    max_retry_after: float = 30.0
    concurrency: int = 16


class JsonHttp:
    """Retrying JSON requests against one registry; every failure ends as RegistryError with a reason."""

    def __init__(self, base_url: str, policy: HttpPolicy, client: httpx.AsyncClient | None = None) -> None:
        self.base_url, self.auth = split_credentials(with_slash(base_url))
        self.policy = policy
        self._owned = client is None
        self.client = client or httpx.AsyncClient(
            timeout=httpx.Timeout(policy.timeout),
            follow_redirects=True,
            headers={"User-Agent": f"slopguard/{__version__}", "Accept": "application/json"},
            limits=httpx.Limits(max_connections=policy.concurrency),
        )
        self._gate = asyncio.Semaphore(policy.concurrency)

    async def aclose(self) -> None:
        if self._owned:
            await self.client.aclose()

    async def request(self, method: str, path: str, *, body: Any = None) -> Any | None:
        """The decoded JSON answer to ``method base_url+path``, or None for a 404."""
        url = self.base_url + path
        shown = redact_url(url)
        reason = "no attempt made"
        delay = 0.0
        for attempt in range(max(1, self.policy.tries)):
            if attempt:
                await asyncio.sleep(delay)
            delay = self.policy.backoff * 2**attempt + random.uniform(0, self.policy.backoff / 4)
            try:
                async with self._gate, asyncio.timeout(self.policy.timeout * 3):  # also bounds a slow drip
                    response = await self.client.request(method, url, json=body, auth=self._auth())
            except httpx.UnsupportedProtocol as exc:
                raise RegistryError(f"{shown}: unsupported URL ({exc})") from exc
            except (httpx.TimeoutException, TimeoutError):
                reason = f"timed out after {self.policy.timeout:g} s"
                log.debug("%s %s: %s (attempt %d)", method, shown, reason, attempt + 1)
                continue
            except httpx.HTTPError as exc:
                reason = f"connection failed ({type(exc).__name__}: {exc})"
                log.debug("%s %s: %s (attempt %d)", method, shown, reason, attempt + 1)
                continue
            status = response.status_code
            if status == 404:
                return None
            if 200 <= status < 300:
                try:
                    return response.json()
                except ValueError:
                    reason = "answered with malformed JSON"
                    continue
            reason = f"answered HTTP {status} {response.reason_phrase}".rstrip()
            if status not in (429,) and status < 500:
                hint = " (check the credentials for this registry)" if status in (401, 403) else ""
                raise RegistryError(f"{shown} {reason}{hint}")
            wait = _retry_after(response.headers.get("Retry-After"))
            if wait is not None and status in (429, 503):
                if wait > self.policy.max_retry_after:
                    raise RegistryError(f"{shown} {reason}; it asks to retry after {wait:g} s")
                delay = wait
        raise RegistryError(f"{shown} {reason} ({self.policy.tries} attempts)")

    def _auth(self) -> httpx.Auth | httpx._client.UseClientDefault:
        return httpx.BasicAuth(*self.auth) if self.auth else httpx.USE_CLIENT_DEFAULT


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


class RegistryClient:
    """Shared lifecycle of the registry clients: an async context manager over one ``JsonHttp``."""

    http: JsonHttp

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self.http.aclose()
