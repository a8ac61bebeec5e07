"""Speed benchmark: slopguard against Bandit and Semgrep on the same real corpora, in one run.

Two suites, one per language. ``python``: slopguard, Bandit and Semgrep (local Python rules) on the Django
sources. ``javascript``: slopguard and Semgrep (local JavaScript rules) on the sources of a few well-known npm
packages; Bandit reads Python only and is not run. ``--suite all`` runs both and reports files/s per language.

Every tool runs as a child process of this script over the same directory. Wall time is measured around the
child; peak memory comes from ``os.wait4`` (``ru_maxrss``: the largest single process among the child and
its reaped descendants) and, on Linux, from sampling the whole process tree every 20 ms (sum of PSS, so
pages shared between forked workers count once).

The Python corpus is the ``django/`` package of a pinned Django wheel fetched with ``pip download`` (pip
uses whatever index the user has configured) and unpacked under ``benchmarks/.work/corpus/``. The JavaScript
corpus is a pinned set of npm packages fetched with ``npm pack`` (npm uses whatever registry the user has
configured) and unpacked under ``benchmarks/.work/js-corpus/``, one folder per package, without their
prebuilt ``dist/`` bundles. Both are kept between runs. ``--corpus DIR`` benchmarks any directory instead.

    python benchmarks/speed.py                          # Python suite, all tools found
    python benchmarks/speed.py --suite javascript       # JavaScript suite (slopguard and Semgrep)
    python benchmarks/speed.py --suite all --repeat 3   # both, best of three rounds
    python benchmarks/speed.py --json                   # machine-readable results on stdout

Speed is measured here, never asserted in unit tests. Exit status: 0 when every tool ran, 2 when a tool
failed or slopguard could not be run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
WORK = HERE / ".work"
RULES = HERE / "semgrep-rules"
DJANGO_VERSION = "5.2.1"
# Well-known npm packages with real source (not only bundles), pinned: a web framework, an HTTP client used
# in browsers and Node, and two large tools. Together about 1,400 JavaScript files.
NPM_PACKAGES = ("express@4.22.3", "axios@1.21.1", "webpack@5.113.0", "eslint@9.39.5")
# Folders and files left out when unpacking npm packages: prebuilt bundles and their source maps are not
# source, and slopguard skips dist/ folders by default, so Semgrep would otherwise read files that it does not.
NPM_SKIP_DIRS = frozenset({"dist", "node_modules"})
NPM_SKIP_SUFFIXES = (".map",)
# Both tools skip larger files by default (slopguard's max-file-size, Semgrep's --max-target-bytes), so
# files/s counts only the corpus files at or under this size.
MAX_BYTES = 1_000_000
LANGUAGES = {
    "python": ("Python", (".py", ".pyw")),
    "javascript": ("JavaScript", (".js", ".mjs", ".cjs", ".jsx")),
    "typescript": ("TypeScript", (".ts", ".mts", ".cts", ".tsx")),
}
TARGETS = {"vs_bandit": 2.0, "vs_semgrep": 3.0, "warm_pct": 5.0}
SAMPLE_SECONDS = 0.02
SEMGREP_ENV = {"SEMGREP_ENABLE_VERSION_CHECK": "0", "SEMGREP_SEND_METRICS": "off"}

# Fallback when the slopguard CLI cannot be imported by the chosen interpreter: the same scan via the API.
API_SCRIPT = """
import json, sys
from pathlib import Path
from slopguard.core.config import Settings
from slopguard.pipeline.catalog import code_rules
from slopguard.pipeline.catalog import make_scanner
corpus, out, cache_dir = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
settings = Settings(root=corpus, cache=bool(cache_dir), cache_dir=Path(cache_dir) if cache_dir else None)
result = make_scanner(settings, code_rules()).scan_paths([corpus])
by_rule = {}
for f in result.findings:
    by_rule[f.rule_id] = by_rule.get(f.rule_id, 0) + 1
summary = {"files_scanned": result.files_scanned, "files_from_cache": result.files_from_cache,
           "findings": len(result.findings), "by_rule": by_rule}
