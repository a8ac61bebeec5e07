"""npm registry client: packuments (versions, publish times, install scripts, deprecation) and bulk advisories."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import httpx

from slopguard.deps.model import Advisory, Ecosystem, PackageFacts, RegistryError, Release
from slopguard.deps.registries import npm_registry_url
from slopguard.deps.service import MAX_PACKUMENT_BYTES, HttpPolicy
from slopguard.deps.shape import (
    MalformedAnswer,
    describe,
    member_object,
    optional_str,
    required_object,
    strings,
    text,
)
from slopguard.deps.transport import JsonHttp, RegistryClient
from slopguard.deps.urls import redact_url

__all__ = [
    "ADVISORY_PATH",
    "INSTALL_HOOKS",
    "NpmClient",
    "fixed_versions",
    "npm_escape_name",
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
    """Async client for the npm registry in the user's npm configuration (or ``registry``).

    ``await client.facts("left-pad", "1.3.0")`` -> PackageFacts with that version's deprecation, install scripts
    and advisories (the latest version's when none is given); ``await client.advisories({"lodash": ["4.17.20"]})``
    queries the bulk advisory endpoint for many packages at once. A 404 gives ``exists=False``; anything the
    client cannot trust raises RegistryError. Packuments may be up to ``MAX_PACKUMENT_BYTES``, advisory answers
    up to the policy's ``max_bytes``.
    """

    def __init__(
        self,
        registry: str | None = None,
        *,
        policy: HttpPolicy | None = None,
        client: httpx.AsyncClient | None = None,
        env: Mapping[str, str] = os.environ,
    ) -> None:
        self.registry = registry or npm_registry_url(None, env)
        self.http = JsonHttp(self.registry, policy or HttpPolicy(), client)

    async def facts(self, name: str, version: str | None = None, *, audit: bool = True) -> PackageFacts:
        """Facts about ``name`` (``version``: the pinned one). ``audit=False`` skips the advisory look-up; an
        advisory endpoint that fails (many mirrors answer 404 or 405) leaves an ``advisory_gap``, not an error."""
        if len(name) > 214 or not _VALID_NAME.match(name):
            return PackageFacts(Ecosystem.NPM, name, exists=False)
        path = npm_escape_name(name)
        answer = await self.http.request("GET", path, max_bytes=MAX_PACKUMENT_BYTES)
        if answer is None:
            return PackageFacts(Ecosystem.NPM, name, exists=False)
        facts = parse_packument(answer.data, version, redact_url(self.http.base_url + path))
        target = version or facts.latest
        if not (audit and facts.exists and target):
            return facts
        try:
            found = await self.advisories({name: [target]})
        except RegistryError as exc:
            # Whether the package exists is settled; only its advisories are unknown (a low note, not a verdict).
            return replace(facts, advisory_gap=f"the registry's advisory query failed: {exc}")
        return replace(facts, advisories=found.get(name, ()), advisory_gap=None)

    async def advisories(self, packages: Mapping[str, list[str]]) -> dict[str, tuple[Advisory, ...]]:
        """Advisories affecting the given versions, per package name (names without any are left out)."""
        wanted = {name: sorted(set(versions)) for name, versions in packages.items() if versions}
        if not wanted:
            return {}
        answer = await self.http.request("POST", ADVISORY_PATH, body=wanted)
        where = redact_url(self.http.base_url + ADVISORY_PATH)
        if answer is None:
            raise RegistryError(f"{where} is not offered by this registry (HTTP 404)")
        if not isinstance(answer.data, dict):
            raise MalformedAnswer(f"{where} answered JSON that is not an object (got {describe(answer.data)})")
        result: dict[str, tuple[Advisory, ...]] = {}
        for name, items in answer.data.items():
            if not isinstance(items, list):
                raise MalformedAnswer(f"{where} answered a malformed advisory list for {name!r}")
            found = tuple(_advisory(required_object(item, where, f"advisory for {name}"), where) for item in items)
            if found:
                result[str(name)] = found
        return result


def parse_packument(data: Any, version: str | None = None, where: str = "the registry") -> PackageFacts:
    """Map a packument (``GET /NAME``) to PackageFacts for ``version`` (default: ``dist-tags.latest``)."""
    if not isinstance(data, dict) or not isinstance(data.get("name"), str):
        raise MalformedAnswer(f"{where} answered JSON that is not a package document")
    name: str = data["name"]
    times = member_object(data, "time", where)
    versions = member_object(data, "versions", where)
    if not versions and "unpublished" in times:
        unpublished = required_object(times["unpublished"], where, "time.unpublished")
        when = optional_str(unpublished.get("time"), where, "time.unpublished.time") or ""
        return PackageFacts(Ecosystem.NPM, name, exists=False, summary=f"unpublished {when}".strip())
    if not versions:  # a name with no installable version is as good as missing (and free to be filled)
        return PackageFacts(Ecosystem.NPM, name, exists=False, summary="no published versions")
    manifests = {str(v): required_object(m, where, f"versions[{v!r}]") for v, m in versions.items()}
    latest = optional_str(member_object(data, "dist-tags", where).get("latest"), where, "dist-tags.latest")
    releases = sorted(
        (
            Release(version=v, uploaded=_parse_time(optional_str(times.get(v), where, f"time[{v!r}]")))
            for v in manifests
        ),
        key=lambda r: (r.uploaded is None, r.uploaded or datetime.min.replace(tzinfo=UTC), r.version),
    )
    manifest = manifests.get(version or latest or "", {})
    deprecated = manifest.get("deprecated")
    description = text(data.get("description")) or text(manifest.get("description"))
    return PackageFacts(
        ecosystem=Ecosystem.NPM,
        name=name,
        exists=True,
        advisory_gap="advisories not looked up",
        releases=tuple(releases),
        latest=latest,
        repository=repository_url(manifest.get("repository") or data.get("repository"), data.get("homepage")),
        summary=description,
        deprecated=(deprecated.strip() or "deprecated") if isinstance(deprecated, str) and deprecated else None,
        install_scripts=install_scripts(manifest),
    )


def install_scripts(manifest: Mapping[str, Any]) -> tuple[str, ...]:
    """``"hook: command"`` for each install-time script npm would run, incl. the implicit node-gyp build.

    Only string commands count: npm runs nothing for any other value.
    """
    hooks = manifest.get("scripts")
    scripts = {k: v for k, v in hooks.items() if isinstance(v, str)} if isinstance(hooks, dict) else {}
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


def npm_escape_name(name: str) -> str:
    """The registry path segment for a package: ``@scope/name`` -> ``@scope%2fname``."""
    if name.startswith("@") and "/" in name:
        scope, _, rest = name.partition("/")
        return f"{quote(scope, safe='@')}%2f{quote(rest, safe='')}"
    return quote(name, safe="")


def _advisory(item: Mapping[str, Any], where: str) -> Advisory:
    raw_id = item.get("id")
    if isinstance(raw_id, bool) or not isinstance(raw_id, (int, str)) or raw_id == "":
        raise MalformedAnswer(f"{where} answered an advisory without a usable 'id' (got {describe(raw_id)})")
    url = optional_str(item.get("url"), where, "advisory url") or ""
    ghsa = re.search(r"GHSA(?:-[0-9a-z]{4}){3}", url, re.IGNORECASE)
    ident = ghsa.group(0) if ghsa else str(raw_id)
    cves = strings(item.get("cves"), where, "advisory cves")
    aliases = tuple(a for a in (str(raw_id), *cves) if a != ident)
    patched = optional_str(item.get("patched_versions"), where, "advisory patched_versions")
    vulnerable = optional_str(item.get("vulnerable_versions"), where, "advisory vulnerable_versions")
    return Advisory(
        id=ident,
        summary=text(item.get("title")),
        aliases=aliases,
        fixed_in=fixed_versions(patched, vulnerable),
        url=url,
    )


def _parse_time(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
