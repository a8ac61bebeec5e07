"""Drive a scan: discover, consult the cache, analyse the rest (in worker processes), collect results."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from slopguard.core.cache import CACHE_DIR_NAME, ResultCache, content_hash
from slopguard.core.config import Settings
from slopguard.core.discovery import Discovery, Skipped, SourceFile
from slopguard.core.finding import Finding, sort_key
from slopguard.engine.analyse import FileResult, analyse
from slopguard.engine.registry import load_rules

Progress = Callable[[int, int], None]
PARALLEL_THRESHOLD = 48


@dataclass
class ScanResult:
    """Everything a reporter needs."""

    root: Path
    findings: list[Finding] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    files_scanned: int = 0
    files_from_cache: int = 0
    seconds: float = 0.0
    rule_ids: frozenset[str] = frozenset()


Job = tuple[str, bytes, str]


def _analyse_batch(batch: Sequence[Job], rule_ids: frozenset[str], max_size: int) -> list[FileResult]:
    load_rules()
    return [analyse(display, data, language, rule_ids, max_size) for display, data, language in batch]


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
    """A configured scan over files or a snippet."""

    def __init__(self, settings: Settings, rule_ids: Iterable[str]) -> None:
        self.settings = settings
        self.rule_ids = frozenset(rule_ids)

    def _cache(self) -> ResultCache | None:
        if not self.settings.cache:
            return None
        directory = self.settings.cache_dir or self.settings.root / CACHE_DIR_NAME
        key = hashlib.sha256(f"{sorted(self.rule_ids)}\0{self.settings.max_file_size}".encode()).hexdigest()
        return ResultCache(directory, key)

    def _workers(self, pending: int) -> int:
        if self.settings.jobs:
            return self.settings.jobs
        if pending < PARALLEL_THRESHOLD:
            return 1
        return max(1, min(os.cpu_count() or 1, 8))

    def scan_paths(self, paths: Sequence[Path], progress: Progress | None = None) -> ScanResult:
        started = time.perf_counter()
        load_rules()
        discovery = Discovery(self.settings.root, self.settings.exclude, self.settings.respect_gitignore)
        files = list(discovery.files(paths))
        result = ScanResult(self.settings.root, skipped=list(discovery.skipped), rule_ids=self.rule_ids)
        cache = self._cache()
        results: list[FileResult] = []
        pending: list[Job] = []
        digests: dict[str, str] = {}
        for source in files:
            data = self._read(source, result)
            if data is None:
                continue
            digest = content_hash(data)
            cached = cache.get(source.display, digest) if cache else None
            if cached is not None:
                results.append(FileResult.from_json(source.display, cached))
                result.files_from_cache += 1
            else:
                digests[source.display] = digest
                pending.append((source.display, data, source.language))
        total = len(results) + len(pending)
        if progress:
            progress(len(results), total)
        fresh = self._run(pending, progress, len(results), total)
        if cache:
            for fr in fresh:
                cache.put(fr.display, digests[fr.display], fr.to_json())
            cache.save()
        results += fresh
        self._collect(result, results)
        result.seconds = time.perf_counter() - started
        return result

    def scan_text(self, text: str, language: str, display: str = "<stdin>", first_line: int = 1) -> ScanResult:
        """Scan a snippet (an assistant's answer) that is not on disk."""
        started = time.perf_counter()
        load_rules()
        padded = "\n" * (first_line - 1) + text
        fr = analyse(display, padded.encode(), language, self.rule_ids, self.settings.max_file_size)
        result = ScanResult(self.settings.root, rule_ids=self.rule_ids)
        self._collect(result, [fr])
        result.seconds = time.perf_counter() - started
        return result

    def _read(self, source: SourceFile, result: ScanResult) -> bytes | None:
        try:
            size = source.path.stat().st_size
            if size > self.settings.max_file_size:
                limit = self.settings.max_file_size
                result.skipped.append(
                    Skipped(source.display, f"file is {size:,} bytes, over max-file-size ({limit:,})")
                )
                return None
            return source.path.read_bytes()
        except OSError as exc:
            result.skipped.append(Skipped(source.display, f"cannot read: {exc.strerror or exc}"))
            return None

    def _run(self, jobs: list[Job], progress: Progress | None, done: int, total: int) -> list[FileResult]:
        workers = self._workers(len(jobs))
        rule_ids, max_size = self.rule_ids, self.settings.max_file_size
        if workers <= 1 or len(jobs) < 2:
            out: list[FileResult] = []
            for job in jobs:
                out += _analyse_batch([job], rule_ids, max_size)
                done += 1
                if progress:
                    progress(done, total)
            return out
        from concurrent.futures import ProcessPoolExecutor  # only big scans pay for multiprocessing

        out = []
        with ProcessPoolExecutor(max_workers=workers, initializer=load_rules) as pool:
            futures = [pool.submit(_analyse_batch, b, rule_ids, max_size) for b in _batches(jobs, workers)]
            for future in futures:
                batch = future.result()
                out += batch
                done += len(batch)
                if progress:
                    progress(done, total)
        return out

    @staticmethod
    def _collect(result: ScanResult, results: list[FileResult]) -> None:
        for fr in results:
            result.findings += fr.findings
            if fr.skipped:
                result.skipped.append(Skipped(fr.display, fr.skipped))
        result.files_scanned = len(results)
        result.findings.sort(key=sort_key)
        result.skipped.sort(key=lambda s: s.display)
