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
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from slopguard.llm.clients import ChatClient, LLMError, Prices
from slopguard.llm.rci import run_rci
from slopguard.llm.suite import Task
from slopguard.pipeline.catalog import code_rules

if TYPE_CHECKING:
    from slopguard.deps.verify import VerifyOptions
    from slopguard.llm.rci import RciResult

SEVERITIES = ("critical", "high", "medium", "low")
Record = dict[str, Any]
Key = tuple[str, str, int]


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


def round_stats(round_: Any) -> Record:
    """One RCI round (``slopguard.llm.rci.Round``) in the stored form, with the CWEs and rules of its findings."""
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
    }


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
            raise RuntimeError(result.error)
        if not result.rounds:
            raise RuntimeError("the RCI loop returned no rounds")
        record["rounds"] = [round_stats(r) for r in result.rounds]
        record["stopped"] = result.stopped
    except KeyboardInterrupt:
        raise
    except Exception as exc:
        message = str(exc) if isinstance(exc, RuntimeError | LLMError) else f"{type(exc).__name__}: {exc}"
        record.update(status="error", error=message[:500], rounds=[])
    record["seconds"] = round(time.perf_counter() - started, 3)
    return record


# --- the run ------------------------------------------------------------------------------------------------------


@dataclass
class BenchRun:
    """What one invocation did: samples run now, skipped because stored, failed, and whether it stopped early."""

    planned: int = 0
    skipped: int = 0
    ran: int = 0
    failed: int = 0
    interrupted: bool = False
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
) -> BenchRun:
    """Run what is missing from ``store`` with at most ``options.concurrency`` samples in flight, storing each record
    as it arrives. Ctrl-C stops the run after the samples in flight (they are stored); the next run resumes."""
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
        job = pool.submit(run_sample, task, model, sample, clients[model], options.max_round, run)
        in_flight.add(job)
        return True

    code_rules()  # the rule packs, once, before worker threads scan
    pool = ThreadPoolExecutor(max_workers=max(1, options.concurrency), thread_name_prefix="bench")
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
                if on_result is not None:
                    on_result(record)
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


# --- aggregation --------------------------------------------------------------------------------------------------


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _at(record: Record, r: int) -> tuple[Record, dict[str, float]]:
    """The record's state after round ``r`` (a loop that stopped earlier keeps its last answer) and the tokens and
    cost spent up to it."""
    rounds: list[Record] = record["rounds"]
    idx = min(r, len(rounds) - 1)
    spent = {
        "input_tokens": sum(x["input_tokens"] for x in rounds[: idx + 1]),
        "output_tokens": sum(x["output_tokens"] for x in rounds[: idx + 1]),
        "cost": sum(x["cost"] for x in rounds[: idx + 1]),
    }
    return rounds[idx], spent


def _round_summary(records: Iterable[Record], r: int) -> Record:
    answers = insecure = findings_total = lines = packages = hallucinated = with_halluc = refused = 0
    tokens_in = tokens_out = 0
    cost = 0.0
    findings = dict.fromkeys(SEVERITIES, 0)
    languages: dict[str, dict[str, Any]] = {}
    cwes: dict[str, dict[str, Any]] = {}
    for record in records:
        state, spent = _at(record, r)
        tokens_in += int(spent["input_tokens"])
        tokens_out += int(spent["output_tokens"])
        cost += spent["cost"]
        if state["refused"] or state["no_code"]:
            refused += 1
            continue
        answers += 1
        bad = state["findings_total"] > 0
        insecure += bad
        findings_total += state["findings_total"]
        for sev in SEVERITIES:
            findings[sev] += state["findings"].get(sev, 0)
        lines += state["lines"]
        packages += state["packages"]
        hallucinated += len(state["hallucinated"])
        with_halluc += bool(state["hallucinated"])
        lang = languages.setdefault(record["language"], {"answers": 0, "insecure": 0, "findings": 0, "lines": 0})
        lang["answers"] += 1
        lang["insecure"] += bad
        lang["findings"] += state["findings_total"]
        lang["lines"] += state["lines"]
        for cwe in record["cwe"]:
            entry = cwes.setdefault(str(cwe), {"answers": 0, "insecure": 0, "tempted": 0})
            entry["answers"] += 1
            entry["insecure"] += bad
            entry["tempted"] += cwe in state["cwes"]
    for lang in languages.values():
        lang["insecure_share"] = _share(lang["insecure"], lang["answers"])
        lang["density"] = lang["findings"] * 100.0 / lang["lines"] if lang["lines"] else 0.0
    for entry in cwes.values():
        entry["insecure_share"] = _share(entry["insecure"], entry["answers"])
        entry["tempted_share"] = _share(entry["tempted"], entry["answers"])
    return {
        "round": r, "answers": answers, "refused_or_no_code": refused, "insecure": insecure,
        "insecure_share": _share(insecure, answers), "findings": findings, "findings_total": findings_total,
        "lines": lines, "density": findings_total * 100.0 / lines if lines else 0.0, "packages": packages,
        "hallucinated": hallucinated, "hallucinated_share": _share(hallucinated, packages),
        "answers_with_hallucination": with_halluc, "input_tokens": tokens_in, "output_tokens": tokens_out,
        "cost": round(cost, 6),
        "languages": dict(sorted(languages.items())),
        "cwes": dict(sorted(cwes.items(), key=lambda kv: int(kv[0]))),
    }  # fmt: skip


def summarize(
    tasks: Sequence[Task], options: BenchOptions, records: dict[Key, Record], suite_name: str = "default"
) -> Record:
    """Per model and RCI round: insecure share (overall, per language, per tempted CWE), weakness density,
    hallucinated package share, tokens and cost. Only records of the current tasks and samples count."""
    current = {task.id: task for task in tasks}
    models: list[Record] = []
    for model in options.models:
        mine = [
            rec for (m, tid, sample), rec in records.items()
            if m == model and tid in current and sample < options.samples
            and rec.get("task_hash") == task_hash(current[tid])
        ]  # fmt: skip
        ok = [rec for rec in mine if rec["status"] == "ok" and rec.get("rounds")]
        models.append({
            "model": model,
            "samples": {
                "expected": len(tasks) * options.samples, "done": len(ok),
                "errors": sum(rec["status"] != "ok" for rec in mine),
                "refused": sum(any(x["refused"] for x in rec["rounds"]) for rec in ok),
            },
            "rounds": [_round_summary(ok, r) for r in sorted(options.rounds)],
        })  # fmt: skip
    languages: dict[str, int] = {}
    for task in tasks:
        languages[task.language] = languages.get(task.language, 0) + 1
    return {
        "schema": "slopguard-bench/1",
        "suite": {"name": suite_name, "tasks": len(tasks), "languages": dict(sorted(languages.items()))},
        "config": {
            "models": list(options.models), "rounds": sorted(options.rounds), "samples": options.samples,
            "provider": options.provider, "base_url": options.base_url,
        },
        "models": models,
    }  # fmt: skip