out.write_text(json.dumps({"summary": summary}), encoding="utf-8")
"""


# --------------------------------------------------------------------------------------------------- corpus


@dataclass
class Tally:
    files: int = 0
    lines: int = 0
    nbytes: int = 0
    oversize: int = 0  # files over MAX_BYTES: no tool analyses them, so they are not counted above

    def add(self, data: bytes) -> None:
        if len(data) > MAX_BYTES:
            self.oversize += 1
            return
        self.files += 1
        self.lines += data.count(b"\n")
        self.nbytes += len(data)


@dataclass
class Corpus:
    path: Path
    label: str
    language: str  # the suite's language: its files are the numerator of files/s
    languages: dict[str, Tally] = field(default_factory=dict)
    parts: dict[str, Tally] = field(default_factory=dict)  # the suite language's files per top-level folder
    all_files: int = 0

    @property
    def files(self) -> int:
        return self.languages.get(self.language, Tally()).files

    @property
    def name(self) -> str:
        return LANGUAGES[self.language][0]


def fetch_django(version: str, python: str) -> Path:
    """Download the pinned Django wheel (cached) and unpack its ``django/`` package into .work/corpus/."""
    corpus = WORK / "corpus"
    stamp = WORK / "corpus.version"
    if (corpus / "django").is_dir() and stamp.is_file() and stamp.read_text().strip() == version:
        return corpus
    WORK.mkdir(parents=True, exist_ok=True)
    wheels = sorted(WORK.glob(f"[Dd]jango-{version}-*.whl"))
    if not wheels:
        log(f"downloading django=={version} with pip ...")
        cmd = [python, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", f"django=={version}"]
        done = subprocess.run([*cmd, "-d", str(WORK)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        wheels = sorted(WORK.glob(f"[Dd]jango-{version}-*.whl"))
        if done.returncode != 0 or not wheels:
            tail = "\n".join(done.stderr.strip().splitlines()[-5:])
            sys.exit(f"speed.py: pip download failed (use --corpus DIR to benchmark a local folder):\n{tail}")
    if corpus.exists():
        shutil.rmtree(corpus)
    corpus.mkdir(parents=True)
    with zipfile.ZipFile(wheels[-1]) as wheel:
        members = [m for m in wheel.namelist() if m.startswith("django/") and not m.endswith("/")]
        for name in members:
            wheel.extract(name, corpus)  # ZipFile.extract drops '..' and absolute parts
    stamp.write_text(version + "\n")
    log(f"unpacked {len(members)} files from {wheels[-1].name} into {corpus}")
    return corpus


def _npm_tarball(name: str) -> str:
    """The file name ``npm pack`` gives a package spec: ``@scope/pkg@1.2.3`` -> ``scope-pkg-1.2.3.tgz``."""
    base, _, version = name.rpartition("@")
    return f"{base.lstrip('@').replace('/', '-')}-{version}.tgz"


def fetch_npm(packages: Sequence[str]) -> Path:
    """``npm pack`` each pinned package (cached) and unpack it into .work/js-corpus/<name>-<version>/."""
    corpus = WORK / "js-corpus"
    stamp = WORK / "js-corpus.version"
    wanted = "\n".join(packages) + "\n"
    if corpus.is_dir() and stamp.is_file() and stamp.read_text() == wanted:
        return corpus
    for spec in packages:
        if spec.rpartition("@")[0] in ("", "@") or not spec.rpartition("@")[2][:1].isdigit():
            sys.exit(f"speed.py: npm package {spec!r} is not pinned as NAME@VERSION")
    tarballs = WORK / "npm"
    tarballs.mkdir(parents=True, exist_ok=True)
    missing = [spec for spec in packages if not (tarballs / _npm_tarball(spec)).is_file()]
    if missing:
        npm = shutil.which("npm")
        if npm is None:
            sys.exit("speed.py: npm not found on PATH (install Node.js, or use --corpus DIR with --suite javascript)")
        log(f"fetching {', '.join(missing)} with npm pack ...")
        cmd = [npm, "pack", "--ignore-scripts", "--silent", *missing]
        done = subprocess.run(cmd, cwd=tarballs, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        absent = [spec for spec in missing if not (tarballs / _npm_tarball(spec)).is_file()]
        if done.returncode != 0 or absent:
            tail = "\n".join(done.stderr.strip().splitlines()[-5:])
            sys.exit(f"speed.py: npm pack failed for {', '.join(absent) or 'some packages'}:\n{tail}")
    if corpus.exists():
        shutil.rmtree(corpus)
    corpus.mkdir(parents=True)
    for spec in packages:
        target = corpus / _npm_tarball(spec)[: -len(".tgz")]
        count = _unpack_npm(tarballs / _npm_tarball(spec), target)
        log(f"unpacked {count} files from {_npm_tarball(spec)} into {target}")
    stamp.write_text(wanted)
    return corpus


def _unpack_npm(tarball: Path, target: Path) -> int:
    """Regular files of an npm tarball without its top folder (``package/``), dist/ bundles and source maps."""
    count = 0
    with tarfile.open(tarball, "r:gz") as tar:
        for member in tar:
            parts = Path(member.name).parts[1:]
            if not member.isfile() or not parts or member.name.startswith("/") or ".." in parts:
                continue
            if NPM_SKIP_DIRS.intersection(parts[:-1]) or parts[-1].endswith(NPM_SKIP_SUFFIXES):
                continue
            source = tar.extractfile(member)
            if source is None:
                continue
            dest = target.joinpath(*parts)
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(source.read())
            count += 1
    return count


def _language(name: str) -> str | None:
    lowered = name.lower()
    for language, (_, suffixes) in LANGUAGES.items():
        if lowered.endswith(suffixes):
            return language
    return None


def survey(path: Path, label: str, language: str) -> Corpus:
    """Count the corpus and read every file once, so that no tool pays for a cold OS page cache."""
    info = Corpus(path, label, language)
    for dirpath, dirnames, filenames in os.walk(path):
        dirnames[:] = [d for d in dirnames if d not in (".git", "__pycache__")]
        for name in filenames:
            data = Path(dirpath, name).read_bytes()
            info.all_files += 1
            lang = _language(name)
            if lang is None:
                continue
            info.languages.setdefault(lang, Tally()).add(data)
            rel = Path(dirpath, name).relative_to(path).parts
            if lang == language and len(rel) > 1:  # files per top-level folder (npm: one per package)
                info.parts.setdefault(rel[0], Tally()).add(data)
    return info


# --------------------------------------------------------------------------------------------------- running


@dataclass
class Run:
    seconds: float
    maxrss_mib: float
    tree_mib: float | None
    returncode: int


@dataclass
class Result:
    tool: str
    command: list[str]
    seconds: float = 0.0
    maxrss_mib: float = 0.0
    tree_mib: float | None = None
    files: int | None = None
    findings: int | None = None
    from_cache: int | None = None
    by_rule: dict[str, int] = field(default_factory=dict)
    runs: list[float] = field(default_factory=list)
    error: str | None = None
    version: str = ""


def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/children") as fh:
                out += [int(c) for c in fh.read().split()]
        except OSError:
            continue
    return out


def _memory(pid: int, page: int) -> int:
    """Proportional set size (shared pages split between their users), else resident size, in bytes."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, IndexError, ValueError):
        pass
    try:
        with open(f"/proc/{pid}/statm") as fh:
            return int(fh.read().split()[1]) * page
    except (OSError, IndexError, ValueError):
        return 0


