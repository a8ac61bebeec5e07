"""OWASP Benchmark scorecards: slopguard beside Bandit and Semgrep on BenchmarkJava and BenchmarkPython, one run.

Each Benchmark is a folder of test cases (one file per case) and an expected-results CSV saying, per case, its
category, whether it is a real vulnerability, and its CWE. A tool *flags* a case when it reports, in that case's
file, a finding whose CWE matches the expected one (as OWASP's own scorecards do; a few child CWEs count for their
parent, see ``EQUIVALENT``). Per category: TPR = flagged real cases / real cases, FPR = flagged safe cases / safe
cases, score = TPR - FPR (Youden's J); the Benchmark score is the mean over categories.

    python benchmarks/owasp.py --java PATH/BenchmarkJava --python PATH/BenchmarkPython
    python benchmarks/owasp.py --python PATH/BenchmarkPython --bandit --semgrep-rules PATH/semgrep-rules
    python benchmarks/owasp.py --java PATH --json      # machine-readable

A checkout that is missing is not fetched: the script prints the ``git clone`` and ``git checkout`` that get the
pinned commit and goes on with what it has. Bandit and Semgrep run only when asked for and on ``PATH`` (e.g. from
``make bench``'s ``.venv-peers``); Semgrep reads a local copy of its community rules (``--semgrep-rules``, a
checkout of semgrep/semgrep-rules: its ``java/`` and ``python/`` folders are used), never the network.
Exit status: 0 when every requested tool ran, 2 otherwise.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SUITES = {
    "java": {
        "url": "https://github.com/OWASP-Benchmark/BenchmarkJava",
        "commit": "79b9bd6177e07991a9c11dc19e457c840e229931",
        "csv": "expectedresults-1.2.csv",
        "cases": "src/main/java/org/owasp/benchmark/testcode",
        "suffix": ".java",
    },
    "python": {
        "url": "https://github.com/OWASP-Benchmark/BenchmarkPython",
        "commit": "7cf0674b9a33788ac3105e4c4a75a7fdce4c44bd",
        "csv": "expectedresults-0.1.csv",
        "cases": "testcode",
        "suffix": ".py",
    },
}
# A finding with the key CWE counts for a case expecting the value (a child reported for its parent).
EQUIVALENT = {95: 94, 338: 330, 759: 328, 760: 328, 916: 328, 77: 78, 315: 614}
CASE = re.compile(r"(BenchmarkTest\d+)")


@dataclass(frozen=True)
class Case:
    name: str
    category: str
    real: bool
    cwe: int


@dataclass
class Tool:
    name: str
    flagged: dict[str, set[int]] = field(default_factory=dict)  # case -> CWEs reported in its file
    seconds: float = 0.0
    error: str = ""


def load_cases(checkout: Path, suite: str) -> list[Case]:
    cases = []
    with (checkout / SUITES[suite]["csv"]).open(encoding="utf-8") as fh:
        for row in csv.reader(fh):
            if not row or row[0].startswith("#"):
                continue
            cases.append(Case(row[0].strip(), row[1].strip(), row[2].strip() == "true", int(row[3])))
    return cases


def _record(tool: Tool, path: str, cwes: Iterable[int]) -> None:
    m = CASE.search(os.path.basename(path))
    if m:
        found = tool.flagged.setdefault(m.group(1), set())
        for cwe in cwes:
            found.add(cwe)
            found.add(EQUIVALENT.get(cwe, cwe))


def run_slopguard(cases_dir: Path) -> Tool:
    tool = Tool("slopguard")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.json"
        cmd = [sys.executable, "-m", "slopguard", "scan", str(cases_dir), "--no-deps", "--no-cache",
               "--fail-on", "critical", "--format", "json", "-o", str(out), "--no-progress"]  # fmt: skip
        started = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=cases_dir)
        tool.seconds = time.perf_counter() - started
        if proc.returncode not in (0, 1, 3) or not out.exists():
            tool.error = (proc.stderr or proc.stdout).strip()[-500:]
            return tool
        doc = json.loads(out.read_text(encoding="utf-8"))
    for finding in doc["findings"]:
        _record(tool, finding["location"]["path"], finding["cwe"])
    skipped = len(doc.get("skipped", []))
    if skipped:
        tool.error = f"{skipped} file(s) skipped"
    return tool


def run_bandit(cases_dir: Path) -> Tool:
    tool = Tool("bandit")
    if shutil.which("bandit") is None:
        tool.error = "not installed"
        return tool
    started = time.perf_counter()
    proc = subprocess.run(["bandit", "-r", "-q", "-f", "json", str(cases_dir)], capture_output=True, text=True)
    tool.seconds = time.perf_counter() - started
    try:
        doc = json.loads(proc.stdout)
    except ValueError:
        tool.error = proc.stderr.strip()[-500:]
        return tool
    for issue in doc.get("results", []):
        cwe = (issue.get("issue_cwe") or {}).get("id")
        if cwe:
            _record(tool, issue["filename"], [int(cwe)])
    return tool


def run_semgrep(cases_dir: Path, rules: Path) -> Tool:
    tool = Tool("semgrep")
    if shutil.which("semgrep") is None:
        tool.error = "not installed"
        return tool
    if not rules.is_dir():
        tool.error = f"no rules at {rules}"
        return tool
    started = time.perf_counter()
    cmd = ["semgrep", "scan", "--config", str(rules), "--json", "--metrics=off", "--disable-version-check",
           "--quiet", str(cases_dir)]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True)
    tool.seconds = time.perf_counter() - started
    try:
        doc = json.loads(proc.stdout)
    except ValueError:
        tool.error = proc.stderr.strip()[-500:]
        return tool
    for result in doc.get("results", []):
        cwes = result.get("extra", {}).get("metadata", {}).get("cwe", [])
        cwes = [cwes] if isinstance(cwes, str) else cwes
        numbers = [int(m.group(1)) for c in cwes if (m := re.search(r"CWE-(\d+)", str(c)))]
        _record(tool, result["path"], numbers)
    return tool


def scorecard(cases: list[Case], tool: Tool) -> dict[str, dict[str, float]]:
    table: dict[str, dict[str, float]] = {}
    for category in sorted({c.category for c in cases}):
        real = [c for c in cases if c.category == category and c.real]
        safe = [c for c in cases if c.category == category and not c.real]
        tp = sum(1 for c in real if c.cwe in tool.flagged.get(c.name, ()))
        fp = sum(1 for c in safe if c.cwe in tool.flagged.get(c.name, ()))
        tpr = tp / len(real) if real else 0.0
        fpr = fp / len(safe) if safe else 0.0
        table[category] = {"tpr": tpr, "fpr": fpr, "score": tpr - fpr, "real": len(real), "safe": len(safe)}
    return table


def mean(table: dict[str, dict[str, float]]) -> float:
    return sum(row["score"] for row in table.values()) / len(table) if table else 0.0


def print_suite(suite: str, cases: list[Case], tools: list[Tool]) -> None:
    cards = {t.name: scorecard(cases, t) for t in tools}
    head = f"{'category':<16}{'cases':>7}"
    for t in tools:
        head += f" | {t.name:>9} TPR   FPR  score"
    print(f"\nOWASP Benchmark{suite.capitalize()} ({len(cases)} cases)")
    print(head)
    for category in sorted({c.category for c in cases}):
        row = cards[tools[0].name][category]
        line = f"{category:<16}{int(row['real'] + row['safe']):>7}"
        for t in tools:
            r = cards[t.name][category]
            line += f" | {'':>9} {r['tpr']:4.2f}  {r['fpr']:4.2f} {r['score']:+5.2f}"
        print(line)
    line = f"{'mean':<16}{'':>7}"
    for t in tools:
        line += f" | {'':>9} {'':4}  {'':4} {mean(cards[t.name]):+5.2f}"
    print(line)
    for t in tools:
        note = f" ({t.error})" if t.error else ""
        print(f"  {t.name}: {t.seconds:.1f}s{note}")


def missing(suite: str, path: Path | None) -> bool:
    spec = SUITES[suite]
    if path is not None and (path / spec["csv"]).is_file():
        return False
    target = path or Path(f"Benchmark{suite.capitalize()}")
    print(f"Benchmark{suite.capitalize()} not found; get the pinned checkout with:", file=sys.stderr)
    print(f"  git clone {spec['url']} {target} && git -C {target} checkout {spec['commit']}", file=sys.stderr)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--java", type=Path, help="checkout of OWASP-Benchmark/BenchmarkJava")
    parser.add_argument("--python", type=Path, help="checkout of OWASP-Benchmark/BenchmarkPython")
    parser.add_argument("--bandit", action="store_true", help="also run Bandit (Python suite)")
    parser.add_argument("--semgrep-rules", type=Path, help="checkout of semgrep/semgrep-rules: also run Semgrep")
    parser.add_argument("--json", action="store_true", help="print the scorecards as JSON")
    args = parser.parse_args(argv)
    ok = True
    results: dict[str, object] = {}
    for suite, path in (("java", args.java), ("python", args.python)):
        if path is None and (args.java or args.python):
            continue
        if missing(suite, path):
            ok = False
            continue
        assert path is not None
        cases = load_cases(path, suite)
        cases_dir = path / SUITES[suite]["cases"]
        tools = [run_slopguard(cases_dir)]
        if args.bandit and suite == "python":
            tools.append(run_bandit(cases_dir))
        if args.semgrep_rules:
            tools.append(run_semgrep(cases_dir, args.semgrep_rules / suite))
        ok = ok and not any(t.error and not t.error.endswith("skipped") for t in tools)
        if args.json:
            results[suite] = {
                t.name: {
                    "mean": mean(scorecard(cases, t)),
                    "seconds": t.seconds,
                    "error": t.error,
                    "categories": scorecard(cases, t),
                }
                for t in tools
            }
        else:
            print_suite(suite, cases, tools)
    if args.json:
        print(json.dumps(results, indent=2))
    return 0 if ok else 2


if __name__ == "__main__":
    sys.exit(main())
