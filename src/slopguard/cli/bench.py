"""``slopguard bench``: the model shootout, every suite task through the RCI loop for each model, as a report."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path
from typing import Any, NoReturn

import click

from slopguard.deps.options import VerifyOptions
from slopguard.llm.bench import BenchOptions, BenchRun, Record, ResultStore, make_runner, plan, run_bench
from slopguard.llm.bench_summary import summarize
from slopguard.llm.clients import DEFAULT_RETRIES, ChatClient, LLMError, Prices, make_client
from slopguard.llm.progress import CountingClient, LiveLine
from slopguard.llm.report_html import render_html, report_json
from slopguard.llm.settings import PROVIDERS, llm_settings, pick
from slopguard.llm.suite import SuiteError, load_suite

EXIT_OK, EXIT_INCOMPLETE, EXIT_USAGE = 0, 1, 2


def _fail(message: str) -> NoReturn:
    click.echo(f"slopguard: error: {message}", err=True)
    sys.exit(EXIT_USAGE)


def _split(values: tuple[str, ...]) -> list[str]:
    return [v.strip() for value in values for v in value.split(",") if v.strip()]


def _rounds(text: str) -> tuple[int, ...]:
    try:
        rounds = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        _fail(f"--rounds takes comma-separated round numbers such as 0,1,2, not {text!r}")
    if not rounds or rounds[0] < 0 or rounds[-1] > 10:
        _fail("--rounds must name rounds between 0 and 10")
    return tuple(rounds)


def _options(config: Path | None, flags: dict[str, Any]) -> BenchOptions:
    try:
        table, warnings = llm_settings(config, Path.cwd())
    except ValueError as exc:
        _fail(str(exc))
    for warning in warnings:
        click.echo(f"slopguard: warning: {warning}", err=True)
    models = _split(flags["model"]) or _split((str(table.get("model", "")),))
    if not models:
        _fail("no model given: --model M1,M2 (or model in [tool.slopguard.llm])")
    if len(set(models)) != len(models):
        _fail("--model names a model twice")
    provider = flags["provider"] or table.get("provider", "openai")
    if provider not in PROVIDERS:
        _fail(f"unknown provider {provider!r} (valid: {', '.join(PROVIDERS)})")

    def get(flag: str, key: str, default: Any) -> Any:
        return pick(flags, table, flag, key, default)

    return BenchOptions(
        models=tuple(models),
        rounds=_rounds(flags["rounds"]),
        samples=flags["samples"],
        concurrency=flags["concurrency"],
        provider=provider,
        base_url=get("base_url", "base-url", None),
        key_env=get("api_key_env", "api-key-env", None),
        timeout=float(get("timeout", "timeout", 120.0)),
        max_retries=int(get("max_retries", "max-retries", DEFAULT_RETRIES)),
        prices=Prices(float(get("price_in", "price-in", 0.0)), float(get("price_out", "price-out", 0.0))),
        limit=flags["limit"],
    )


def _client(options: BenchOptions, model: str) -> ChatClient:
    return make_client(
        options.provider, model, options.base_url, options.key_env, options.timeout,
        max_retries=options.max_retries, prices=options.prices,
    )  # fmt: skip


def _run(tasks: list[Any], options: BenchOptions, store: Any, offline: bool, quiet: bool) -> BenchRun:
    from rich.console import Console
    from rich.live import Live
    from rich.text import Text

    try:
        clients = {m: _client(options, m) for m in options.models}
    except LLMError as exc:
        _fail(str(exc))
    runner = make_runner(VerifyOptions(offline=offline, project_dir=Path.cwd()))
    console = Console(stderr=True)
    if quiet or not console.is_terminal:
        return run_bench(tasks, options, store, clients=clients, runner=runner)
    todo = len(plan(tasks, options, store.all()))
    line = LiveLine(min(todo, options.limit) if options.limit is not None else todo)
    counted = {m: CountingClient(c) for m, c in clients.items()}
    line.clients = list(counted.values())
    with Live(console=console, get_renderable=lambda: Text(line.text()), refresh_per_second=4, transient=True):
        return run_bench(
            tasks, options, store, clients=dict(counted), runner=runner, on_result=line.finished,
            on_start=lambda task, model, sample: line.started(task.id, model, sample),
        )  # fmt: skip


def _print_summary(summary: Record) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="slopguard bench")
    longest = max((len(entry["model"]) for entry in summary["models"]), default=5)
    table.add_column("Model", no_wrap=True, min_width=longest)  # a model's name is never cut short
    for head in ("Round", "Answers", "Insecure", "Density", "Hallucinated", "Tokens", "Cost"):
        table.add_column(head, justify="right")
    for entry in summary["models"]:
        for r in entry["rounds"]:
            share = "–" if r["insecure_share"] is None else f"{r['insecure_share'] * 100:.1f}%"
            halluc = "–" if r["hallucinated_share"] is None else f"{r['hallucinated_share'] * 100:.1f}%"
            table.add_row(
                entry["model"], str(r["round"]), str(r["answers"]), share, f"{r['density']:.2f}", halluc,
                f"{r['input_tokens'] + r['output_tokens']:,}", f"{r['cost']:.4f}",
            )  # fmt: skip
    Console().print(table)


@click.command("bench")
@click.option("--model", "model", multiple=True, help="Models to compare, comma-separated (repeatable).")
@click.option("--provider", type=click.Choice(["openai", "anthropic"]), default=None,
              help="openai: any OpenAI-compatible server (vLLM, Ollama, llama.cpp, LM Studio); anthropic.")  # fmt: skip
@click.option("--base-url", default=None, help="Server URL, e.g. http://localhost:11434/v1 for Ollama.")
@click.option("--api-key-env", default=None, help="Name of the environment variable that holds the API key.")
@click.option(
    "--rounds", default="0,1,2", show_default=True, help="RCI rounds to report; the loop runs to the largest."
)
@click.option(
    "--samples", type=click.IntRange(1, 100), default=1, show_default=True, help="Answers per task and model."
)
@click.option("--suite", default="default", show_default=True, help="'default' or a JSON Lines file of tasks.")
@click.option("--concurrency", type=click.IntRange(1, 64), default=4, show_default=True, help="Samples in flight.")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), default=Path("bench-results"),
              show_default=True, help="Directory for results.sqlite, report.json and report.html.")  # fmt: skip
@click.option("--timeout", type=float, default=None, help="Seconds per model call (default 120).")
@click.option(
    "--max-retries",
    type=click.IntRange(min=0),
    default=None,
    help=f"Retries of a failed call on 429/5xx and connection errors (default {DEFAULT_RETRIES}).",
)
@click.option("--price-in", type=float, default=None, help="Price per million input tokens, for the cost columns.")
@click.option("--price-out", type=float, default=None, help="Price per million output tokens.")
@click.option("--offline", is_flag=True, help="Verify packages from the cache only (no registry requests).")
@click.option("--limit", type=click.IntRange(0), default=None, help="Run at most N new samples, then stop.")
@click.option("--report-only", is_flag=True, help="Write the reports from the stored results without running.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no summary table.")
@click.option("--config", "config", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Project config with [tool.slopguard.llm] (cannot set the server or key variable).")  # fmt: skip
def bench_command(
    model: tuple[str, ...], provider: str | None, base_url: str | None, api_key_env: str | None, rounds: str,
    samples: int, suite: str, concurrency: int, out: Path, timeout: float | None, price_in: float | None,
    price_out: float | None, max_retries: int | None, offline: bool, limit: int | None, report_only: bool,
    quiet: bool, config: Path | None,
) -> None:  # fmt: skip
    """Compare models: each suite task through generate -> critique -> improve, scanned every round.

    Results are stored in OUT/results.sqlite as they arrive; re-running the same command resumes and never repeats
    a finished sample. A live progress line shows on a terminal (not with --quiet or when stderr is piped). After
    3 samples in a row that cannot reach the model server the run stops and says why.

    Exit status 0 when every sample is done, 1 when some failed or the run was cut short (run it again to
    finish), 2 on usage errors.
    """

    flags = {"model": model, "provider": provider, "base_url": base_url, "api_key_env": api_key_env,
             "rounds": rounds, "samples": samples, "concurrency": concurrency, "timeout": timeout,
             "price_in": price_in, "price_out": price_out, "limit": limit, "max_retries": max_retries}  # fmt: skip
    options = _options(config, flags)
    try:
        tasks = load_suite(suite)
    except SuiteError as exc:
        _fail(str(exc))
    try:
        store = ResultStore(out / "results.sqlite")
    except (OSError, sqlite3.Error) as exc:
        _fail(f"cannot open the result store in {out}: {exc}")
    with store:
        outcome = BenchRun() if report_only else _run(tasks, options, store, offline, quiet)
        summary = summarize(tasks, options, store.all(), suite_name=suite if suite == "default" else Path(suite).name)
    (out / "report.json").write_text(report_json(summary), encoding="utf-8")
    (out / "report.html").write_text(render_html(summary), encoding="utf-8")
    if not quiet:
        _print_summary(summary)
    done = sum(m["samples"]["done"] for m in summary["models"])
    expected = sum(m["samples"]["expected"] for m in summary["models"])
    click.echo(
        f"{done}/{expected} samples done ({outcome.ran} run now, {outcome.skipped} already stored, "
        f"{outcome.failed} failed); report: {out / 'report.html'}",
        err=True,
    )
    if outcome.gave_up:
        click.echo(f"stopped: {outcome.gave_up}; check --base-url and that the server is running", err=True)
    if outcome.interrupted:
        click.echo("interrupted: finished samples are stored; run the same command again to resume", err=True)
    sys.exit(EXIT_OK if done == expected else EXIT_INCOMPLETE)