def _tree_memory(root: int, page: int) -> int:
    total, stack, seen = 0, [root], set()
    while stack:
        pid = stack.pop()
        if pid in seen:
            continue
        seen.add(pid)
        total += _memory(pid, page)
        stack += _children(pid)
    return total


def run_child(cmd: Sequence[str], cwd: Path, env: dict[str, str], log_file: Path) -> Run:
    """Run ``cmd`` to completion; wall time, ru_maxrss via wait4, and the sampled peak of the process tree."""
    sample = sys.platform.startswith("linux") and os.path.exists("/proc/self/task")
    page = os.sysconf("SC_PAGE_SIZE") if sample else 0
    peak = [0]
    with log_file.open("wb") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(list(cmd), cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=err, stderr=err)
        stop = threading.Event()

        def sampler() -> None:
            while not stop.is_set():
                peak[0] = max(peak[0], _tree_memory(proc.pid, page))
                stop.wait(SAMPLE_SECONDS)

        thread = threading.Thread(target=sampler, daemon=True)
        if sample:
            thread.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        stop.set()
        if sample:
            thread.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    scale = 1024 * 1024 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, KiB elsewhere
    return Run(seconds, usage.ru_maxrss * scale / 2**20, peak[0] / 2**20 if sample else None, proc.returncode)


