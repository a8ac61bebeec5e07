"""Drive a scan: discover, consult the cache, analyse the rest (in worker processes), collect results."""

from __future__ import annotations

import gc
import hashlib
import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

from slopguard.core.cache import ResultCache, cache_dir, content_hash
from slopguard.core.config import Settings
from slopguard.core.discovery import Discovery, Skipped
from slopguard.core.files import NotReadable, read_regular
from slopguard.core.finding import sort_key
from slopguard.core.report import FileResult, Report
from slopguard.core.roles import (
    EXCLUDED_BY_DEFAULT,
    HEAD_BYTES,
    Role,
    adjust,
    excluded_reason,
    parse_roles,
    role_from_content,
    role_of,
)
from slopguard.core.rule import RuleMeta
from slopguard.engine.languages import language_of
from slopguard.engine.registry import select_rules

Progress = Callable[[int, int], None]
PARALLEL_THRESHOLD = 48


Job = tuple[str, bytes, str]
# A result that depends on the machine's speed is never cached.
_UNCACHEABLE = "time budget exceeded"


def _analyse_batch(
    batch: Sequence[Job], rule_ids: frozenset[str], max_size: int, time_budget: float
) -> list[FileResult]:
    from slopguard.engine.analyse import analyse  # analysis code loads only when something needs analysing

    return [analyse(display, data, language, rule_ids, max_size, time_budget) for display, data, language in batch]


def _start_worker(load_rules: Callable[[], object]) -> None:
    """A new worker process: register the rules, then freeze what is loaded (the rule packs, the grammars), which
    lives as long as the worker, so that the cyclic garbage collector stops re-scanning it on every full pass."""
    load_rules()
    gc.freeze()


def _batches(jobs: list[Job], count: int) -> list[list[Job]]:
    """Split work into about 4 batches per worker, balanced by size."""
    n = max(1, min(len(jobs), count * 4))
    buckets: list[list[Job]] = [[] for _ in range(n)]
    sizes = [0] * n
    for job in sorted(jobs, key=lambda j: len(j[1]), reverse=True):
        i = sizes.index(min(sizes))
        buckets[i].append(job)
        sizes[i] += len(job[1]) + 2000
    return [b for b in buckets if b]


