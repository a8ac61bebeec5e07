"""The model shootout: every task, model and sample through the RCI loop, stored as it arrives, then aggregated.

Results live in a SQLite file keyed by (model, task id, sample). Each finished sample is committed at once, so a run
that is interrupted (Ctrl-C, a crash, a killed process) resumes where it stopped: samples already stored for the
same task text, with at least as many RCI rounds, are never requested again. Failed samples are stored as failed
and retried by the next run.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

# Imported here, in the main thread, before any worker runs: the package verifier imports httpx lazily, and the
# openai SDK reads whatever ``httpx`` module is in sys.modules, so a worker importing it meanwhile broke calls.
import httpx  # noqa: F401

from slopguard.core.finding import Finding
from slopguard.llm.clients import DEFAULT_RETRIES, ChatClient, LLMError, Prices
from slopguard.llm.rci import run_rci
from slopguard.llm.suite import Task
from slopguard.pipeline.catalog import code_rules

if TYPE_CHECKING:
    from slopguard.deps.options import VerifyOptions
    from slopguard.llm.rci import RciResult

SEVERITIES = ("critical", "high", "medium", "low")
Record = dict[str, Any]
Key = tuple[str, str, int]
MAX_STORED_ANSWER = 20_000  # characters of each answer kept for the report's drill-down
MAX_UNREACHABLE = 3  # consecutive samples that could not reach the model server before the run stops


@dataclass(frozen=True)
class BenchOptions:
    """What to run: models, the RCI rounds to report (the loop runs up to the largest), samples per task."""

    models: tuple[str, ...]
    rounds: tuple[int, ...] = (0, 1, 2)
    samples: int = 1
    concurrency: int = 4
    provider: str = "openai"
    base_url: str | None = None
    key_env: str | None = None
    timeout: float = 120.0
    max_retries: int = DEFAULT_RETRIES
    prices: Prices = field(default_factory=Prices)
    limit: int | None = None  # run at most this many new samples, then stop (partial runs)

    @property
    def max_round(self) -> int:
        return max(self.rounds)


def task_hash(task: Task) -> str:
    """Changes when the task's text, language or contexts change: stored answers to another text are not reused."""
    text = json.dumps([task.language, task.prompt, list(task.contexts)], ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


class ResultStore:
    """SQLite store of sample records, keyed by (model, task, sample); every write is committed at once."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS results (model TEXT NOT NULL, task TEXT NOT NULL, sample INTEGER NOT NULL,"
            " status TEXT NOT NULL, payload TEXT NOT NULL, updated REAL NOT NULL, PRIMARY KEY (model, task, sample))"
        )

    def put(self, record: Record) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO results VALUES (?, ?, ?, ?, ?, ?)",
                (record["model"], record["task"], record["sample"], record["status"],
                 json.dumps(record, ensure_ascii=False), time.time()),
            )  # fmt: skip

    def all(self) -> dict[Key, Record]:
        with self._lock:
            rows = self._db.execute("SELECT model, task, sample, payload FROM results").fetchall()
        return {(m, t, int(s)): json.loads(p) for m, t, s, p in rows}

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> ResultStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def is_complete(record: Record | None, task: Task, max_round: int) -> bool:
    """A stored sample that needs no new run: finished, for this task text, with enough rounds (or a loop that
    stopped early because more rounds would change nothing)."""
    if record is None or record.get("status") != "ok" or record.get("task_hash") != task_hash(task):
        return False
    ran = len(record.get("rounds", [])) - 1
    return int(record.get("max_rounds", -1)) >= max_round or 0 <= ran < int(record.get("max_rounds", -1))


# --- one sample ---------------------------------------------------------------------------------------------------


def round_stats(round_: Any, mask: Callable[[str], str] = str) -> Record:
    """One RCI round (``slopguard.llm.rci.Round``) in the stored form: the CWEs and rules of its findings, and for
    the report's drill-down the answer and each finding (``mask`` hides the secrets the loop learnt)."""
    stats: dict[str, Any] = round_.stats()
    findings = round_.assessment.findings
    by_severity = {s: int(stats["by_severity"].get(s, 0)) for s in SEVERITIES}
    return {
        "round": int(stats["round"]),
        "findings": by_severity,
        "findings_total": len(findings),
        "cwes": sorted({int(c) for f in findings for c in f.cwe}),
        "rules": sorted({f.rule_id for f in findings}),
        "lines": int(stats["lines"]),
        "density": float(stats["density"]),
        "packages": int(stats["packages"]),
        "hallucinated": list(stats["hallucinated"]),
        "input_tokens": int(stats["input_tokens"]),
        "output_tokens": int(stats["output_tokens"]),
        "cost": float(stats["cost"]),
        "refused": bool(stats["refused"]),
        "no_code": bool(stats["no_code"]),
        "answer": mask(round_.answer)[:MAX_STORED_ANSWER],
        "details": [_detail(f, mask) for f in findings],
    }


def _detail(finding: Finding, mask: Callable[[str], str]) -> Record:
    loc = finding.location
    return {
        "rule": finding.rule_id, "severity": finding.severity.label, "file": loc.path, "line": loc.start_line,
        "message": mask(finding.message),
    }  # fmt: skip


Runner = Callable[[Task, ChatClient, int], "RciResult"]


def make_runner(verify_options: VerifyOptions | None = None) -> Runner:
    """The RCI loop as bench runs it: the task's language and contexts, packages verified with ``verify_options``."""

    def run(task: Task, client: ChatClient, rounds: int) -> RciResult:

        return run_rci(task.prompt, task.language, client, rounds, task.contexts, verify_options=verify_options)

    return run


def run_sample(task: Task, model: str, sample: int, client: ChatClient, max_round: int, runner: Runner) -> Record:
    """Run one sample and return its record; an error becomes a failed record (retried by the next run)."""
    record: Record = {
        "model": model, "task": task.id, "sample": sample, "language": task.language, "cwe": list(task.cwe),
        "task_hash": task_hash(task), "max_rounds": max_round, "status": "ok", "error": None,
    }  # fmt: skip
    started = time.perf_counter()
    try:
        result = runner(task, client, max_round)
        if result.error:
            record["unreachable"] = result.unreachable
            raise RuntimeError(result.error)
        if not result.rounds:
            raise RuntimeError("the RCI loop returned no rounds")
        record["rounds"] = [round_stats(r, result.masker.mask) for r in result.rounds]
        record["stopped"] = result.stopped
    except KeyboardInterrupt:
        raise
    except Exception as exc:
        record["unreachable"] = record.get("unreachable", False) or getattr(exc, "unreachable", False)
        message = str(exc) if isinstance(exc, RuntimeError | LLMError) else f"{type(exc).__name__}: {exc}"
        record.update(status="error", error=message[:500], rounds=[])
    record["seconds"] = round(time.perf_counter() - started, 3)
    return record


# --- the run ------------------------------------------------------------------------------------------------------


@dataclass
class BenchRun:
    """What one invocation did: samples run now, skipped because stored, failed, and whether it stopped early
    (``interrupted`` by the user, or ``gave_up`` with the reason when the model server stayed unreachable)."""

    planned: int = 0
    skipped: int = 0
    ran: int = 0
    failed: int = 0
    interrupted: bool = False
    gave_up: str | None = None
    records: dict[Key, Record] = field(default_factory=dict)


def plan(tasks: Sequence[Task], options: BenchOptions, stored: dict[Key, Record]) -> list[tuple[Task, str, int]]:
    """The samples still to run, sample-major so a partial run covers every task and model evenly."""
    todo: list[tuple[Task, str, int]] = []
    for sample in range(options.samples):
        for task in tasks:
            for model in options.models:
                if not is_complete(stored.get((model, task.id, sample)), task, options.max_round):
                    todo.append((task, model, sample))
    return todo


def run_bench(
    tasks: Sequence[Task],
    options: BenchOptions,
    store: ResultStore,
    *,
    clients: dict[str, ChatClient],
    runner: Runner | None = None,
    on_result: Callable[[Record], None] | None = None,
    on_start: Callable[[Task, str, int], None] | None = None,
    max_unreachable: int = MAX_UNREACHABLE,
) -> BenchRun:
    """Run what is missing from ``store`` with at most ``options.concurrency`` samples in flight, storing each record
    as it arrives. Ctrl-C stops the run after the samples in flight (they are stored); the next run resumes.
    ``max_unreachable`` samples in a row that cannot reach the model server stop the run (``gave_up`` says why)."""
    run: Runner = runner or make_runner()
    stored = store.all()
    todo = plan(tasks, options, stored)
    total = options.samples * len(tasks) * len(options.models)
    outcome = BenchRun(planned=len(todo), skipped=total - len(todo))
    if options.limit is not None:
        todo = todo[: max(options.limit, 0)]
    pending = iter(todo)
    in_flight: set[Future[Record]] = set()

    def submit(pool: ThreadPoolExecutor) -> bool:
        item = next(pending, None)
        if item is None:
            return False
        task, model, sample = item
        if on_start is not None:
            on_start(task, model, sample)
        job = pool.submit(run_sample, task, model, sample, clients[model], options.max_round, run)
        in_flight.add(job)
        return True

    code_rules()  # the rule packs, once, before worker threads scan
    pool = ThreadPoolExecutor(max_workers=max(1, options.concurrency), thread_name_prefix="bench")
    unreachable_in_a_row = 0
    try:
        while len(in_flight) < max(1, options.concurrency) and submit(pool):
            pass
        while in_flight:
            done, _ = wait(in_flight, timeout=0.5, return_when=FIRST_COMPLETED)
            for future in done:
                in_flight.discard(future)
                record = future.result()
                store.put(record)
                outcome.ran += 1
                outcome.failed += record["status"] != "ok"
                unreachable_in_a_row = unreachable_in_a_row + 1 if record.get("unreachable") else 0
                if on_result is not None:
                    on_result(record)
                if unreachable_in_a_row >= max(1, max_unreachable) and outcome.gave_up is None:
                    outcome.gave_up = (
                        f"{unreachable_in_a_row} samples in a row could not reach the model server; "
                        f"the last error: {record['error']}"
                    )
                if outcome.gave_up is None:
                    submit(pool)
    except KeyboardInterrupt:
        outcome.interrupted = True
        for future in in_flight:
            future.cancel()
        for future in in_flight:  # finished while we were stopping: keep them
            if future.done() and not future.cancelled() and future.exception() is None:
                store.put(future.result())
                outcome.ran += 1
    finally:
        pool.shutdown(wait=not outcome.interrupted, cancel_futures=True)
    outcome.records = store.all()
    return outcome
