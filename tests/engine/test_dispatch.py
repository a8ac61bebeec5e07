"""Files are analysed as they are read: in this process for small scans, streamed to workers for big ones, with
the same results in the order the files were handed over."""

from __future__ import annotations

import pytest

from slopguard.engine.dispatch import BATCH_FILES, PARALLEL_THRESHOLD, Dispatcher, Job, split_balanced
from slopguard.engine.registry import all_rule_meta
from slopguard.rules import load_all, load_for


def _jobs(count: int) -> list[Job]:
    """Small Python files, every third one with a finding (the file's number is in its name and its line)."""
    out: list[Job] = []
    for i in range(count):
        code = f"import os\n\ndef handler_{i}(path):\n    os.system('ls ' + path)\n" if i % 3 == 0 else f"x = {i}\n"
        out.append((f"f{i:03}.py", code.encode(), "python"))
    return out


def _run(jobs: list[Job], workers: int) -> tuple[list[tuple[str, list[str]]], bool]:
    load_all()
    rules = frozenset(all_rule_meta())
    with Dispatcher(rules, 1_000_000, 60.0, load_for, workers) as dispatcher:
        for job in jobs:
            dispatcher.add(job)
        results = dispatcher.finish()
        used_pool = dispatcher.pool is not None
    return [(r.display, sorted(f.rule_id for f in r.findings)) for r in results], used_pool


def test_workers_stream_batches_and_return_every_result_in_order() -> None:
    jobs = _jobs(BATCH_FILES * 2 + 7)  # two full batches while reading, then a finer tail
    serial, pooled_serially = _run(jobs, 1)
    parallel, pooled = _run(jobs, 2)
    assert not pooled_serially and pooled
    assert [display for display, _ in parallel] == [job[0] for job in jobs]
    assert parallel == serial
    assert any(rules for _, rules in serial)


def test_a_small_scan_stays_in_this_process_unless_workers_are_asked_for() -> None:
    jobs = _jobs(PARALLEL_THRESHOLD - 1)
    _, pooled = _run(jobs, 0)
    assert not pooled
    _, pooled = _run(jobs[:3], 2)
    assert pooled
    _, pooled = _run(jobs[:1], 2)  # one file: nothing to share
    assert not pooled


def test_leaving_early_stops_the_workers() -> None:
    load_all()
    with pytest.raises(RuntimeError), Dispatcher(frozenset(all_rule_meta()), 10**6, 60.0, load_for, 2) as d:
        for job in _jobs(BATCH_FILES + 1):
            d.add(job)
        assert d.pool is not None
        raise RuntimeError("interrupted")
    assert d.pool is None


def test_balanced_split_keeps_every_job_once() -> None:
    items: list[tuple[int, Job]] = [(i, (f"f{i}", b"x" * (i * 100), "python")) for i in range(10)]
    batches = split_balanced(items, 4)
    assert len(batches) == 4
    assert sorted(item for b in batches for item in b) == items
    costs = [sum(len(job[1]) for _, job in b) for b in batches]
    assert max(costs) - min(costs) <= 1000
