"""Analyse files as they are read: in this process for small scans, in worker processes for big ones.

Jobs are handed over one by one while the scan is still reading files. Once enough have arrived to be worth
the processes (or at once with an explicit worker count), a pool starts and takes batches of about
:data:`BATCH_BYTES`, so that the workers analyse while the rest is still being read; what is left at the end is
split finer, so that no worker is left with a long last batch.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterable, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, TypeVar

from slopguard.core.report import FileResult

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

Job = tuple[str, bytes, str]  # (display path, content, language)
Progress = Callable[[int, int], None]
LoadRules = Callable[[Iterable[str]], object]  # registers the rules that read files of these languages
# Starting worker processes costs more than analysing a few files in this process.
PARALLEL_THRESHOLD = 48
BATCH_BYTES = 256 * 1024
BATCH_FILES = 64
_FILE_COST = 2000  # bytes a file costs beyond its size (opening, parsing set-up), for batch sizes


def analyse_batch(
    batch: Sequence[Job], rule_ids: frozenset[str], max_size: int, time_budget: float
) -> list[FileResult]:
    from slopguard.engine.analyse import analyse  # analysis code loads only when something needs analysing

    return [analyse(display, data, language, rule_ids, max_size, time_budget) for display, data, language in batch]


def _start_worker(load_rules: LoadRules, languages: frozenset[str]) -> None:
    """A new worker process (started by the first batch): register the rules for the languages seen so far (each
    worker in parallel, while the main process still reads files), then freeze what is loaded (the rule packs, the
    grammars), which lives as long as the worker, so that the cyclic garbage collector stops re-scanning it on every
    full pass. Files of other languages load their packs when they arrive."""
    load_rules(languages)
    gc.freeze()


def _cost(job: Job) -> int:
    return len(job[1]) + _FILE_COST


T = TypeVar("T")


def split_balanced(items: Sequence[tuple[T, Job]], count: int) -> list[list[tuple[T, Job]]]:
    """``(key, job)`` items in at most ``count`` batches of about equal cost (largest first, each to the
    lightest batch)."""
    n = max(1, min(len(items), count))
    buckets: list[list[tuple[T, Job]]] = [[] for _ in range(n)]
    sizes = [0] * n
    for item in sorted(items, key=lambda item: _cost(item[1]), reverse=True):
        i = sizes.index(min(sizes))
        buckets[i].append(item)
        sizes[i] += _cost(item[1])
    return [b for b in buckets if b]


class Dispatcher:
    """Collects a scan's jobs with :meth:`add` and returns every job's result, in the order added, from
    :meth:`finish`. ``jobs`` is the worker count asked for (0: one per CPU, up to 8, for big scans only). Use it
    as a context manager: leaving early (an error, an interrupt) stops the workers."""

    def __init__(
        self,
        rule_ids: frozenset[str],
        max_size: int,
        time_budget: float,
        load_rules: LoadRules,
        jobs: int = 0,
    ) -> None:
        self.args = (rule_ids, max_size, time_budget)
        self.load_rules = load_rules
        self.explicit = jobs > 0
        self.workers = jobs if jobs > 0 else max(1, min(os.cpu_count() or 1, 8))
        self.pending: list[tuple[int, Job]] = []  # (position, job) added, not yet handed to the pool
        self.pending_cost = 0
        self.languages: set[str] = set()
        self.added = 0
        self.futures: list[tuple[list[int], Future[list[FileResult]]]] = []
        self.pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> Dispatcher:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=error is not None)
            self.pool = None

    def add(self, job: Job) -> None:
        self.languages.add(job[2])
        self.pending.append((self.added, job))
        self.added += 1
        self.pending_cost += _cost(job)
        if self.pool is None and not self._worth_a_pool():
            return
        if self.pending_cost >= BATCH_BYTES or len(self.pending) >= BATCH_FILES:
            self._submit([self.pending])
            self.pending, self.pending_cost = [], 0

    def _worth_a_pool(self) -> bool:
        """Whether the jobs so far justify worker processes (always, for two or more with a count asked for)."""
        jobs = len(self.pending)
        if self.workers == 1 or jobs < 2:
            return False
        return self.explicit or jobs >= PARALLEL_THRESHOLD

    def _start_pool(self) -> ProcessPoolExecutor:
        from concurrent.futures import ProcessPoolExecutor  # only big scans pay for multiprocessing

        languages = frozenset(self.languages)
        self.pool = ProcessPoolExecutor(
            max_workers=self.workers, initializer=_start_worker, initargs=(self.load_rules, languages)
        )
        return self.pool

    def _submit(self, batches: list[list[tuple[int, Job]]]) -> None:
        pool = self.pool or self._start_pool()
        for batch in batches:
            positions, jobs = [p for p, _ in batch], [job for _, job in batch]
            self.futures.append((positions, pool.submit(analyse_batch, jobs, *self.args)))

    def finish(self, progress: Progress | None = None, done: int = 0, total: int = 0) -> list[FileResult]:
        """Every result, in the order the jobs were added; ``progress(done, total)`` after each batch."""
        if self.pool is None and not self._worth_a_pool():
            return self._serial(progress, done, total)
        if self.pending:
            # The tail, finer: a few batches per worker, so that the workers finish together.
            self._submit(split_balanced(self.pending, self.workers * 4))
            self.pending, self.pending_cost = [], 0
        placed: list[FileResult | None] = [None] * self.added
        for positions, future in self.futures:
            batch = future.result()
            for position, result in zip(positions, batch, strict=True):
                placed[position] = result
            done += len(batch)
            if progress:
                progress(done, total)
        return [r for r in placed if r is not None]

    def _serial(self, progress: Progress | None, done: int, total: int) -> list[FileResult]:
        if self.pending:
            self.load_rules({job[2] for _, job in self.pending})
        out: list[FileResult] = []
        for _, job in self.pending:
            out += analyse_batch([job], *self.args)
            done += 1
            if progress:
                progress(done, total)
        self.pending, self.pending_cost = [], 0
        return out
