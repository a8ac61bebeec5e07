"""Advisory sources besides the registry: an OSV export on disk, or an OSV API (``POST /v1/querybatch``).

Both answer ``advisories(queries)`` with the advisories affecting each (ecosystem, name, version) they can speak
for — a source leaves out the queries of an ecosystem it holds no data for — or raise RegistryError with the
reason. Only the user chooses them (command-line options or the environment), never a scanned project.

- :class:`OsvExport`: the per-ecosystem zip OSV publishes (``PyPI/all.zip``, ``npm/all.zip``), a directory of
  OSV JSON files, or one such file. Each record is read up to ``MAX_RECORD_BYTES``; the ecosystems it covers are
  those its records name.
- :class:`OsvApi`: the batch query (ids only, following ``next_page_token`` a few times), then
  ``GET /v1/vulns/ID`` for each record, every answer capped like a registry's.
"""

from __future__ import annotations

import asyncio
import json
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from slopguard.deps.model import Advisory, Ecosystem, RegistryError
from slopguard.deps.osv import OSV_ECOSYSTEMS, affects, record_advisory, record_packages
from slopguard.deps.popularity import normalize
from slopguard.deps.service import MIB, AdvisoryQuery, HttpPolicy
from slopguard.deps.shape import MalformedAnswer, describe
from slopguard.deps.transport import JsonHttp
from slopguard.deps.urls import redact_url

__all__ = ["MAX_RECORD_BYTES", "OsvApi", "OsvExport"]

MAX_RECORD_BYTES = 4 * MIB
BATCH_SIZE = 1000  # the OSV API's limit per querybatch
MAX_PAGES = 5
Query = AdvisoryQuery
Found = dict[Query, tuple[Advisory, ...]]


