"""The verifier: dependency sources in, one verdict per package reference out (pip-audit's Auditor, for names).

It composes the registry services (one per ecosystem, from the user's pip/npm configuration unless given),
the facts cache, the shipped popularity index and any advisory sources the user configured (an OSV API or
export). Two questions are kept apart: whether a package exists and is what it claims fails closed (whatever a
service cannot tell makes that package *unknown*, with the reason), while advisory data that nobody could give
leaves only an ``advisory_gap`` on facts that are otherwise sound. One package's trouble never stops the others.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from slopguard.deps.cache import FactsCache
from slopguard.deps.manifests import ManifestProblem
from slopguard.deps.model import Advisory, Ecosystem, PackageFacts, PackageRef, PackageReport, RegistryError
from slopguard.deps.options import VerifyOptions
from slopguard.deps.popularity import PopularityIndex, normalize
from slopguard.deps.registries import advisory_exports, osv_api_url, project_npm_registries
from slopguard.deps.service import AdvisoryQuery, AdvisorySource, HttpPolicy, RegistryService
from slopguard.deps.signals import signals_for
from slopguard.deps.source import DependencySource, collect_all

Key = tuple[Ecosystem, str, str | None]
log = logging.getLogger(__name__)
TRUSTED_RANK = 1000


# Opens the registry service for an ecosystem; raises RegistryError when its location cannot be determined.
ServiceFactory = Callable[[Ecosystem, VerifyOptions], RegistryService]
# Opens the advisory sources the user configured; raises RegistryError when a setting is unusable.
AdvisoryFactory = Callable[[VerifyOptions], list[AdvisorySource]]


@dataclass
class Verified:
    """The verdicts on every reference the sources named, and the problems the sources met."""

    reports: list[PackageReport] = field(default_factory=list)
    problems: list[ManifestProblem] = field(default_factory=list)


@dataclass
class _Answer:
    facts: PackageFacts | None = None
    error: str | None = None
    note: str = ""


def open_service(ecosystem: Ecosystem, options: VerifyOptions) -> RegistryService:
    """The registry service for ``ecosystem`` from the user's configuration (or the options' URL)."""
    # Imported here: the clients load httpx, which a scan answered from the cache never needs.
    from slopguard.deps.npm import NpmClient
    from slopguard.deps.pypi import PyPIClient

    policy = HttpPolicy(timeout=options.timeout, concurrency=options.concurrency)
    if ecosystem is Ecosystem.PYPI:
        return PyPIClient(options.pypi_index, policy=policy)
    if options.npm_registry is None:
        for setting in project_npm_registries(options.project_dir):
            log.warning(
                "ignoring %s: packages are verified against the registry in your own npm configuration", setting
            )
    return NpmClient(options.npm_registry, policy=policy)


def open_advisory_sources(options: VerifyOptions) -> list[AdvisorySource]:
    """The OSV exports and OSV API the user named (options, else the environment); the API only online."""
    # Imported here: like the registry clients, the OSV clients load httpx.
    from slopguard.deps.advisories import OsvApi, OsvExport

    sources: list[AdvisorySource] = [OsvExport(path) for path in advisory_exports(options.advisory_files)]
    url = osv_api_url(options.osv_url)
    if url and not options.offline:
        sources.append(OsvApi(url, HttpPolicy(timeout=options.timeout, concurrency=options.concurrency)))
    return sources


def verify_sources(
    sources: Iterable[DependencySource],
    options: VerifyOptions,
    now: datetime | None = None,
    *,
    services: ServiceFactory = open_service,
    advisories: AdvisoryFactory = open_advisory_sources,
) -> Verified:
    """Collect from every source, then verify every reference found."""
    collected = collect_all(sources)
    reports = verify(collected.refs, options, now, services=services, advisories=advisories)
    return Verified(reports, collected.problems)


def verify(
    refs: Sequence[PackageRef],
    options: VerifyOptions,
    now: datetime | None = None,
    *,
    services: ServiceFactory = open_service,
    advisories: AdvisoryFactory = open_advisory_sources,
) -> list[PackageReport]:
    """One report per reference (references to the same package share one registry look-up)."""
    if not refs:
        return []
    moment = now or datetime.now(UTC)
    wanted = {_key(r): r for r in refs}
    answers = asyncio.run(_with_advisories(wanted, options, services, advisories))
    index = PopularityIndex.load()
    reports = []
    for ref in refs:
        answer = answers[_key(ref)]
        signals = signals_for(ref, answer.facts, answer.error, index, now=moment, new_days=options.new_days)
        reports.append(PackageReport(ref, signals, answer.facts, answer.note))
    return reports


def _key(ref: PackageRef) -> Key:
    return ref.ecosystem, normalize(ref.ecosystem, ref.name), ref.version


async def _answers(
    wanted: dict[Key, PackageRef], options: VerifyOptions, services: ServiceFactory
) -> dict[Key, _Answer]:
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
            fetched = _distrust_blanket_404s(await _fetch(pending, options, services), pending)
            for key, answer in fetched.items():
                answers[key] = answer
                if cache and answer.facts is not None:
                    cache.put(answer.facts, pending[key].version, name=pending[key].name)
    finally:
        if cache:
            cache.close()
    return answers


async def _with_advisories(
    wanted: dict[Key, PackageRef], options: VerifyOptions, services: ServiceFactory, advisories: AdvisoryFactory
) -> dict[Key, _Answer]:
    """The registry's answers, with the advisories of the configured sources added to those of existing packages."""
    answers = await _answers(wanted, options, services)
    try:
        sources = advisories(options)
    except RegistryError as exc:
        return {key: _advisory_failure(answer, str(exc)) for key, answer in answers.items()}
    if not sources:
        return answers
    queries: dict[Key, AdvisoryQuery] = {}
    for key, answer in answers.items():
        facts, ref = answer.facts, wanted[key]
        version = ref.version or (facts.latest if facts else None)
        if facts is not None and facts.exists and version:
            queries[key] = (ref.ecosystem, ref.name, version)
    found: dict[AdvisoryQuery, tuple[Advisory, ...]] = {}
    failures: list[str] = []
    try:
        for source in sources:
            try:
                for query, items in (await source.advisories(list(queries.values()))).items():
                    found[query] = (*found.get(query, ()), *items)
            except (RegistryError, ValueError, TypeError, KeyError) as exc:
                failures.append(f"{source.description}: {exc}")
    finally:
        for source in sources:
            await source.aclose()
    out = dict(answers)
    for key, query in queries.items():
        if query in found:
            out[key] = _advisories_added(answers[key], found[query])
        elif failures:
            out[key] = _advisory_failure(answers[key], "; ".join(failures))
    return out


