"""Precision on clean, popular projects: high/critical findings of slopguard, Bandit and Semgrep, same files, one run.

A gate that cries wolf gets switched off. This scans a pinned list of well-kept open-source projects in every
supported language with default settings and prints, per project and per tool, the number of high/critical
findings, the lines of code, and the rate per 20,000 lines; ``--sample N`` prints N slopguard findings (a fixed
seed) for hand-labelling in docs/accuracy.md.

Sources: Python projects are pinned source distributions fetched with ``pip download --no-binary :all:`` (pip uses
the index the user configured); JavaScript/TypeScript projects are pinned npm packages fetched with ``npm pack``
(the user's registry). Projects with no package in those registries (Go, Rust, Java, C, C++) are pinned git
checkouts that you provide under ``--checkouts DIR`` (``DIR/<name>``); for each missing one the script prints the
``git clone`` + ``git checkout`` that gets it and goes on without it. Everything is cached under
``benchmarks/.work/precision/``.

    python benchmarks/precision.py                                   # slopguard only
    python benchmarks/precision.py --bandit --semgrep-rules PATH     # with Bandit and Semgrep's community rules
    python benchmarks/precision.py --checkouts ~/src --sample 40

``--unseen`` scores, instead, five projects kept out of the list and out of rule tuning (starlette, pydantic,
werkzeug, commander, hono): the check that a precision fix generalises. ``--fresh`` scores seven more (attrs,
jinja2, marshmallow, itsdangerous, yargs, ws, body-parser), chosen after the unseen five had informed a fix;
``--fresh2`` seven more (tqdm, python-dateutil, sqlparse, fsspec, jsonwebtoken, dotenv, uuid), chosen after that;
``--fresh3`` twelve more in five languages (urllib3, aiohttp, celery, pytest, scrapy, mongoose, nodemailer,
socket.io, cobra, jsoup, ripgrep, cJSON), chosen after ``--fresh2`` had informed a fix; ``--fresh4`` sixteen more
in eight languages (paramiko, pyjwt, gunicorn, bottle, jsonschema, passport, multer, ejs, helmet, elysia, echo,
chi, reqwest, spark, libuv, cpp-httplib), chosen after ``--fresh3`` had informed a fix.

Counted as high: slopguard severity high or critical; Bandit issue_severity HIGH; Semgrep severity ERROR. The
``per 20k`` column is slopguard's high findings per 20,000 lines; ``gate`` is how many of them fail the default
gate (confidence medium or high). Exit status 0 when every requested tool ran on every available project, 2
otherwise.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORK = HERE / ".work" / "precision"
CODE_SUFFIXES = frozenset(
    {".py", ".js", ".mjs", ".cjs", ".jsx", ".ts", ".tsx", ".java", ".go", ".rs", ".c", ".h", ".cc", ".cpp", ".hpp"}
)


@dataclass(frozen=True)
class Project:
    name: str
    language: str
    source: str  # "pypi", "npm" or "git"
    pin: str  # version, or commit for git
    url: str = ""  # git only


PROJECTS = (
    Project("requests", "python", "pypi", "2.32.3"),
    Project("flask", "python", "pypi", "3.1.0"),
    Project("httpx", "python", "pypi", "0.28.1"),
    Project("fastapi", "python", "pypi", "0.115.6"),
    Project("click", "python", "pypi", "8.1.8"),
    Project("rich", "python", "pypi", "13.9.4"),
    Project("django", "python", "pypi", "5.1.4"),
    Project("express", "javascript", "npm", "4.21.2"),
    Project("koa", "javascript", "npm", "2.15.3"),
    Project("axios", "javascript", "npm", "1.7.9"),
    Project("fastify", "javascript", "npm", "5.2.0"),
    Project("zod", "typescript", "npm", "3.24.1"),
    Project("gin", "go", "git", "dcaa4296d111981ffb31ac3eba90bb63e1eb5ab9", "https://github.com/gin-gonic/gin"),
    Project("axum", "rust", "git", "3d78036dcac289d6c1d54934708acb6a5bd73686", "https://github.com/tokio-rs/axum"),
    Project("gson", "java", "git", "9835b6f90192f79cdf5300c528fc6212455fb6c1", "https://github.com/google/gson"),
    Project("jq", "c", "git", "579e6f76cffd7643ba4002a2c3618a5ea710589a", "https://github.com/jqlang/jq"),
    Project("fmt", "cpp", "git", "60ccad511fd680cb91d8b60a315759f71c67bef9", "https://github.com/fmtlib/fmt"),
)
# Kept out of the list above and out of rule tuning: scored once at the end of a round (``--unseen``), as a check
# that the precision fixes generalise.
UNSEEN = (
    Project("starlette", "python", "pypi", "0.41.3"),
    Project("pydantic", "python", "pypi", "2.10.4"),
    Project("werkzeug", "python", "pypi", "3.1.3"),
    Project("commander", "javascript", "npm", "12.1.0"),
    Project("hono", "typescript", "npm", "4.6.14"),
)
# Chosen after the round that used UNSEEN for a fix, and scored once (``--fresh``): the next generalisation check.
FRESH = (
    Project("attrs", "python", "pypi", "24.3.0"),
    Project("jinja2", "python", "pypi", "3.1.5"),
    Project("marshmallow", "python", "pypi", "3.23.2"),
    Project("itsdangerous", "python", "pypi", "2.2.0"),
    Project("yargs", "javascript", "npm", "17.7.2"),
    Project("ws", "javascript", "npm", "8.18.0"),
    Project("body-parser", "javascript", "npm", "1.20.3"),
)
# Chosen after FRESH had informed a fix, and scored once (``--fresh2``).
FRESH2 = (
    Project("tqdm", "python", "pypi", "4.67.1"),
    Project("python-dateutil", "python", "pypi", "2.9.0.post0"),
    Project("sqlparse", "python", "pypi", "0.5.3"),
    Project("fsspec", "python", "pypi", "2024.12.0"),
    Project("jsonwebtoken", "javascript", "npm", "9.0.2"),
    Project("dotenv", "javascript", "npm", "16.4.7"),
    Project("uuid", "javascript", "npm", "11.0.3"),
)

# Chosen after FRESH2 had informed a fix, and scored once (``--fresh3``); the git ones are ``--checkouts`` folders.
FRESH3 = (
    Project("urllib3", "python", "pypi", "2.3.0"),
    Project("aiohttp", "python", "pypi", "3.11.11"),
    Project("celery", "python", "pypi", "5.4.0"),
    Project("pytest", "python", "pypi", "8.3.4"),
    Project("scrapy", "python", "pypi", "2.12.0"),
    Project("mongoose", "javascript", "npm", "8.9.2"),
    Project("nodemailer", "javascript", "npm", "6.9.16"),
    Project("socket.io", "javascript", "npm", "4.8.1"),
    Project("cobra", "go", "git", "adbc8813901bba65827259daa8e22ff94ec1f30e", "https://github.com/spf13/cobra"),
    Project("jsoup", "java", "git", "46b620860af930eedc193a705eaf7cea5aec89a6", "https://github.com/jhy/jsoup"),
    Project(
        "ripgrep", "rust", "git", "3fce3b5bb0236da2df6d99672afb8a719642eca7", "https://github.com/BurntSushi/ripgrep"
    ),
    Project("cJSON", "c", "git", "a29814f285cc531c00223743ad3c55cd38c0dc56", "https://github.com/DaveGamble/cJSON"),
)

# Chosen after FRESH3 had informed a fix, and scored once (``--fresh4``); the git ones are ``--checkouts`` folders.
FRESH4 = (
    Project("paramiko", "python", "pypi", "3.5.0"),
    Project("pyjwt", "python", "pypi", "2.10.1"),
    Project("gunicorn", "python", "pypi", "23.0.0"),
    Project("bottle", "python", "pypi", "0.13.2"),
    Project("jsonschema", "python", "pypi", "4.23.0"),
    Project("passport", "javascript", "npm", "0.7.0"),
    Project("multer", "javascript", "npm", "1.4.5-lts.1"),
    Project("ejs", "javascript", "npm", "3.1.10"),
    Project("helmet", "javascript", "npm", "8.0.0"),
    Project(
        "elysia", "typescript", "git", "8358ff9efbcedf9534995f5977f26b9ceab59329", "https://github.com/elysiajs/elysia"
    ),
    Project("echo", "go", "git", "05489dc1730161df26b72d1ae2a3ba6fb8178fc7", "https://github.com/labstack/echo"),
    Project("chi", "go", "git", "735ae2b87f8c733d616e809ae86e0985c1bc3350", "https://github.com/go-chi/chi"),
    Project(
        "reqwest", "rust", "git", "065a5ae5209d27d4f4e3c4409725672c49a8aa39", "https://github.com/seanmonstar/reqwest"
    ),
    Project("spark", "java", "git", "1973e402f5d4c1442ad34a1d38ed0758079f7773", "https://github.com/perwendel/spark"),
    Project("libuv", "c", "git", "6179e7af87413396d5853a1c3722c8b5749336c8", "https://github.com/libuv/libuv"),
    Project(
        "cpp-httplib",
        "cpp",
        "git",
        "6494edd8c03c55165825ae3078e2f55c595d8cb6",
        "https://github.com/yhirose/cpp-httplib",
    ),
)


@dataclass
class Count:
    high: int = 0
    gate: int = 0  # slopguard: the high findings that fail the default gate (confidence medium or high)
    error: str = ""
    findings: list[dict[str, object]] = field(default_factory=list)


def log(message: str) -> None:
    print(message, file=sys.stderr)


def _unpack(archive: Path, target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    if archive.suffix == ".zip":
        with zipfile.ZipFile(archive) as zf:
            zf.extractall(target)
    else:
        with tarfile.open(archive) as tf:
            tf.extractall(target, filter="data")


def fetch(project: Project, checkouts: Path | None) -> Path | None:
    """The project's source folder, fetched and cached; None (with the command to get it) when unavailable."""
    if project.source == "git":
        path = checkouts / project.name if checkouts else None
        if path is None or not path.is_dir():
            where = path or Path(project.name)
            log(f"{project.name}: no checkout; get it with")
            log(f"  git clone {project.url} {where} && git -C {where} checkout {project.pin}")
            return None
        return path
    target = WORK / "src" / f"{project.name}-{project.pin}"
    if (target / "slopguard.toml").is_file():
        return target
    downloads = WORK / "downloads"
    downloads.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        if project.source == "pypi":
            cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:", "-d", tmp,
                   f"{project.name}=={project.pin}"]  # fmt: skip
        else:
            npm = shutil.which("npm")
            if npm is None:
                log(f"{project.name}: npm not found on PATH")
                return None
            cmd = [npm, "pack", "--ignore-scripts", "--silent", f"{project.name}@{project.pin}"]
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp)
        archives = [p for p in Path(tmp).iterdir() if p.suffix in (".gz", ".tgz", ".zip")]
        if proc.returncode != 0 or not archives:
            log(f"{project.name}: download failed: {(proc.stderr or proc.stdout).strip()[-300:]}")
            return None
        _unpack(archives[0], target)
    # The cache lies inside this repository, whose configuration and .gitignore must not apply to the projects:
    # an empty slopguard.toml makes each project its own root, with default settings.
    (target / "slopguard.toml").write_text("", encoding="utf-8")
    return target


