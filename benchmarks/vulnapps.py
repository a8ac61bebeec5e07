"""Documented flaws of intentionally vulnerable applications: how many slopguard finds, beside Semgrep.

Each application is pinned to a commit; its flaws are the ones its own documentation lists (DVNA's
docs/solution/, NodeGoat's tutorial pages), each with the file and lines the documentation points at. A flaw is
found by a tool when the tool reports anything on those lines (one line of slack either side), whatever the rule:
both tools are scored the same way. None of these applications was used while the rules were written.

    python benchmarks/vulnapps.py --apps DIR                      # DIR/dvna, DIR/NodeGoat (checkouts at the commits)
    python benchmarks/vulnapps.py --apps DIR --semgrep-rules PATH # also Semgrep's community rules (javascript, html,
                                                                  # generic), with semgrep on PATH

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


@dataclass(frozen=True)
class Flaw:
    path: str
    lines: tuple[int, int]
    what: str


@dataclass(frozen=True)
class App:
    name: str
    repo: str
    commit: str
    language: str
    flaws: tuple[Flaw, ...]


APPS = (
    App("dvna", "appsecco/dvna", "9ba473add536f66ac9007966acb2a775dd31277a", "javascript", (
        Flaw("core/appHandler.js", (10, 11), "SQL injection in user search (A1)"),
        Flaw("core/appHandler.js", (39, 39), "command injection in ping (A1)"),
        Flaw("core/authHandler.js", (49, 49), "reset token is md5(login) (A2)"),
        Flaw("core/authHandler.js", (78, 78), "reset token is md5(login), second check (A2)"),
        Flaw("server.js", (24, 24), "hard-coded session secret (A2)"),
        Flaw("core/appHandler.js", (207, 211), "user objects with password hashes sent to the client (A3)"),
        Flaw("core/appHandler.js", (235, 235), "XXE: libxmljs with noent (A4)"),
        Flaw("core/appHandler.js", (197, 197), "mathjs eval of input, stack trace to the client (A6/A9)"),
        Flaw("views/app/products.ejs", (20, 20), "reflected XSS in the search term (A7)"),
        Flaw("views/app/products.ejs", (49, 52), "stored XSS in the product list (A7)"),
        Flaw("views/app/adminusers.ejs", (40, 42), "DOM XSS through innerHTML (A7)"),
        Flaw("core/appHandler.js", (218, 218), "node-serialize unserialize of an upload (A8)"),
        Flaw("core/appHandler.js", (188, 188), "open redirect (AX)"),
    )),
    App("NodeGoat", "OWASP/NodeGoat", "c5cb68a7084e4ae7dcc60e6a98768720a81841e8", "javascript", (
        Flaw("app/routes/contributions.js", (32, 34), "server-side JavaScript injection with eval (A1)"),
        Flaw("app/data/allocations-dao.js", (78, 78), "NoSQL injection through $where (A1)"),
        Flaw("app/routes/session.js", (64, 64), "log injection from the login name (A1)"),
        Flaw("server.js", (78, 98), "session cookie without secure/httpOnly (A2)"),
        Flaw("server.js", (137, 137), "template autoescape switched off: stored XSS (A3)"),
        Flaw("app/views/profile.html", (78, 78), "user-controlled URL in href (A3)"),
        Flaw("app/routes/index.js", (72, 72), "open redirect in /learn (A10)"),
        Flaw("app/routes/profile.js", (59, 61), "ReDoS in the bank routing check"),
        Flaw("app/routes/research.js", (16, 16), "SSRF through the research URL"),
    )),
)  # fmt: skip


def _slopguard(root: Path) -> set[tuple[str, int]]:
    proc = subprocess.run(
        [sys.executable, "-m", "slopguard", "scan", str(root), "--no-deps", "--no-cache", "--format", "json",
         "--allow-skipped", "--fail-on", "critical"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    doc = json.loads(proc.stdout)
    return {(_relative(f["location"]["path"], root), f["location"]["start_line"]) for f in doc["findings"]}


def _semgrep(root: Path, rules: Path) -> set[tuple[str, int]] | None:
    exe = shutil.which("semgrep")
    if exe is None:
        return None
    configs = [arg for sub in ("javascript", "html", "generic") for arg in ("--config", str(rules / sub))]
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
    totals = {"slopguard": 0, "semgrep": 0, "flaws": 0}
    print(f"{'app':<10} {'flaws':>5} {'slopguard':>9} {'semgrep':>8}")
    for app in APPS:
        root = args.apps / app.name
        if not root.is_dir():
            print(f"missing {root}: git clone https://github.com/{app.repo} {root} && "
                  f"git -C {root} checkout {app.commit}", file=sys.stderr)  # fmt: skip
            status = 2
            continue
        ours = _slopguard(root)
        theirs = _semgrep(root, args.semgrep_rules) if args.semgrep_rules else None
        if args.semgrep_rules and theirs is None:
            status = 2
        found_ours = [f for f in app.flaws if _found(f, ours)]
        found_theirs = [f for f in app.flaws if theirs is not None and _found(f, theirs)]
        semgrep_cell = str(len(found_theirs)) if theirs is not None else "-"
        print(f"{app.name:<10} {len(app.flaws):>5} {len(found_ours):>9} {semgrep_cell:>8}")
        for flaw in app.flaws:
            marks = ("S" if flaw in found_ours else ".") + ("G" if flaw in found_theirs else ".")
            print(f"    {marks} {flaw.path}:{flaw.lines[0]} {flaw.what}")
        totals["flaws"] += len(app.flaws)
        totals["slopguard"] += len(found_ours)
        totals["semgrep"] += len(found_theirs)
    print(f"{'total':<10} {totals['flaws']:>5} {totals['slopguard']:>9} {totals['semgrep']:>8}")
    print("S: slopguard reports the flaw, G: Semgrep does")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