def _advisories_added(answer: _Answer, found: tuple[Advisory, ...]) -> _Answer:
    """The answer with ``found`` added (an advisory already known by id or alias is kept once): data complete."""
    assert answer.facts is not None
    known = {name for a in answer.facts.advisories for name in (a.id, *a.aliases)}
    extra: list[Advisory] = []
    for advisory in found:
        names = {advisory.id, *advisory.aliases}
        if not names & known:
            extra.append(advisory)
            known |= names
    facts = replace(answer.facts, advisories=(*answer.facts.advisories, *extra), advisory_gap=None)
    return _Answer(facts, answer.error, answer.note)


def _advisory_failure(answer: _Answer, reason: str) -> _Answer:
    """An advisory source failed: where the registry gave no advisory data either, the gap says so too."""
    facts = answer.facts
    if facts is None or facts.advisory_gap is None:
        return answer
    return _Answer(replace(facts, advisory_gap=f"{facts.advisory_gap}; {reason}"), answer.error, answer.note)


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
    facts = PackageFacts(
        ref.ecosystem,
        ref.name,
        exists=True,
        summary="known from the shipped popularity index",
        advisory_gap="offline, and the registry's answer is not cached",
    )
    return _Answer(facts, note=f"offline: exists (popularity rank {rank}); age not checked")


async def _fetch(
    pending: dict[Key, PackageRef], options: VerifyOptions, services: ServiceFactory
) -> dict[Key, _Answer]:
    limit = asyncio.Semaphore(options.concurrency)
    answers: dict[Key, _Answer] = {}
    opened: dict[Ecosystem, RegistryService] = {}
    try:
        for eco in {ref.ecosystem for ref in pending.values()}:
            try:
                opened[eco] = services(eco, options)
            except RegistryError as exc:
                answers.update({key: _Answer(error=str(exc)) for key, ref in pending.items() if ref.ecosystem is eco})

        async def one(key: Key, ref: PackageRef) -> None:
            async with limit:
                answers[key] = await _ask(opened[ref.ecosystem], ref)

        await asyncio.gather(*(one(k, r) for k, r in pending.items() if r.ecosystem in opened))
    finally:
        for service in opened.values():
            await service.aclose()
    return answers


async def _ask(service: RegistryService, ref: PackageRef) -> _Answer:
    """The service's facts about ``ref``, or the reason it has none (fail closed: never a crash, never 'ok')."""
    try:
        return _Answer(await service.facts(ref.name, ref.version))
    except RegistryError as exc:
        return _Answer(error=str(exc))
    except (TypeError, KeyError, AttributeError, ValueError, IndexError) as exc:
        # A shape the service's checks did not foresee: still the registry's answer, still unknown.
        log.debug("reading the registry's answer about %s failed", ref.name, exc_info=True)
        return _Answer(error=f"the registry's answer could not be read ({type(exc).__name__}: {exc})")