def lines_of_code(root: Path) -> int:
    total = 0
    for path in root.rglob("*"):
        if path.suffix in CODE_SUFFIXES and path.is_file() and not path.is_symlink():
            with path.open("rb") as fh:
                total += sum(1 for line in fh if line.strip())
    return total


def run_slopguard(root: Path) -> Count:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.json"
        cmd = [sys.executable, "-m", "slopguard", "scan", str(root), "--no-deps", "--format", "json", "-o", str(out),
               "--no-progress", "--no-cache"]  # fmt: skip
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=root)
        if not out.exists():
            return Count(error=(proc.stderr or proc.stdout).strip()[-300:])
        doc = json.loads(out.read_text(encoding="utf-8"))
    high = [f for f in doc["findings"] if f["severity"] in ("high", "critical")]
    gate = sum(1 for f in high if f["confidence"] in ("medium", "high"))
    return Count(len(high), findings=high, gate=gate)


def run_bandit(root: Path) -> Count:
    if shutil.which("bandit") is None:
        return Count(error="bandit not installed")
    proc = subprocess.run(["bandit", "-r", "-q", "-f", "json", str(root)], capture_output=True, text=True)
    try:
        doc = json.loads(proc.stdout)
    except ValueError:
        return Count(error=proc.stderr.strip()[-300:])
    return Count(sum(1 for r in doc.get("results", []) if r.get("issue_severity") == "HIGH"))