class Scanner:
    """A configured scan over files or a snippet.

    ``catalog`` is the metadata of every rule the scan may run (code rules and any other phase's rules, such as
    the package checks); ``load_rules`` registers the rule packs' checks before anything is analysed (in this
    process and in every worker). Without explicit ``rule_ids`` the settings' select/ignore choose the rules; an
    unknown selector raises ValueError.
    """

    def __init__(
        self,
        settings: Settings,
        catalog: Mapping[str, RuleMeta],
        load_rules: Callable[[], object],
        rule_ids: Iterable[str] | None = None,
        *,
        fingerprint: str = "",
    ) -> None:
        self.settings = settings
        self.fingerprint = fingerprint
        self.load_rules = load_rules
        self.cache_dir = cache_dir(settings)
        chosen = set(rule_ids) if rule_ids is not None else select_rules(settings.select, settings.ignore, catalog)
        if settings.require_review and rule_ids is None:
            chosen |= {rid for rid, meta in catalog.items() if "provenance" in meta.tags}
        self.rules = {rid: catalog[rid] for rid in sorted(chosen) if rid in catalog}
        self.rule_ids = frozenset(self.rules)

    def _cache(self) -> ResultCache | None:
        if self.cache_dir is None:
            return None
        key = f"{self.fingerprint}\0{sorted(self.rule_ids)}\0{self.settings.max_file_size}"
        return ResultCache(self.cache_dir, hashlib.sha256(key.encode()).hexdigest())

    def _workers(self, pending: int) -> int:
        if self.settings.jobs:
            return self.settings.jobs
        if pending < PARALLEL_THRESHOLD:
            return 1
        return max(1, min(os.cpu_count() or 1, 8))

    def scan_paths(self, paths: Sequence[Path], progress: Progress | None = None) -> Report:
        started = time.perf_counter()
        settings = self.settings
        discovery = Discovery(
            settings.root,
            settings.exclude,
            settings.respect_gitignore,
            classify=language_of,
            roles=parse_roles(settings.roles),
            role_policy=settings.role_policy,
        )
        files = list(discovery.files(paths))
        result = Report(self.settings.root, rules=self.rules, skipped=list(discovery.skipped))
        result.excluded = sorted(discovery.excluded, key=lambda s: s.display)
        result.allow_skipped = self.settings.allow_skipped
        languages = {f.display: f.language for f in files}
        result.sources = files
        cache = self._cache()
        results: list[FileResult] = []
        pending: list[Job] = []
        digests: dict[str, str] = {}
        roles: dict[str, Role] = {}
        for source in files:
            try:
                data = read_regular(source.path, self.settings.max_file_size)
            except NotReadable as exc:
                result.skipped.append(Skipped(source.display, str(exc)))
                continue
            role = role_from_content(Role(source.role), source.display, data[:HEAD_BYTES])
            if settings.role_policy and role in EXCLUDED_BY_DEFAULT:
                result.excluded.append(Skipped(source.display, excluded_reason(role)))
                continue
            roles[source.display] = role
            digest = content_hash(data) if cache else ""
            cached = cache.get(source.display, digest) if cache else None
            if cached is None:
                digests[source.display] = digest
                pending.append((source.display, data, source.language))
                continue
            results.append(FileResult.from_json(source.display, cached))
            result.files_from_cache += 1
        total = len(results) + len(pending)
        if progress:
            progress(len(results), total)
        fresh = self._run(pending, progress, len(results), total)
        if cache:
            for fr in fresh:
                if not (fr.skipped or "").startswith(_UNCACHEABLE):
                    cache.put(fr.display, digests[fr.display], fr.to_json())
            cache.save()
        results += fresh
        self._collect(result, results, roles)
        result.excluded.sort(key=lambda s: s.display)
        result.imports = [(fr.display, m, n, languages.get(fr.display, "")) for fr in results for m, n in fr.imports]
        result.seconds = time.perf_counter() - started
        return result

    def scan_text(self, text: str, language: str, display: str = "<stdin>", first_line: int = 1) -> Report:
        """Scan a snippet (an assistant's answer) that is not on disk."""
        started = time.perf_counter()
        padded = "\n" * (first_line - 1) + text
        self.load_rules()
        job = (display, padded.encode(), language)
        (fr,) = _analyse_batch([job], self.rule_ids, self.settings.max_file_size, self.settings.time_budget)
        result = Report(self.settings.root, rules=self.rules, allow_skipped=self.settings.allow_skipped)
        # A buffer named after a file (an editor's) is judged by its path's role, as a scan of the file is; never by
        # its content, which the text's author writes ("Code generated ... DO NOT EDIT" must not quiet an answer).
        self._collect(result, [fr], {display: role_of(display, parse_roles(self.settings.roles))})
        result.imports = [(display, m, n, language) for m, n in fr.imports]
        result.seconds = time.perf_counter() - started
        return result

    def _run(self, jobs: list[Job], progress: Progress | None, done: int, total: int) -> list[FileResult]:
        workers = self._workers(len(jobs))
        rule_ids, max_size, time_budget = self.rule_ids, self.settings.max_file_size, self.settings.time_budget
        if jobs:
            self.load_rules()
        if workers <= 1 or len(jobs) < 2:
            out: list[FileResult] = []
            for job in jobs:
                out += _analyse_batch([job], rule_ids, max_size, time_budget)
                done += 1
                if progress:
                    progress(done, total)
            return out
        from concurrent.futures import ProcessPoolExecutor  # only big scans pay for multiprocessing

        out = []
        with ProcessPoolExecutor(max_workers=workers, initializer=_start_worker, initargs=(self.load_rules,)) as pool:
            futures = [pool.submit(_analyse_batch, b, rule_ids, max_size, time_budget) for b in _batches(jobs, workers)]
            for future in futures:
                batch = future.result()
                out += batch
                done += len(batch)
                if progress:
                    progress(done, total)
        return out

    def _collect(self, result: Report, results: list[FileResult], roles: dict[str, Role]) -> None:
        policy = self.settings.role_policy
        for fr in results:
            role = roles.get(fr.display, Role.SOURCE)
            result.findings += [adjust(f, role, policy) for f in fr.findings]
            if fr.skipped:
                result.skipped.append(Skipped(fr.display, fr.skipped))
        result.files_scanned = len(results)
        result.findings.sort(key=sort_key)
        result.skipped.sort(key=lambda s: s.display)
