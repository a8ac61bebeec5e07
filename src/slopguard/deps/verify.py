"""Verify package references: registry facts (cached, fetched concurrently), then signals per reference."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from slopguard.deps.cache import FactsCache
from slopguard.deps.model import Ecosystem, PackageFacts, PackageRef, PackageReport, RegistryError
from slopguard.deps.popularity import PopularityIndex, normalize
from slopguard.deps.registries import HttpPolicy
from slopguard.deps.signals import signals_for

Key = tuple[Ecosystem, str, str | None]


@dataclass(frozen=True)
class VerifyOptions:
    """How to verify: registries come from the user's pip/npm configuration unless given."""

    offline: bool = False
    new_days: int = 30
    concurrency: int = 16
    timeout: float = 10.0
    use_cache: bool = True
    cache_path: Path | None = None
    project_dir: Path = field(default_factory=Path.cwd)
    pypi_index: str | None = None
    npm_registry: str | None = None


@dataclass
class _Answer:
    facts: PackageFacts | None = None
    error: str | None = None
    note: str = ""


def _key(ref: PackageRef) -> Key:
    return ref.ecosystem, normalize(ref.ecosystem, ref.name), ref.version


def verify(refs: Sequence[PackageRef], options: VerifyOptions, now: datetime | None = None) -> list[PackageReport]:
    """One report per reference (references to the same package share one registry look-up)."""
    if not refs:
        return []
    moment = now or datetime.now(UTC)
    answers = asyncio.run(_answers({_key(r): r for r in refs}, options))
    index = PopularityIndex.load()
    reports = []
    for ref in refs:
        answer = answers[_key(ref)]
        signals = signals_for(ref, answer.facts, answer.error, index, now=moment, new_days=options.new_days)
        reports.append(PackageReport(ref, signals, answer.facts, answer.note))
    return reports


async def _answers(wanted: dict[Key, PackageRef], options: VerifyOptions) -> dict[Key, _Answer]:
    answers: dict[Key, _Answer] = {}
    cache = FactsCache(options.cache_path, offline=options.offline) if options.use_cache else None
    try:
        pending: dict[Key, PackageRef] = {}
        for key, ref in wanted.items():
            facts = cache.get(ref.ecosystem, ref.name, ref.version) if cache else None
            if facts is not None:
                answers[key] = _Answer(facts)
            else:
                pending[key] = ref
        if options.offline:
            answers.update({key: _offline(ref) for key, ref in pending.items()})
        else:
            fetched = _distrust_blanket_404s(await _fetch(pending, options), pending)
            for key, answer in fetched.items():
                answers[key] = answer
                if cache and answer.facts is not None:
                    cache.put(answer.facts, pending[key].version, name=pending[key].name)
    finally:
        if cache:
            cache.close()
    return answers


TRUSTED_RANK = 1000


def _distrust_blanket_404s(answers: dict[Key, _Answer], asked: dict[Key, PackageRef]) -> dict[Key, _Answer]:
    """A registry (or proxy) that says a top-ranked package does not exist is not answering truthfully:
    none of its 'missing' answers can be believed, so those packages become unknown instead."""
    index = PopularityIndex.load()
    broken: dict[Ecosystem, str] = {}
    for key, answer in answers.items():
        ref = asked[key]
        rank = index.rank(ref.ecosystem, ref.name)
        if answer.facts is not None and not answer.facts.exists and rank is not None and rank <= TRUSTED_RANK:
            broken.setdefault(ref.ecosystem, ref.name)
    if not broken:
        return answers
    out = dict(answers)
    for key, answer in answers.items():
        eco = asked[key].ecosystem
        if eco in broken and answer.facts is not None and not answer.facts.exists:
            reason = (
                f"the registry claims the popular package {broken[eco]} does not exist, so its 404s are not trusted"
            )
            out[key] = _Answer(error=reason)
    return out


def _offline(ref: PackageRef) -> _Answer:
    index = PopularityIndex.load()
    rank = index.rank(ref.ecosystem, ref.name)
    if rank is None:
        return _Answer(error="offline, and the package is neither cached nor in the shipped popularity index")
    facts = PackageFacts(ref.ecosystem, ref.name, exists=True, summary="known from the shipped popularity index")
    return _Answer(facts, note=f"offline: exists (popularity rank {rank}); age and advisories not checked")


async def _fetch(pending: dict[Key, PackageRef], options: VerifyOptions) -> dict[Key, _Answer]:
    from slopguard.deps.npm import NpmClient
    from slopguard.deps.pypi import PyPIClient

    policy = HttpPolicy(timeout=options.timeout, concurrency=options.concurrency)
    limit = asyncio.Semaphore(options.concurrency)
    answers: dict[Key, _Answer] = {}
    ecosystems = {ref.ecosystem for ref in pending.values()}
    clients: dict[Ecosystem, PyPIClient | NpmClient] = {}
    try:
        for eco in ecosystems:
            try:
                if eco is Ecosystem.PYPI:
                    clients[eco] = PyPIClient(options.pypi_index, policy=policy)
                else:
                    clients[eco] = NpmClient(options.npm_registry, project_dir=options.project_dir, policy=policy)
            except RegistryError as exc:
                for key, ref in pending.items():
                    if ref.ecosystem is eco:
                        answers[key] = _Answer(error=str(exc))

        async def one(key: Key, ref: PackageRef) -> None:
            client = clients[ref.ecosystem]
            async with limit:
                try:
                    answers[key] = _Answer(await client.facts(ref.name, ref.version))
                except RegistryError as exc:
                    answers[key] = _Answer(error=str(exc))

        await asyncio.gather(*(one(k, r) for k, r in pending.items() if r.ecosystem in clients))
    finally:
        for client in clients.values():
            await client.aclose()
    return answers
