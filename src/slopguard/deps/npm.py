"""npm registry client: packuments (versions, publish times, install scripts, deprecation) and bulk advisories."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from slopguard.deps.model import Advisory, Ecosystem, PackageFacts, RegistryError, Release
from slopguard.deps.registries import (
    HttpPolicy,
    JsonHttp,
    RegistryClient,
    npm_escape_name,
    npm_registry_url,
    redact_url,
)

__all__ = [
    "ADVISORY_PATH",
    "INSTALL_HOOKS",
    "NpmClient",
    "fixed_versions",
    "parse_packument",
    "repository_url",
]

ADVISORY_PATH = "-/npm/v1/security/advisories/bulk"
INSTALL_HOOKS = ("preinstall", "install", "postinstall")
# npm package names (legacy names may hold capitals); 214 characters at most.
_VALID_NAME = re.compile(r"^(?:@[a-z0-9][\w.~-]*/)?[a-z0-9~][\w.~-]*$", re.IGNORECASE)
_SHORTHAND = re.compile(r"^(?:(github|gitlab|bitbucket):)?([\w.-]+)/([\w.-]+?)(?:\.git)?$")
_HOSTS = {"github": "github.com", "gitlab": "gitlab.com", "bitbucket": "bitbucket.org", None: "github.com"}
_BELOW = re.compile(r"(?<![<>=])<(?!=)\s*v?(\d[^\s|,]*)")
_AT_LEAST = re.compile(r">=\s*v?(\d[^\s|,]*)")


class NpmClient(RegistryClient):
    """Async client for the npm registry configured for ``project_dir`` (or ``registry``).

    ``await client.facts("left-pad", "1.3.0")`` -> PackageFacts with that version's deprecation, install scripts
    and advisories (the latest version's when none is given); ``await client.advisories({"lodash": ["4.17.20"]})``
    queries the bulk advisory endpoint for many packages at once. A 404 gives ``exists=False``; anything the
    client cannot trust raises RegistryError.
    """

    def __init__(
        self,
        registry: str | None = None,
        *,
        project_dir: Path | None = None,
        policy: HttpPolicy | None = None,
        client: httpx.AsyncClient | None = None,
        env: Mapping[str, str] = os.environ,
    ) -> None:
        self.registry = registry or npm_registry_url(project_dir or Path.cwd(), env)
        self.http = JsonHttp(self.registry, policy or HttpPolicy(), client)

    async def facts(self, name: str, version: str | None = None, *, audit: bool = True) -> PackageFacts:
        """Facts about ``name`` (``version``: the pinned one). ``audit=False`` skips the advisory look-up."""
        if len(name) > 214 or not _VALID_NAME.match(name):
            return PackageFacts(Ecosystem.NPM, name, exists=False)
        path = npm_escape_name(name)
        data = await self.http.request("GET", path)
        if data is None:
            return PackageFacts(Ecosystem.NPM, name, exists=False)
        facts = parse_packument(data, version, redact_url(self.http.base_url + path))
        target = version or facts.latest
        if audit and facts.exists and target:
            found = await self.advisories({name: [target]})
            facts = replace(facts, advisories=found.get(name, ()))
        return facts

    async def advisories(self, packages: Mapping[str, list[str]]) -> dict[str, tuple[Advisory, ...]]:
        """Advisories affecting the given versions, per package name (names without any are left out)."""
        wanted = {name: sorted(set(versions)) for name, versions in packages.items() if versions}
        if not wanted:
            return {}
        data = await self.http.request("POST", ADVISORY_PATH, body=wanted)
        where = redact_url(self.http.base_url + ADVISORY_PATH)
        if data is None:
            raise RegistryError(f"{where} is not offered by this registry (HTTP 404)")
        if not isinstance(data, dict):
            raise RegistryError(f"{where} answered JSON that is not an object")
        result: dict[str, tuple[Advisory, ...]] = {}
        for name, items in data.items():
            if not isinstance(items, list):
                raise RegistryError(f"{where} answered a malformed advisory list for {name!r}")
            found = tuple(_advisory(item) for item in items if isinstance(item, dict) and "id" in item)
            if found:
                result[str(name)] = found
        return result


def parse_packument(data: Any, version: str | None = None, where: str = "the registry") -> PackageFacts:
    """Map a packument (``GET /NAME``) to PackageFacts for ``version`` (default: ``dist-tags.latest``)."""
    if not isinstance(data, dict) or not isinstance(data.get("name"), str):
        raise RegistryError(f"{where} answered JSON that is not a package document")
    name: str = data["name"]
    times = _object(data.get("time"))
    versions = _object(data.get("versions"))
    if not versions and isinstance(times.get("unpublished"), dict):
        when = times["unpublished"].get("time", "")
        return PackageFacts(Ecosystem.NPM, name, exists=False, summary=f"unpublished {when}".strip())
    if not versions:  # a name with no installable version is as good as missing (and free to be filled)
        return PackageFacts(Ecosystem.NPM, name, exists=False, summary="no published versions")
    tags = _object(data.get("dist-tags"))
    latest = tags.get("latest") if isinstance(tags.get("latest"), str) else None
    releases = sorted(
        (Release(version=str(v), uploaded=_parse_time(times.get(v))) for v in versions),
        key=lambda r: (r.uploaded is None, r.uploaded or datetime.min.replace(tzinfo=UTC), r.version),
    )
    manifest = _object(versions.get(version or latest or ""))
    deprecated = manifest.get("deprecated")
    description = data.get("description") or manifest.get("description") or ""
    return PackageFacts(
        ecosystem=Ecosystem.NPM,
        name=name,
        exists=True,
        releases=tuple(releases),
        latest=latest,
        repository=repository_url(manifest.get("repository") or data.get("repository"), data.get("homepage")),
        summary=str(description).strip(),
        deprecated=(deprecated.strip() or "deprecated") if isinstance(deprecated, str) and deprecated else None,
        install_scripts=install_scripts(manifest),
    )


def install_scripts(manifest: Mapping[str, Any]) -> tuple[str, ...]:
    """``"hook: command"`` for each install-time script npm would run, incl. the implicit node-gyp build."""
    scripts = {k: v for k, v in _object(manifest.get("scripts")).items() if isinstance(v, str)}
    if manifest.get("gypfile") is True and "install" not in scripts and "preinstall" not in scripts:
        scripts["install"] = "node-gyp rebuild (implicit, binding.gyp)"
    return tuple(f"{hook}: {scripts[hook]}" for hook in INSTALL_HOOKS if hook in scripts)


def repository_url(repository: Any, homepage: Any = None) -> str | None:
    """An https URL for a package.json ``repository`` (object, URL or ``user/repo`` shorthand)."""
    value = repository.get("url") if isinstance(repository, dict) else repository
    if isinstance(value, str) and value.strip():
        url = value.strip().removeprefix("git+")
        shorthand = _SHORTHAND.match(url)
        if shorthand and "://" not in url:
            return f"https://{_HOSTS[shorthand.group(1)]}/{shorthand.group(2)}/{shorthand.group(3)}"
        scp = re.match(r"^(?:ssh://)?git@([^:/]+)[:/](.+)$", url)
        if scp:
            url = f"https://{scp.group(1)}/{scp.group(2)}"
        url = re.sub(r"^(git|ssh|git\+ssh)://", "https://", url)
        return url.removesuffix(".git") if url.startswith(("https://", "http://")) else None
    if isinstance(homepage, str) and re.match(r"^https://(github\.com|gitlab\.com|bitbucket\.org)/", homepage):
        return homepage.split("#")[0]
    return None


def fixed_versions(patched: Any, vulnerable: Any) -> tuple[str, ...]:
    """Versions that fix an advisory: ``>=X`` from ``patched_versions``, else ``<X`` bounds of the vulnerable range."""
    if isinstance(patched, str) and patched.strip():
        return tuple(dict.fromkeys(_AT_LEAST.findall(patched)))
    if isinstance(vulnerable, str):
        return tuple(dict.fromkeys(_BELOW.findall(vulnerable)))
    return ()


def _advisory(item: Mapping[str, Any]) -> Advisory:
    url = str(item.get("url") or "")
    ghsa = re.search(r"GHSA(?:-[0-9a-z]{4}){3}", url, re.IGNORECASE)
    ident = ghsa.group(0) if ghsa else str(item["id"])
    aliases = tuple(a for a in (str(item["id"]), *(str(c) for c in item.get("cves") or ())) if a != ident)
    return Advisory(
        id=ident,
        summary=str(item.get("title") or "").strip(),
        aliases=aliases,
        fixed_in=fixed_versions(item.get("patched_versions"), item.get("vulnerable_versions")),
        url=url,
    )


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