def tail(path: Path, lines: int = 8) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(text.strip().splitlines()[-lines:])


def version_of(cmd: list[str]) -> str:
    if not cmd:
        return ""
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=60, env={**os.environ, **SEMGREP_ENV})
    except (OSError, subprocess.TimeoutExpired):
        return ""
    lines = (done.stdout or done.stderr).strip().splitlines()
    return lines[0].strip() if lines else ""


def find_tool(name: str, python: str) -> str | None:
    """The tool's script next to the chosen interpreter, next to this interpreter, or on PATH."""
    for interpreter in (python, sys.executable):
        candidate = Path(interpreter).parent / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return shutil.which(name)


# --------------------------------------------------------------------------------------------------- tools


@dataclass
class Tool:
    name: str
    command: Callable[[Path], list[str]]  # output file -> argv
    parse: Callable[[dict[str, Any], Result], None]
    ok_codes: tuple[int, ...] = (0, 1)
    cwd: Path | None = None
    env: dict[str, str] = field(default_factory=dict)
    prepare: Callable[[], None] | None = None  # run before each timed run (not timed)
    version: list[str] = field(default_factory=list)  # argv printing the version (not timed)


def parse_slopguard(doc: dict[str, Any], result: Result) -> None:
    summary = doc.get("summary", {})
    result.files = summary.get("files_scanned")
    result.findings = summary.get("findings")
    result.from_cache = summary.get("files_from_cache")
    result.by_rule = dict(summary.get("by_rule", {}))


def parse_bandit(doc: dict[str, Any], result: Result) -> None:
    metrics = doc.get("metrics", {})
    result.files = len([k for k in metrics if k != "_totals"])
    result.findings = len(doc.get("results", []))
    result.by_rule = {}
    for item in doc.get("results", []):
        rid = f"{item.get('test_id')}:{item.get('test_name')}"
        result.by_rule[rid] = result.by_rule.get(rid, 0) + 1


def parse_semgrep(doc: dict[str, Any], result: Result) -> None:
    result.files = len(doc.get("paths", {}).get("scanned", []))
    result.findings = len(doc.get("results", []))
    result.by_rule = {}
    for item in doc.get("results", []):
        rid = str(item.get("check_id", "?")).rsplit(".", 1)[-1]
        result.by_rule[rid] = result.by_rule.get(rid, 0) + 1
    errors = doc.get("errors", [])
    if not errors:
        result.error = None
        return
    kinds: dict[str, int] = {}
    for item in errors:
        kinds[str(item.get("type", "?"))] = kinds.get(str(item.get("type", "?")), 0) + 1
    timeouts = sorted({str(e.get("path", "?")) for e in errors if e.get("type") == "Timeout"})
    note = f"{len(errors)} semgrep error(s): " + ", ".join(f"{k} x{v}" for k, v in kinds.items())
    if timeouts:  # Semgrep gives up on a rule for a file after --timeout seconds (default 5)
        note += f" (rule timeouts in {len(timeouts)} file(s): {', '.join(timeouts[:3])}{', ...' * (len(timeouts) > 3)})"
    other = next((e for e in errors if e.get("type") != "Timeout"), None)
    result.error = note + (f"; first other: {str(other)[:200]}" if other else "")