class OsvExport:
    """OSV records from a zip export, a directory of ``*.json`` files, or one file; read once, when first asked."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.description = f"the OSV export {path}"
        self._records: dict[tuple[Ecosystem, str], list[Mapping[str, Any]]] | None = None
        self._covered: set[Ecosystem] = set()

    async def advisories(self, queries: Sequence[Query]) -> Found:
        if self._records is None:
            self._records = await asyncio.to_thread(self._load)
        found: Found = {}
        for query in queries:
            eco, name, version = query
            if eco not in self._covered:
                continue
            records = self._records.get((eco, normalize(eco, name)), [])
            found[query] = tuple(record_advisory(r, eco, name) for r in records if affects(r, eco, name, version))
        return found

    async def aclose(self) -> None:
        self._records = None

    def _load(self) -> dict[tuple[Ecosystem, str], list[Mapping[str, Any]]]:
        records: dict[tuple[Ecosystem, str], list[Mapping[str, Any]]] = {}
        try:
            for where, raw in self._documents():
                if len(raw) > MAX_RECORD_BYTES:
                    raise RegistryError(f"{where} is over {MAX_RECORD_BYTES // MIB} MiB: not an OSV record")
                try:
                    data = json.loads(raw)
                except ValueError as exc:
                    raise RegistryError(f"{where} is not JSON ({exc})") from None
                for record in data if isinstance(data, list) else [data]:
                    if not isinstance(record, dict) or not isinstance(record.get("id"), str):
                        raise RegistryError(f"{where} holds something that is not an OSV record")
                    for eco, name, _entry in record_packages(record):
                        self._covered.add(eco)
                        bucket = records.setdefault((eco, name), [])
                        if not bucket or bucket[-1] is not record:
                            bucket.append(record)
        except (OSError, zipfile.BadZipFile) as exc:
            raise RegistryError(f"cannot read {self.description}: {exc}") from None
        return records

    def _documents(self) -> Iterator[tuple[str, bytes]]:
        """(where, bytes) of each JSON document; a member too large is reported, not read."""
        if self.path.is_dir():
            for file in sorted(self.path.rglob("*.json")):
                if file.stat().st_size > MAX_RECORD_BYTES:
                    raise RegistryError(f"{file} is over {MAX_RECORD_BYTES // MIB} MiB: not an OSV record")
                yield str(file), file.read_bytes()
        elif zipfile.is_zipfile(self.path):
            with zipfile.ZipFile(self.path) as archive:
                for info in archive.infolist():
                    if info.is_dir() or not info.filename.endswith(".json"):
                        continue
                    where = f"{self.path}:{info.filename}"
                    if info.file_size > MAX_RECORD_BYTES:
                        raise RegistryError(f"{where} is over {MAX_RECORD_BYTES // MIB} MiB: not an OSV record")
                    with archive.open(info) as member:
                        yield where, member.read(MAX_RECORD_BYTES + 1)
        else:
            if self.path.stat().st_size > MAX_RECORD_BYTES:
                raise RegistryError(f"{self.path} is over {MAX_RECORD_BYTES // MIB} MiB and not a zip archive")
            yield str(self.path), self.path.read_bytes()


class OsvApi:
    """The OSV API at ``base_url`` (``.../v1/querybatch``, ``.../v1/vulns/ID`` below it)."""

    def __init__(self, base_url: str, policy: HttpPolicy | None = None) -> None:
        self.http = JsonHttp(base_url, policy or HttpPolicy())
        self.description = f"the OSV service {redact_url(self.http.base_url)}"

    async def aclose(self) -> None:
        await self.http.aclose()

    async def advisories(self, queries: Sequence[Query]) -> Found:
        unique = list(dict.fromkeys(queries))
        ids: dict[Query, list[str]] = {}
        for start in range(0, len(unique), BATCH_SIZE):
            ids.update(await self._batch(unique[start : start + BATCH_SIZE]))
        wanted = sorted({i for found in ids.values() for i in found})
        records = dict(zip(wanted, await asyncio.gather(*(self._record(i) for i in wanted)), strict=True))
        return {q: tuple(record_advisory(records[i], q[0], q[1]) for i in found) for q, found in ids.items()}

    async def _batch(self, queries: list[Query]) -> dict[Query, list[str]]:
        """The ids each query matches, following a result's ``next_page_token`` up to ``MAX_PAGES`` times."""
        out: dict[Query, list[str]] = {q: [] for q in queries}
        pending: list[tuple[Query, str | None]] = [(q, None) for q in queries]
        for _ in range(MAX_PAGES):
            body = {"queries": [_query(q, token) for q, token in pending]}
            results = await self._post(body, len(pending))
            following: list[tuple[Query, str | None]] = []
            for (query, _token), result in zip(pending, results, strict=True):
                out[query] += [v for v in _ids(result) if v not in out[query]]
                token = result.get("next_page_token")
                if isinstance(token, str) and token:
                    following.append((query, token))
            if not following:
                return out
            pending = following
        raise RegistryError(f"{self.description} kept paging past {MAX_PAGES} pages; its answer is incomplete")

    async def _post(self, body: dict[str, Any], expected: int) -> list[dict[str, Any]]:
        where = f"{self.description}v1/querybatch"
        answer = await self.http.request("POST", "v1/querybatch", body=body)
        if answer is None:
            raise RegistryError(f"{where} answered HTTP 404: not an OSV API")
        results = answer.data.get("results") if isinstance(answer.data, dict) else None
        if not isinstance(results, list) or len(results) != expected:
            raise MalformedAnswer(f"{where} did not answer one result per query (got {describe(results)})")
        if not all(isinstance(r, dict) for r in results):
            raise MalformedAnswer(f"{where} answered a result that is not an object")
        return results

    async def _record(self, ident: str) -> Mapping[str, Any]:
        answer = await self.http.request("GET", f"v1/vulns/{quote(ident, safe='')}")
        data = answer.data if answer is not None else None
        if not isinstance(data, dict) or data.get("id") != ident:
            raise MalformedAnswer(f"{self.description} gave no usable record for {ident}")
        return data


def _query(query: Query, token: str | None) -> dict[str, Any]:
    eco, name, version = query
    out: dict[str, Any] = {"package": {"name": name, "ecosystem": OSV_ECOSYSTEMS[eco]}, "version": version}
    if token:
        out["page_token"] = token
    return out


def _ids(result: Mapping[str, Any]) -> list[str]:
    vulns = result.get("vulns")
    if vulns is None:
        return []
    if not isinstance(vulns, list):
        raise MalformedAnswer(f"an OSV result's 'vulns' is not a list (got {describe(vulns)})")
    ids = [v.get("id") for v in vulns if isinstance(v, dict)]
    if len(ids) != len(vulns) or not all(isinstance(i, str) and i for i in ids):
        raise MalformedAnswer("an OSV result lists a vulnerability without an id")
    return [str(i) for i in ids]
