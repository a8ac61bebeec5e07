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
from slopguard.deps.registries import pypi_index_url, pypi_json_base
from slopguard.deps.service import HttpPolicy
from slopguard.deps.shape import (
    MalformedAnswer,
    describe,
    member_list,
    member_object,
    optional_bool,
    optional_str,
    required_list,
    required_object,
    strings,
    text,
)
from slopguard.deps.transport import Answer, JsonHttp, RegistryClient
from slopguard.deps.urls import redact_url

__all__ = ["PyPIClient", "parse_project", "repository_url"]

# PEP 508 distribution names.
_VALID_NAME = re.compile(r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$", re.IGNORECASE)
INACTIVE_CLASSIFIER = "Development Status :: 7 - Inactive"
CODE_HOSTS = ("github.com", "gitlab.com", "bitbucket.org", "codeberg.org", "git.sr.ht")
_SOURCE_KEYS = {"source", "sourcecode", "repository", "repo", "code", "github", "gitlab", "git", "sources"}


class PyPIClient(RegistryClient):
    """Async client for the PyPI JSON API of the configured index (or ``index_url``).

    ``await client.facts("requests", "2.31.0")`` -> PackageFacts; a 404 gives ``exists=False``, anything the
    client cannot trust (5xx after retries, time-outs, answers too large or of the wrong shape, connection errors)
    raises RegistryError.
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
        """Facts about ``name``; with ``version``, its advisories are those of that release (else the latest's).

        Whether the package exists fails closed (an unusable project document raises RegistryError); advisory
        data does not decide that: where the index gives none for the version, ``advisory_gap`` says why.
        """
        if not _VALID_NAME.match(name):
            return PackageFacts(Ecosystem.PYPI, name, exists=False)
        project = quote(canonicalize_name(name), safe="")
        path = f"pypi/{project}/json"
        if version is None:
            answer, release = await self.http.request("GET", path), None
        else:
            release_path = f"pypi/{project}/{quote(version, safe='')}/json"
            answer, release = await asyncio.gather(self.http.request("GET", path), self._release(release_path))
        if answer is None:
            return PackageFacts(Ecosystem.PYPI, name, exists=False)
        where = redact_url(self.http.base_url + path)
        facts = parse_project(answer.data, where)
        if version is None:
            return facts
        if isinstance(release, Answer):
            try:
                vulns = _vulnerabilities(release.data, where)
            except MalformedAnswer as exc:
                release = str(exc)
            else:
                if "vulnerabilities" in release.data:
                    return replace(facts, advisories=vulns, advisory_gap=None)
        if not any(_same_version(r.version, version) for r in facts.releases):
            # A pinned version the index does not have has no advisories to report (the releases show it).
            return replace(facts, advisories=(), advisory_gap=None)
        if facts.latest and _same_version(facts.latest, version) and facts.advisory_gap is None:
            return facts  # the project document's advisories are the latest release's
        return replace(facts, advisories=(), advisory_gap=_release_gap(facts, version, release))

    async def _release(self, path: str) -> Answer | str | None:
        """A release document, None for a 404, or why it could not be read (advisories only: never fatal)."""
        try:
            return await self.http.request("GET", path)
        except RegistryError as exc:
            return str(exc)


def _release_gap(facts: PackageFacts, version: str, release: Answer | str | None) -> str:
    """Why the advisories of ``version`` are not known, naming the latest release's that may still affect it."""
    if isinstance(release, str):
        gap = f"the release document of {version} could not be read ({release})"
    elif release is None:
        gap = f"the index serves no release document for {version}"
    else:
        gap = f"the release document of {version} has no advisory data"
    if facts.latest and facts.advisory_gap is None:
        if not facts.advisories:
            return f"{gap}; the latest release, {facts.latest}, has no known advisories"
        pending = [a.id for a in facts.advisories if _unfixed_at(a, version)]
        opened = ", ".join(pending) if pending else "none"
        return f"{gap}; advisories of the latest release, {facts.latest}, not fixed by {version}: {opened}"
    return f"{gap}, and {facts.advisory_gap}" if facts.advisory_gap else gap


def _unfixed_at(advisory: Advisory, version: str) -> bool:
    """The advisory names fixed versions and ``version`` is below every one of them."""
    try:
        mine = Version(version)
        fixes = [Version(v) for v in advisory.fixed_in]
    except InvalidVersion:
        return True
    return not fixes or all(mine < fixed for fixed in fixes)


def _same_version(a: str, b: str) -> bool:
    try:
        return Version(a) == Version(b)
    except InvalidVersion:
        return a == b


def parse_project(data: Any, where: str = "the index") -> PackageFacts:
    """Map a ``/pypi/NAME/json`` document to PackageFacts (advisories: those of ``info.version``; a document
    without a ``vulnerabilities`` member, as some mirrors serve, gives an ``advisory_gap`` instead)."""
    if not isinstance(data, dict):
        raise MalformedAnswer(f"{where} answered JSON without the expected 'info' object (got {describe(data)})")
    info = required_object(data.get("info"), where, "info")
    releases = sorted(
        (_release(str(v), files, where) for v, files in member_object(data, "releases", where).items()),
        key=_version_key,
    )
    classifiers = strings(info.get("classifiers"), where, "info.classifiers")
    project_urls = info.get("project_urls")
    if project_urls is not None:
        required_object(project_urls, where, "info.project_urls")
    advisories: tuple[Advisory, ...] = ()
    gap: str | None = "the index's project document has no advisory data"
    if "vulnerabilities" in data:
        try:
            advisories, gap = _vulnerabilities(data, where), None
        except MalformedAnswer as exc:  # the package still exists; only its advisories are unreadable
            gap = str(exc)
    return PackageFacts(
        ecosystem=Ecosystem.PYPI,
        name=optional_str(info.get("name"), where, "info.name") or "",
        exists=True,
        releases=tuple(releases),
        latest=optional_str(info.get("version"), where, "info.version") or None,
        repository=repository_url(project_urls, optional_str(info.get("home_page"), where, "info.home_page")),
        summary=text(info.get("summary")),
        deprecated=f"classified '{INACTIVE_CLASSIFIER}'" if INACTIVE_CLASSIFIER in classifiers else None,
        advisories=advisories,
        advisory_gap=gap,
    )


def _release(version: str, files: Any, where: str) -> Release:
    """A release from its file list: uploaded = earliest file, yanked = every file yanked."""
    field = f"releases[{version!r}]"
    entries = [required_object(f, where, f"{field} file") for f in required_list(files, where, field)]
    times, yanked_flags, reasons = [], [], []
    for entry in entries:
        stamp = optional_str(entry.get("upload_time_iso_8601"), where, f"{field} upload_time_iso_8601")
        stamp = stamp or optional_str(entry.get("upload_time"), where, f"{field} upload_time")
        times.append(_parse_time(stamp))
        yanked_flags.append(optional_bool(entry.get("yanked"), where, f"{field} yanked") is True)
        reasons.append(optional_str(entry.get("yanked_reason"), where, f"{field} yanked_reason") or "")
    known = [t for t in times if t]
    yanked = bool(entries) and all(yanked_flags)
    reason = next((r for r in reasons if r), "") if yanked else ""
    return Release(version=version, uploaded=min(known) if known else None, yanked=yanked, yanked_reason=reason)


def _version_key(release: Release) -> tuple[int, Version | str]:
    try:
        return (1, Version(release.version))
    except InvalidVersion:
        return (0, release.version)


def _parse_time(value: str | None) -> datetime | None:
    if not value:
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
        raise MalformedAnswer(f"{where} answered JSON that is not an object (got {describe(data)})")
    advisories = []
    for raw in member_list(data, "vulnerabilities", where):
        item = required_object(raw, where, "vulnerabilities entry")
        ident = optional_str(item.get("id"), where, "vulnerabilities id")
        if not ident:
            raise MalformedAnswer(f"{where} answered JSON with a vulnerability that has no 'id'")
        if optional_str(item.get("withdrawn"), where, "vulnerabilities withdrawn"):
            continue
        summary = optional_str(item.get("summary"), where, "vulnerabilities summary")
        details = optional_str(item.get("details"), where, "vulnerabilities details")
        advisories.append(
            Advisory(
                id=ident,
                summary=(summary or "").strip() or _first_line(details),
                aliases=strings(item.get("aliases"), where, "vulnerabilities aliases"),
                fixed_in=strings(item.get("fixed_in"), where, "vulnerabilities fixed_in"),
                url=optional_str(item.get("link"), where, "vulnerabilities link") or "",
            )
        )
    return tuple(advisories)


def _first_line(value: str | None) -> str:
    stripped = (value or "").strip()
    return stripped.splitlines()[0][:200] if stripped else ""


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
