"""Documented flaws of intentionally vulnerable applications: how many slopguard finds, beside Semgrep.

Each application is described by one file in ``benchmarks/vulnapps/`` (repository, pinned commit, language, the
Semgrep rule folders that apply, and the flaws its own documentation lists — DVNA's docs/solution/, NodeGoat's
tutorial pages — each with the file and lines the documentation points at). A flaw is
found by a tool when the tool reports anything on those lines (one line of slack either side), whatever the rule:
both tools are scored the same way. None of these applications was used while the rules were written.

    python benchmarks/vulnapps.py --apps DIR                      # DIR/<name>: checkouts at the pinned commits
    python benchmarks/vulnapps.py --apps DIR --semgrep-rules PATH # also Semgrep's community rules (the folders each
                                                                  # app names), with semgrep on PATH

A missing checkout is not fetched: the script prints the ``git clone`` / ``git checkout`` that gets it.
Exit status: 0 when every requested tool ran, 2 otherwise.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

APPS_DIR = Path(__file__).resolve().parent / "vulnapps"


@dataclass(frozen=True)
class Flaw:
    path: str
    lines: tuple[int, int]
    what: str


@dataclass(frozen=True)
class App:
    """One application: where to get it, which of Semgrep's rule folders apply, and its documented flaws."""

    name: str
    repo: str
    commit: str
    language: str
    semgrep: tuple[str, ...]
    flaws: tuple[Flaw, ...]


def load_apps(folder: Path = APPS_DIR) -> list[App]:
    """Every ``<app>.json`` in ``folder`` (name, repo, commit, language, semgrep, documentation, flaws)."""
    apps = []
    for path in sorted(folder.glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        flaws = tuple(Flaw(f["path"], (f["lines"][0], f["lines"][-1]), f["what"]) for f in doc["flaws"])
        apps.append(App(doc["name"], doc["repo"], doc["commit"], doc["language"], tuple(doc["semgrep"]), flaws))
    return apps


def _slopguard(root: Path) -> set[tuple[str, int]]:
    proc = subprocess.run(
        [sys.executable, "-m", "slopguard", "scan", str(root), "--no-deps", "--no-cache", "--format", "json",
         "--allow-skipped", "--fail-on", "critical"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    doc = json.loads(proc.stdout)
    return {(_relative(f["location"]["path"], root), f["location"]["start_line"]) for f in doc["findings"]}


def _semgrep(root: Path, rules: Path, folders: tuple[str, ...]) -> set[tuple[str, int]] | None:
    exe = shutil.which("semgrep")
    if exe is None:
        return None
    configs = [arg for sub in folders for arg in ("--config", str(rules / sub))]
    proc = subprocess.run(
        [exe, "--metrics=off", "--disable-version-check", "-q", "--json", *configs, "--exclude", "node_modules",
         str(root)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    doc = json.loads(proc.stdout)
    return {(_relative(r["path"], root), r["start"]["line"]) for r in doc["results"]}


def _relative(path: str, root: Path) -> str:
    full = Path(path).resolve() if Path(path).is_absolute() else (Path.cwd() / path).resolve()
    return full.relative_to(root.resolve()).as_posix() if full.is_relative_to(root.resolve()) else path


def _found(flaw: Flaw, reported: set[tuple[str, int]]) -> bool:
    low, high = flaw.lines
    return any(path == flaw.path and low - 1 <= line <= high + 1 for path, line in reported)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--apps", type=Path, required=True, help="folder holding the checkouts, one per app")
    parser.add_argument("--semgrep-rules", type=Path, help="checkout of semgrep/semgrep-rules: also run Semgrep")
    args = parser.parse_args()
    status = 0
    totals: dict[str, list[int]] = {}  # language -> [flaws, slopguard, semgrep]
    print(f"{'app':<16} {'language':<11} {'flaws':>5} {'slopguard':>9} {'semgrep':>8}")
    for app in load_apps():
        root = args.apps / app.name
        if not root.is_dir():
            print(f"missing {root}: git clone https://github.com/{app.repo} {root} && "
                  f"git -C {root} checkout {app.commit}", file=sys.stderr)  # fmt: skip
            status = 2
            continue
        ours = _slopguard(root)
        theirs = _semgrep(root, args.semgrep_rules, app.semgrep) if args.semgrep_rules else None
        if args.semgrep_rules and theirs is None:
            status = 2
        found_ours = [f for f in app.flaws if _found(f, ours)]
        found_theirs = [f for f in app.flaws if theirs is not None and _found(f, theirs)]
        semgrep_cell = str(len(found_theirs)) if theirs is not None else "-"
        print(f"{app.name:<16} {app.language:<11} {len(app.flaws):>5} {len(found_ours):>9} {semgrep_cell:>8}")
        for flaw in app.flaws:
            marks = ("S" if flaw in found_ours else ".") + ("G" if flaw in found_theirs else ".")
            print(f"    {marks} {flaw.path}:{flaw.lines[0]} {flaw.what}")
        row = totals.setdefault(app.language, [0, 0, 0])
        row[0] += len(app.flaws)
        row[1] += len(found_ours)
        row[2] += len(found_theirs)
    print()
    for language, (flaws, ours_n, theirs_n) in sorted(totals.items()):
        print(f"{'total':<16} {language:<11} {flaws:>5} {ours_n:>9} {theirs_n:>8}")
    print("S: slopguard reports the flaw, G: Semgrep does")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