def run_semgrep(root: Path, rules: Path) -> Count:
    if shutil.which("semgrep") is None:
        return Count(error="semgrep not installed")
    cmd = ["semgrep", "scan", "--config", str(rules), "--json", "--metrics=off", "--disable-version-check", "--quiet",
           str(root)]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True)
    try:
        doc = json.loads(proc.stdout)
    except ValueError:
        return Count(error=proc.stderr.strip()[-300:])
    return Count(sum(1 for r in doc.get("results", []) if r.get("extra", {}).get("severity") == "ERROR"))


def semgrep_rules_for(rules: Path, language: str) -> Path:
    folder = {"typescript": "typescript", "cpp": "c"}.get(language, language)
    return rules / folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkouts", type=Path, help="folder holding the git checkouts (DIR/<name>)")
    parser.add_argument("--bandit", action="store_true", help="also run Bandit (Python projects)")
    parser.add_argument("--semgrep-rules", type=Path, help="checkout of semgrep/semgrep-rules: also run Semgrep")
    parser.add_argument("--unseen", action="store_true", help="score the projects kept out of the list instead")
    parser.add_argument("--fresh", action="store_true", help="score the projects chosen after --unseen was used")
    parser.add_argument("--fresh2", action="store_true", help="score the projects chosen after --fresh was used")
    parser.add_argument("--fresh3", action="store_true", help="score the projects chosen after --fresh2 was used")
    parser.add_argument("--fresh4", action="store_true", help="score the projects chosen after --fresh3 was used")
    parser.add_argument("--only", nargs="*", help="project names to run")
    parser.add_argument("--sample", type=int, default=0, help="print N slopguard findings for hand-labelling")
    args = parser.parse_args(argv)
    ok = True
    rows = []
    found: list[tuple[str, dict[str, object]]] = []
    sets = {"fresh4": FRESH4, "fresh3": FRESH3, "fresh2": FRESH2, "fresh": FRESH, "unseen": UNSEEN}
    chosen = next((projects for flag, projects in sets.items() if getattr(args, flag)), PROJECTS)
    for project in chosen:
        if args.only and project.name not in args.only:
            continue
        root = fetch(project, args.checkouts)
        if root is None:
            ok = False
            continue
        loc = lines_of_code(root)
        counts = {"slopguard": run_slopguard(root)}
        if args.bandit and project.language == "python":
            counts["bandit"] = run_bandit(root)
        rules = semgrep_rules_for(args.semgrep_rules, project.language) if args.semgrep_rules else None
        if rules is not None and rules.is_dir():
            counts["semgrep"] = run_semgrep(root, rules)
        elif rules is not None:
            log(f"{project.name}: no Semgrep rules for {project.language} at {rules}: Semgrep column left empty")
        ok = ok and not any(c.error for c in counts.values())
        rows.append((project, loc, counts))
        found += [(project.name, f) for f in counts["slopguard"].findings]
    tools = ["slopguard"] + (["bandit"] if args.bandit else []) + (["semgrep"] if args.semgrep_rules else [])
    print(
        f"{'project':<12}{'language':<12}{'lines':>9} "
        + " ".join(f"{t:>10}" for t in tools)
        + f"  {'per 20k':>8}  {'gate':>12}"
    )
    total_loc = 0
    totals = dict.fromkeys(tools, 0)
    for project, loc, counts in rows:
        cells = []
        for tool in tools:
            count = counts.get(tool)
            cells.append(f"{'-':>10}" if count is None else f"{'err':>10}" if count.error else f"{count.high:>10}")
            if count is not None and not count.error:
                totals[tool] += count.high
        rate = counts["slopguard"].high * 20000 / loc if loc else 0.0
        gate = counts["slopguard"].gate
        print(f"{project.name:<12}{project.language:<12}{loc:>9} " + " ".join(cells) + f"  {rate:8.2f}  {gate:>12}")
        total_loc += loc
        for tool, count in counts.items():
            if count.error:
                print(f"    {tool}: {count.error}", file=sys.stderr)
    rate = totals["slopguard"] * 20000 / total_loc if total_loc else 0.0
    print(f"{'total':<24}{total_loc:>9} " + " ".join(f"{totals[t]:>10}" for t in tools) + f"  {rate:8.2f}")
    if args.sample and found:
        print(f"\nsample of {min(args.sample, len(found))} slopguard high/critical findings (seed 7):")
        for name, f in random.Random(7).sample(found, min(args.sample, len(found))):
            loc_ = f["location"]
            assert isinstance(loc_, dict)
            print(f"  {name}: {loc_['path']}:{loc_['start_line']} {f['rule_id']} {f['message']}")
    return 0 if ok else 2


if __name__ == "__main__":
    sys.exit(main())