def slopguard_tools(python: str, corpus: Corpus, config: Path, jobs: int | None) -> list[Tool]:
    """Cold (fresh cache directory) and warm (same directory again) slopguard runs."""
    probe = subprocess.run([python, "-c", "import slopguard.cli.scan"], capture_output=True, text=True)
    use_cli = probe.returncode == 0
    if not use_cli:
        check = subprocess.run([python, "-c", "import slopguard.engine.scanner"], capture_output=True, text=True)
        if check.returncode != 0:
            sys.exit(f"speed.py: {python} cannot import slopguard (pip install -e . into it, or pass --python)")
        log("slopguard CLI not importable: timing the Python API instead")
    state: dict[str, Path] = {}

    def fresh_cache() -> None:
        if "cache" in state:
            shutil.rmtree(state["cache"], ignore_errors=True)
        WORK.mkdir(parents=True, exist_ok=True)
        state["cache"] = Path(tempfile.mkdtemp(prefix="slopguard-cache-", dir=WORK))

    def command(out: Path) -> list[str]:
        if not use_cli:
            return [python, "-c", API_SCRIPT, str(corpus.path), str(out), str(state["cache"])]
        cmd = [python, "-m", "slopguard", "scan", str(corpus.path), "--format", "json", "--output", str(out)]
        cmd += ["--config", str(config), "--cache-dir", str(state["cache"]), "--no-progress", "--no-deps"]
        return [*cmd, "--jobs", str(jobs)] if jobs is not None else cmd

    version = [python, "-m", "slopguard", "--version"] if use_cli else []
    cold = Tool("slopguard (cold)", command, parse_slopguard, prepare=fresh_cache, version=version)
    warm = Tool("slopguard (warm)", command, parse_slopguard, version=version)
    return [cold, warm]


def bandit_tool(python: str, corpus: Corpus) -> Tool | None:
    exe = find_tool("bandit", python)
    if exe is None:
        log("bandit not found next to the interpreter or on PATH: skipped (pip install bandit)")
        return None

    def argv(out: Path) -> list[str]:
        return [exe, "-r", "-q", "-f", "json", "-o", str(out), str(corpus.path)]

    return Tool("bandit", argv, parse_bandit, version=[exe, "--version"])


def semgrep_tool(python: str, corpus: Corpus) -> Tool | None:
    exe = find_tool("semgrep", python)
    if exe is None:
        log("semgrep not found next to the interpreter or on PATH: skipped (pip install semgrep)")
        return None
    rules = RULES / corpus.language  # semgrep-rules/python/ or semgrep-rules/javascript/
    flags = ["--metrics=off", "--disable-version-check", "--json"]
    # Scan exactly what the other tools scan: no .gitignore (the corpus sits in an ignored folder) and no
    # default .semgrepignore (it drops test/ folders, and Django ships django/test/).
    flags += ["--no-git-ignore", "--x-ignore-semgrepignore-files"]

    def command(out: Path) -> list[str]:
        return [exe, "scan", "--config", str(rules), *flags, "-o", str(out), "."]

    return Tool("semgrep", command, parse_semgrep, cwd=corpus.path, env=SEMGREP_ENV, version=[exe, "--version"])


def measure(tools: list[Tool], repeat: int, corpus: Corpus) -> list[Result]:
    """``repeat`` rounds, each running every tool once in order; keep each tool's fastest run."""
    results = {t.name: Result(t.name, [], version=version_of(t.version)) for t in tools}
    best: dict[str, Run] = {}
    with tempfile.TemporaryDirectory(prefix="speed-", dir=_ensure_work()) as tmp:
        for round_no in range(1, repeat + 1):
            for tool in tools:
                result = results[tool.name]
                if result.error and result.error.startswith("failed"):
                    continue
                if tool.prepare:
                    tool.prepare()
                out, err = Path(tmp, f"{len(result.runs)}-out.json"), Path(tmp, "stderr.log")
                cmd = tool.command(out)
                result.command = cmd
                env = {**os.environ, **tool.env}
                # Installed tools run from compiled bytecode; an inherited "never write .pyc" setting would make
                # every Python tool recompile itself on each run and measure the compiler, not the scanner.
                env.pop("PYTHONDONTWRITEBYTECODE", None)
                run = run_child(cmd, tool.cwd or REPO, env, err)
                log(f"round {round_no}/{repeat}  {tool.name:<17} {run.seconds:7.2f} s  rc={run.returncode}")
                if run.returncode not in tool.ok_codes:
                    result.error = f"failed with exit code {run.returncode}: {tail(err)}"
                    continue
                result.runs.append(round(run.seconds, 3))
                if tool.name not in best or run.seconds < best[tool.name].seconds:
                    best[tool.name] = run
                    try:
                        tool.parse(json.loads(out.read_text(encoding="utf-8")), result)
                    except (OSError, ValueError) as exc:
                        result.error = f"failed: unreadable JSON report ({exc})"
    for name, run in best.items():
        r = results[name]
        r.seconds, r.maxrss_mib, r.tree_mib = run.seconds, run.maxrss_mib, run.tree_mib
    if "slopguard (cold)" in results and (results["slopguard (cold)"].files or 0) < corpus.files:
        log(
            f"warning: slopguard scanned {results['slopguard (cold)'].files} files but the corpus has "
            f"{corpus.files} {corpus.name} files (excluded by a config or .gitignore?)"
        )
    return list(results.values())


