"""PyPI JSON API client: what the index says about a distribution (releases, yanks, repository, advisories)."""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from slopguard.deps.model import Advisory, Ecosystem, PackageFacts, RegistryError, Release
from slopguard.deps.registries import HttpPolicy, JsonHttp, RegistryClient, pypi_index_url, pypi_json_base, redact_url

__all__ = ["PyPIClient", "parse_project", "repository_url"]

# PEP 508 distribution names.
_VALID_NAME = re.compile(r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$", re.IGNORECASE)
INACTIVE_CLASSIFIER = "Development Status :: 7 - Inactive"
CODE_HOSTS = ("github.com", "gitlab.com", "bitbucket.org", "codeberg.org", "git.sr.ht")
_SOURCE_KEYS = {"source", "sourcecode", "repository", "repo", "code", "github", "gitlab", "git", "sources"}


class PyPIClient(RegistryClient):
    """Async client for the PyPI JSON API of the configured index (or ``index_url``).

    ``await client.facts("requests", "2.31.0")`` -> PackageFacts; a 404 gives ``exists=False``, anything the
    client cannot trust (5xx after retries, time-outs, malformed JSON, connection errors) raises RegistryError.
    Use as ``async with PyPIClient() as client:`` or call ``aclose()``.
    """

    def __init__(
        self,
        index_url: str | None = None,
        *,
        policy: HttpPolicy | None = None,
        client: httpx.AsyncClient | None = None,
        env: Mapping[str, str] = os.environ,
    ) -> None:
        self.index_url = index_url or pypi_index_url(env)
        self.http = JsonHttp(pypi_json_base(self.index_url), policy or HttpPolicy(), client)

    async def facts(self, name: str, version: str | None = None) -> PackageFacts:
        """Facts about ``name``; with ``version``, its advisories are those of that release (else the latest's)."""
        if not _VALID_NAME.match(name):
            return PackageFacts(Ecosystem.PYPI, name, exists=False)
        project = canonicalize_name(name)
        path = f"pypi/{quote(project, safe='')}/json"
        if version is None:
            data = await self.http.request("GET", path)
            release_data = None
        else:
            release_path = f"pypi/{quote(project, safe='')}/{quote(version, safe='')}/json"
            answers = await asyncio.gather(
                self.http.request("GET", path), self.http.request("GET", release_path), return_exceptions=True
            )
            for answer in answers:
                if isinstance(answer, BaseException):
                    raise answer
            data, release_data = answers
        if data is None:
            return PackageFacts(Ecosystem.PYPI, name, exists=False)
        where = redact_url(self.http.base_url + path)
        facts = parse_project(data, where)
        if version is not None:
            # A pinned version the index does not have has no advisories to report (the releases show it); one it
            # has but whose release document is missing cannot be checked, and must not pass as clean.
            known = any(_same_version(r.version, version) for r in facts.releases)
            if release_data is None and known:
                raise RegistryError(f"{where} lists {name} {version} but gave no advisory data for it")
            vulns = _vulnerabilities(release_data, where) if release_data is not None else ()
            facts = replace(facts, advisories=vulns)
        return facts


def _same_version(a: str, b: str) -> bool:
    try:
        return Version(a) == Version(b)
    except InvalidVersion:
        return a == b


def parse_project(data: Any, where: str = "the index") -> PackageFacts:
    """Map a ``/pypi/NAME/json`` document to PackageFacts (advisories: those of ``info.version``)."""
    if not isinstance(data, dict) or not isinstance(data.get("info"), dict):
        raise RegistryError(f"{where} answered JSON without the expected 'info' object")
    info: dict[str, Any] = data["info"]
    releases_data = data.get("releases") or {}
    if not isinstance(releases_data, dict):
        raise RegistryError(f"{where} answered JSON with a malformed 'releases' object")
    releases = sorted((_release(str(v), files) for v, files in releases_data.items()), key=_version_key)
    classifiers = info.get("classifiers") or []
    deprecated = (
        f"classified '{INACTIVE_CLASSIFIER}'"
        if isinstance(classifiers, list) and INACTIVE_CLASSIFIER in classifiers
        else None
    )
    return PackageFacts(
        ecosystem=Ecosystem.PYPI,
        name=str(info.get("name") or ""),
        exists=True,
        releases=tuple(releases),
        latest=_str_or_none(info.get("version")),
        repository=repository_url(info.get("project_urls"), info.get("home_page")),
        summary=str(info.get("summary") or "").strip(),
        deprecated=deprecated,
        advisories=_vulnerabilities(data, where),
    )


def _release(version: str, files: Any) -> Release:
    """A release from its file list: uploaded = earliest file, yanked = every file yanked."""
    entries = [f for f in files if isinstance(f, dict)] if isinstance(files, list) else []
    times = [t for t in (_parse_time(f.get("upload_time_iso_8601") or f.get("upload_time")) for f in entries) if t]
    yanked = bool(entries) and all(f.get("yanked") is True for f in entries)
    reason = next((str(f["yanked_reason"]) for f in entries if f.get("yanked_reason")), "") if yanked else ""
    return Release(version=version, uploaded=min(times) if times else None, yanked=yanked, yanked_reason=reason)


def _version_key(release: Release) -> tuple[int, Version | str]:
    try:
        return (1, Version(release.version))
    except InvalidVersion:
        return (0, release.version)


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:  # the legacy ``upload_time`` field is UTC without an offset
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def _vulnerabilities(data: Any, where: str) -> tuple[Advisory, ...]:
    """Advisories from a JSON document's ``vulnerabilities`` list, withdrawn ones left out."""
    if not isinstance(data, dict):
        raise RegistryError(f"{where} answered JSON that is not an object")
    items = data.get("vulnerabilities") or []
    if not isinstance(items, list):
        raise RegistryError(f"{where} answered JSON with a malformed 'vulnerabilities' list")
    advisories = []
    for item in items:
        if not isinstance(item, dict) or item.get("withdrawn") or not item.get("id"):
            continue
        summary = str(item.get("summary") or "").strip() or _first_line(item.get("details"))
        advisories.append(
            Advisory(
                id=str(item["id"]),
                summary=summary,
                aliases=tuple(str(a) for a in item.get("aliases") or ()),
                fixed_in=tuple(str(v) for v in item.get("fixed_in") or ()),
                url=str(item.get("link") or ""),
            )
        )
    return tuple(advisories)


def _first_line(value: Any) -> str:
    text = str(value or "").strip()
    return text.splitlines()[0][:200] if text else ""


def _str_or_none(value: Any) -> str | None:
    return str(value) if value else None


def repository_url(project_urls: Any, home_page: Any = None) -> str | None:
    """The source repository among a project's URLs: a "Source"/"Repository"/"Code" link, else a code host."""
    candidates: list[tuple[str, str]] = []
    if isinstance(project_urls, dict):
        candidates += [(str(k), v.strip()) for k, v in project_urls.items() if isinstance(v, str)]
    if isinstance(home_page, str) and home_page.strip():
        candidates.append(("Homepage", home_page.strip()))
    candidates = [(k, url) for k, url in candidates if urlsplit(url).scheme in ("http", "https")]
    for key, url in candidates:
        if re.sub(r"[^a-z]", "", key.lower()) in _SOURCE_KEYS:
            return url
    for _key, url in candidates:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        owner_repo = [p for p in parts.path.split("/") if p][:2]
        if host in CODE_HOSTS and len(owner_repo) == 2:
            # An issues or changelog page on a code host still names the repository.
            return f"https://{host}/{owner_repo[0]}/{owner_repo[1].removesuffix('.git')}"
    return None
