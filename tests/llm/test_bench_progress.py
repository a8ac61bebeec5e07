"""``slopguard bench`` says what it is doing: a live progress line on a terminal (none when piped or with --quiet),
a stop with the reason after a few samples in a row that cannot reach the model server, whole model names in the
summary table, and chart axes at round numbers."""

from __future__ import annotations

import json
import re
import socket
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from slopguard.cli.bench import _print_summary, bench_command
from slopguard.llm.bench import MAX_UNREACHABLE
from slopguard.llm.progress import LiveLine
from slopguard.llm.report_charts import nice_ticks

TASKS = [
    {"id": f"py-task-{n}", "language": "python", "cwe": [89], "task": f"Flask endpoint number {n} reading a user id"}
    for n in range(4)
]
LIVE_LINE = re.compile(r"\d+/\d+ samples(?! done)")


@pytest.fixture
def suite_file(tmp_path: Path) -> Path:
    path = tmp_path / "suite.jsonl"
    path.write_text("".join(json.dumps(t) + "\n" for t in TASKS), encoding="utf-8")
    return path


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def unreachable_args(suite: Path, out: Path, *extra: str) -> list[str]:
    return ["--model", "model-a,model-b", "--base-url", f"http://127.0.0.1:{closed_port()}/v1", "--suite", str(suite),
            "--out", str(out), "--rounds", "0,1", "--max-retries", "0", "--concurrency", "1", "--timeout", "5",
            *extra]  # fmt: skip


def test_unreachable_server_stops_the_run_with_the_reason(suite_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "bench"
    result = CliRunner().invoke(bench_command, unreachable_args(suite_file, out, "-q"))
    assert result.exit_code == 1
    assert f"{MAX_UNREACHABLE} samples in a row could not reach the model server" in result.stderr
    assert "cannot reach the model server" in result.stderr  # the last error itself, not only the count
    with sqlite3.connect(out / "results.sqlite") as db:
        statuses = [row[0] for row in db.execute("SELECT status FROM results")]
    assert statuses == ["error"] * MAX_UNREACHABLE  # 8 samples planned, stopped after 3
    assert (out / "report.html").exists()


def test_progress_line_only_on_a_terminal(suite_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    piped = CliRunner().invoke(bench_command, unreachable_args(suite_file, tmp_path / "a"))
    assert piped.exit_code == 1 and not LIVE_LINE.search(piped.stderr)
    monkeypatch.setenv("TTY_COMPATIBLE", "1")  # rich treats stderr as a terminal
    shown = CliRunner().invoke(bench_command, unreachable_args(suite_file, tmp_path / "b"))
    assert shown.exit_code == 1 and LIVE_LINE.search(shown.stderr), shown.stderr
    quiet = CliRunner().invoke(bench_command, unreachable_args(suite_file, tmp_path / "c", "--quiet"))
    assert quiet.exit_code == 1 and not LIVE_LINE.search(quiet.stderr)


def test_live_line_text() -> None:
    now = [100.0]
    line = LiveLine(8, clock=lambda: now[0])
    assert line.text() == "0/8 samples"
    line.started("py-search", "model-a", 0)
    now[0] = 112.4
    line.started("py-hash", "model-b", 0)
    assert line.text() == "0/8 samples · model-a py-search #0 (12s)"  # the oldest sample in flight
    line.finished({"model": "model-a", "task": "py-search", "sample": 0, "status": "error", "error": "HTTP 503"})
    assert line.text() == "1/8 samples · 1 failed · model-b py-hash #0 (0s) · last error: HTTP 503"


def test_summary_table_keeps_model_names_whole(capsys: pytest.CaptureFixture[str]) -> None:
    names = ["fake-coder-large-2025-instruct-q4", "another-vendor/very-long-model-name-v2"]
    rounds = [{"round": n, "answers": 12, "insecure_share": 0.5, "density": 4.25, "hallucinated_share": 0.0,
               "input_tokens": 12_000, "output_tokens": 34_000, "cost": 1.5} for n in (0, 1, 2)]  # fmt: skip
    _print_summary({"models": [{"model": name, "rounds": rounds} for name in names]})
    shown = capsys.readouterr().out
    assert max(len(row) for row in shown.splitlines()) <= 80  # the width of a pipe or CI log
    for name in names:
        assert name in shown


@pytest.mark.parametrize(
    ("vmax", "ticks"),
    [
        (43.16, [0, 10, 20, 30, 40, 50]),
        (32.37, [0, 10, 20, 30, 40]),
        (0.9, [0, 0.2, 0.4, 0.6, 0.8, 1]),
        (2.5, [0, 0.5, 1, 1.5, 2, 2.5]),
        (7, [0, 2, 4, 6, 8]),
        (1234, [0, 250, 500, 750, 1000, 1250]),
        (0, [0, 1]),
    ],
)
def test_nice_ticks(vmax: float, ticks: list[float]) -> None:
    assert nice_ticks(vmax) == ticks