def _ensure_work() -> Path:
    WORK.mkdir(parents=True, exist_ok=True)
    return WORK


# --------------------------------------------------------------------------------------------------- report


def ratios(results: list[Result]) -> dict[str, float | None]:
    by = {r.tool: r for r in results if r.runs}

    def speedup(other: str) -> float | None:
        if "slopguard (cold)" not in by or other not in by:
            return None
        return by[other].seconds / by["slopguard (cold)"].seconds

    warm = None
    if "slopguard (cold)" in by and "slopguard (warm)" in by:
        warm = 100.0 * by["slopguard (warm)"].seconds / by["slopguard (cold)"].seconds
    return {"vs_bandit": speedup("bandit"), "vs_semgrep": speedup("semgrep"), "warm_pct": warm}


def verdicts(rat: dict[str, float | None]) -> dict[str, bool | None]:
    out: dict[str, bool | None] = {}
    for key, target in TARGETS.items():
        value = rat.get(key)
        out[key] = None if value is None else (value <= target if key == "warm_pct" else value >= target)
    return out


@dataclass
class SuiteRun:
    """One language's corpus, the tools run over it, and what they measured."""

    suite: str
    corpus: Corpus
    results: list[Result] = field(default_factory=list)
    ratios: dict[str, float | None] = field(default_factory=dict)
    load_before: tuple[float, float, float] | None = None
    load_after: tuple[float, float, float] | None = None

    def rate(self, tool: str) -> float | None:
        for r in self.results:
            if r.tool == tool and r.runs and r.seconds:
                return self.corpus.files / r.seconds
        return None


def print_table(run: SuiteRun, repeat: int) -> None:
    corpus, results, rat = run.corpus, run.results, run.ratios
    lang = corpus.name
    print(f"\n=== {lang} suite")
    print(f"corpus: {corpus.label}  ({corpus.path})")
    main = corpus.languages.get(corpus.language, Tally())
    print(
        f"        {main.files:,} {lang} files, {main.lines:,} lines, {main.nbytes / 2**20:.1f} MiB of {lang}; "
        f"{corpus.all_files:,} files in all"
    )
    if main.oversize:
        print(f"        {main.oversize} {lang} file(s) over {MAX_BYTES:,} bytes left out (no tool analyses them)")
    if 1 < len(corpus.parts) <= 12:
        print("        " + "; ".join(f"{k}: {v.files:,} files, {v.lines:,} lines" for k, v in corpus.parts.items()))
    others = {k: v for k, v in corpus.languages.items() if k != corpus.language and (v.files or v.oversize)}
    if others:
        shown = ", ".join(f"{v.files:,} {LANGUAGES[k][0]}" for k, v in others.items())
        print(f"        also {shown} file(s) in the corpus, not counted in files/s")
    print(
        f"machine: {os.cpu_count()} CPUs, {platform.system()} {platform.machine()}, Python {platform.python_version()}"
    )
    print(f"load average before/after: {_load(run.load_before)} / {_load(run.load_after)}")
    seen: dict[str, str] = {}
    for r in results:
        seen.setdefault(r.tool.split(" ")[0], r.version or "?")
    print("versions: " + "; ".join(f"{k}: {v}" for k, v in seen.items()))
    print(f"best of {repeat} round(s); files/s = the corpus's {lang} files / wall seconds\n")
    head = f"{'tool':<18} {'files':>7} {'seconds':>8} {'files/s':>9} {'peak MiB':>9} {'tree MiB':>9} {'findings':>9}"
    print(head)
    print("-" * len(head))
    for r in results:
        if not r.runs:
            print(f"{r.tool:<18} {'-':>7}  {r.error or 'not run'}")
            continue
        rate = corpus.files / r.seconds if r.seconds else 0.0
        tree = f"{r.tree_mib:9.0f}" if r.tree_mib is not None else f"{'n/a':>9}"
        files = f"{r.files:,}" if r.files is not None else "?"
        found = f"{r.findings:,}" if r.findings is not None else "?"
        print(f"{r.tool:<18} {files:>7} {r.seconds:8.2f} {rate:9.0f} {r.maxrss_mib:9.0f} {tree} {found:>9}")
        if r.error:
            print(f"{'':<18} note: {r.error}")
        if r.tool.endswith("(warm)") and r.files and r.from_cache != r.files:
            print(f"{'':<18} note: only {r.from_cache} of {r.files} files came from the cache")
    print("\n'files' is each tool's own count of the files it analysed (slopguard also reads config/docs files);")
    print("'peak MiB' is the largest single process (ru_maxrss); 'tree MiB' the sampled peak of the whole")
    print("process tree (sum of PSS, so pages shared by forked workers count once).\n")
    ok = verdicts(rat)
    labels = {
        "vs_bandit": ("throughput slopguard / bandit ", "x", ">="),
        "vs_semgrep": ("throughput slopguard / semgrep", "x", ">="),
        "warm_pct": ("warm re-scan / cold scan      ", "%", "<="),
    }
    for key, (label, unit, cmp) in labels.items():
        value = rat.get(key)
        if value is None:
            if not (key == "vs_bandit" and corpus.language != "python"):
                print(f"{label}  n/a")
            continue
        shown = f"{value:.2f}x" if unit == "x" else f"{value:.1f} %"
        target = f"{TARGETS[key]:g}{'x' if unit == 'x' else ' %'}"
        print(f"{label}  {shown:>8}   target {cmp} {target}: {'met' if ok[key] else 'MISSED'}")


