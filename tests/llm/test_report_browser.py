"""The bench report as a person sees it: headless Chromium renders the HTML, and the test reads what it shows
(whole model names in the legends, tick labels at round numbers, a task's answers opening from its row's link, a
screenshot that is not empty). Skipped only where no Chromium binary exists (the CI script installs Debian's)."""

from __future__ import annotations

import json
import re
import shutil
import struct
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from slopguard.llm.bench import BenchOptions, Record, task_hash
from slopguard.llm.bench_summary import summarize
from slopguard.llm.report_html import render_html
from slopguard.llm.suite import Task

CHROMIUM = next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no chromium binary (apt-get install chromium)")

MODELS = ("fake-coder-large-2025-instruct-q4", "another-vendor/very-long-model-name-v2")
TASKS = [
    Task("py-search", "python", (89,), "Flask endpoint /users/search returning matching users"),
    Task("js-comments", "javascript", (79,), "render comments from /api/comments into #comments"),
]
ANSWER = "Here it is:\n\n```python\ndb.execute(f\"SELECT * FROM users WHERE name = '{name}'\")\n```\n"
# 8 findings in 37 lines: a density of 21.62 findings per 100 lines, an ugly maximum the axis used to print.
FINDINGS, LINES = 8, 37
WINDOW = (1280, 2000)
# Measures what Chromium laid out, into the DOM: the test's copy of the page only (the report has no scripts).
MEASURE = """<script>
const out = [];
for (const svg of document.querySelectorAll("svg.chart")) {
  const width = svg.width.baseVal.value;
  for (const t of svg.querySelectorAll("text.lg")) {
    const box = t.getBBox();
    out.push({kind: "legend", text: t.textContent, right: box.x + box.width, width: width});
  }
  for (const t of svg.querySelectorAll("text.tick")) out.push({kind: "tick", text: t.textContent});
}
const pre = document.createElement("pre");
pre.id = "measured";
pre.textContent = JSON.stringify(out);
document.body.appendChild(pre);
</script>"""


def record(model: str, task: Task) -> Record:
    def round_(n: int, findings: int) -> Record:
        details = [{"rule": "PY-SQLI-001", "severity": "high", "file": "main.py", "line": 3,
                    "message": "SQL query built from request data"}] * findings  # fmt: skip
        return {
            "round": n, "findings": {"critical": 0, "high": findings, "medium": 0, "low": 0},
            "findings_total": findings, "cwes": [89] if findings else [], "rules": [], "lines": LINES,
            "density": findings * 100 / LINES, "packages": 1, "hallucinated": [], "input_tokens": 100, "output_tokens": 50,
            "cost": 0.01, "refused": False, "no_code": False, "answer": f"{ANSWER}<!-- {model} {task.id} {n} -->",
            "details": details,
        }  # fmt: skip

    return {
        "model": model, "task": task.id, "sample": 0, "language": task.language, "cwe": list(task.cwe),
        "task_hash": task_hash(task), "max_rounds": 1, "status": "ok", "error": None, "stopped": "rounds",
        "rounds": [round_(0, FINDINGS), round_(1, 0)],
    }  # fmt: skip


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    options = BenchOptions(models=MODELS, rounds=(0, 1))
    records = {(m, t.id, 0): record(m, t) for m in MODELS for t in TASKS}
    path = tmp_path_factory.mktemp("report") / "report.html"
    path.write_text(render_html(summarize(TASKS, options, records)), encoding="utf-8")
    return path


def chromium(*args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
               f"--window-size={WINDOW[0]},{WINDOW[1]}", *args]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)


def test_legends_show_whole_model_names_and_ticks_are_round(report: Path, tmp_path: Path) -> None:
    page = tmp_path / "measured.html"
    page.write_text(report.read_text(encoding="utf-8").replace("</body>", MEASURE + "</body>"), encoding="utf-8")
    dom = chromium("--dump-dom", page.as_uri()).stdout
    found = re.search(r'<pre id="measured">(.*?)</pre>', dom, re.DOTALL)
    assert found, "the page did not render"
    items: list[dict[str, Any]] = json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    legends = [i for i in items if i["kind"] == "legend"]
    assert {i["text"] for i in legends} == set(MODELS)
    for item in legends:
        assert item["right"] <= item["width"], f"{item['text']} is cut off at the chart's edge"
    ticks = [i["text"] for i in items if i["kind"] == "tick"]
    assert ticks and all(re.fullmatch(r"\d+(\.\d)?%?", t) for t in ticks), ticks
    assert [t for t in ticks if not t.endswith("%")] == ["0", "5", "10", "15", "20", "25"]
    assert [t for t in ticks if t.endswith("%")] == ["0%", "25%", "50%", "75%", "100%"] * 3  # 2 bar charts, 1 line


class Details(HTMLParser):
    """The report's per-sample <details> elements: (model, task) -> (open, text inside)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: dict[tuple[str, str], list[Any]] = {}
        self._current: list[Any] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "details" and "sample" in (a.get("class") or ""):
            self._current = self.found[(a["data-model"] or "", a["data-task"] or "")] = ["open" in a, ""]

    def handle_endtag(self, tag: str) -> None:
        if tag == "details":
            self._current = None

    def handle_data(self, data: str) -> None:
        if self._current is not None:
            self._current[1] += data


def test_a_task_row_opens_its_answers_and_findings(report: Path) -> None:
    html = report.read_text(encoding="utf-8")
    link = re.search(rf'<tr data-model="{re.escape(MODELS[1])}" data-task="js-comments"[^>]*>.*?href="#([^"]+)"', html)
    assert link, "the task's row has no link to its answers"
    shown = Details()
    shown.feed(chromium("--dump-dom", f"{report.as_uri()}#{link.group(1)}").stdout)
    assert len(shown.found) == len(MODELS) * len(TASKS)
    opened = [key for key, (is_open, _) in shown.found.items() if is_open]
    assert opened == [(MODELS[1], "js-comments")]  # following the link opened that sample, and only that one
    text = shown.found[(MODELS[1], "js-comments")][1]
    assert "PY-SQLI-001 [high] main.py:3: SQL query built from request data" in text
    assert f"{MODELS[1]} js-comments 1" in text and "Round 0" in text and "Round 1" in text


def test_screenshot_is_not_empty(report: Path, tmp_path: Path) -> None:
    shot = tmp_path / "report.png"
    chromium(f"--screenshot={shot}", report.as_uri())
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    assert struct.unpack(">II", data[16:24]) == WINDOW
    assert len(data) > 20_000  # charts and tables, not a blank page (a blank one compresses to a few KB)