def print_languages(runs: list[SuiteRun]) -> None:
    """files/s per language, one row per suite: the figures the suites' tables give, side by side."""
    print("\n=== files/s per language (each suite's own files / each tool's best wall time)\n")
    head = (
        f"{'language':<11} {'files':>6} {'slopguard cold':>15} {'slopguard warm':>15} {'bandit':>8} {'semgrep':>8}"
        f" {'vs semgrep':>11}"
    )
    print(head)
    print("-" * len(head))
    for run in runs:
        cells = []
        for tool in ("slopguard (cold)", "slopguard (warm)", "bandit", "semgrep"):
            rate = run.rate(tool)
            cells.append("-" if rate is None else f"{rate:,.0f}")
        ratio = run.ratios.get("vs_semgrep")
        shown = "-" if ratio is None else f"{ratio:.2f}x"
        print(
            f"{run.corpus.name:<11} {run.corpus.files:>6,} {cells[0]:>15} {cells[1]:>15} {cells[2]:>8} {cells[3]:>8}"
            f" {shown:>11}"
        )


def _loadavg() -> tuple[float, float, float] | None:
    try:
        return os.getloadavg()
    except OSError:
        return None


def _load(value: tuple[float, float, float] | None) -> str:
    return "n/a" if value is None else " ".join(f"{v:.2f}" for v in value)


def log(message: str) -> None:
    print(f"speed.py: {message}", file=sys.stderr, flush=True)


def prepare_corpus(suite: str, args: argparse.Namespace) -> Corpus:
    if args.corpus:
        path = args.corpus.resolve()
        corpus = survey(path, f"{path.name} (--corpus)", suite)
    elif suite == "python":
        path = fetch_django(args.django, args.python)
        corpus = survey(path, f"Django {args.django} (django/ package from the wheel)", suite)
    else:
        packages = tuple(p.strip() for p in args.npm.split(",") if p.strip())
        corpus = survey(fetch_npm(packages), "npm packages " + ", ".join(packages) + " (without dist/)", suite)
    if corpus.files == 0:
        sys.exit(f"speed.py: no {corpus.name} files under {corpus.path}")
    return corpus


def run_suite(suite: str, args: argparse.Namespace, wanted: set[str], config: Path) -> SuiteRun:
    corpus = prepare_corpus(suite, args)
    log(f"{corpus.name} suite: {corpus.files:,} {corpus.name} files in {corpus.path}")
    tools: list[Tool] = []
    if "slopguard" in wanted:
        tools += slopguard_tools(args.python, corpus, config, args.jobs)
    makers: list[tuple[str, Callable[[str, Corpus], Tool | None]]] = [("semgrep", semgrep_tool)]
    if suite == "python":  # Bandit reads Python only
        makers.insert(0, ("bandit", bandit_tool))
    for name, make in makers:
        if name in wanted:
            tool = make(args.python, corpus)
            if tool:
                tools.append(tool)
    run = SuiteRun(suite, corpus, load_before=_loadavg())
    run.results = measure(tools, args.repeat, corpus)
    run.load_after = _loadavg()
    for path in WORK.glob("slopguard-cache-*"):
        shutil.rmtree(path, ignore_errors=True)
    run.ratios = ratios(run.results)
    return run


def as_json(runs: list[SuiteRun], repeat: int) -> dict[str, Any]:
    suites = []
    for run in runs:
        corpus = run.corpus
        suites.append(
            {
                "suite": run.suite,
                "corpus": {
                    "path": str(corpus.path),
                    "label": corpus.label,
                    "language": corpus.language,
                    "files": corpus.files,
                    "all_files": corpus.all_files,
                    "languages": {k: asdict(v) for k, v in corpus.languages.items()},
                    "parts": {k: asdict(v) for k, v in corpus.parts.items()},
                },
                "load_before": run.load_before,
                "load_after": run.load_after,
                "results": [{**asdict(r), "files_per_second": run.rate(r.tool)} for r in run.results],
                "ratios": run.ratios,
                "targets_met": verdicts(run.ratios),
            }
        )
    return {
        "machine": {
            "cpus": os.cpu_count(),
            "system": f"{platform.system()} {platform.release()} {platform.machine()}",
            "python": platform.python_version(),
        },
        "repeat": repeat,
        "targets": TARGETS,
        "suites": suites,
        "files_per_second": {run.corpus.language: {r.tool: run.rate(r.tool) for r in run.results} for run in runs},
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--suite", "--language", choices=("python", "javascript", "all"), default="python",
        help="which language's corpus to benchmark (default: %(default)s)",
    )  # fmt: skip
    parser.add_argument("--corpus", type=Path, help="benchmark this directory instead (one suite only)")
    parser.add_argument("--django", default=DJANGO_VERSION, help="Django version to download (default: %(default)s)")
    parser.add_argument(
        "--npm", default=",".join(NPM_PACKAGES), help="comma-separated NAME@VERSION npm packages (default: %(default)s)"
    )
    parser.add_argument("--python", default=sys.executable, help="interpreter with slopguard installed")
    parser.add_argument("--repeat", type=int, default=1, help="rounds; the best run of each tool counts")
    parser.add_argument("--jobs", type=int, help="pass --jobs N to slopguard (default: its own choice)")
    parser.add_argument("--tools", default="slopguard,bandit,semgrep", help="comma-separated subset to run")
    parser.add_argument("--json", action="store_true", help="print the results as JSON instead of a table")
    parser.add_argument("--save", type=Path, metavar="FILE", help="also write the JSON results to FILE")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if args.corpus and args.suite == "all":
        parser.error("--corpus needs one suite: --suite python or --suite javascript")
    if args.corpus and not args.corpus.is_dir():
        parser.error(f"--corpus {args.corpus}: not a directory")
    wanted = {t.strip() for t in args.tools.split(",") if t.strip()}
    suites = ["python", "javascript"] if args.suite == "all" else [args.suite]

    # An empty config so slopguard ignores any [tool.slopguard] table and .gitignore above the corpus
    # (benchmarks/.work/ is itself git-ignored): every tool sees the whole folder with default settings.
    config = _ensure_work() / "slopguard-bench.toml"
    config.write_text("# Empty on purpose: benchmarks/speed.py runs slopguard with default settings.\n")

    runs = [run_suite(suite, args, wanted, config) for suite in suites]

    doc = json.dumps(as_json(runs, args.repeat), indent=2)
    if args.save:
        args.save.write_text(doc + "\n", encoding="utf-8")
    if args.json:
        print(doc)
    else:
        for run in runs:
            print_table(run, args.repeat)
        print_languages(runs)
    failed = [r for run in runs for r in run.results if not r.runs]
    return 2 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
