"""Rebuild ``src/slopguard/deps/data/import_names.json``: Python import name -> PyPI distribution(s).

Run it with the interpreter of the environment whose installed packages should be read, for instance a throwaway
virtual environment with many popular packages installed::

    /path/to/venv/bin/python scripts/build_import_map.py [--top 5000] [--all]

It reads the metadata of every installed distribution (``RECORD``, else ``top_level.txt``) that is among the top N
of ``../shared/data/top-pypi-packages.csv`` (``--all``: every installed one), works out which modules it provides
(for namespace packages the dotted path down to the first real package: ``google.cloud.storage``), and keeps the
names that differ from the distribution name (``yaml`` -> PyYAML). The hand-checked ``curated`` section of the
existing file is kept as it is; the ``environment`` section is replaced. Standard library only: it need not run
in slopguard's own environment.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from collections import defaultdict
from datetime import date
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CSV = ROOT.parent / "shared" / "data" / "top-pypi-packages.csv"
DEFAULT_OUT = ROOT / "src" / "slopguard" / "deps" / "data" / "import_names.json"
NOT_MODULES = {"test", "tests", "testing", "docs", "doc", "examples", "example", "benchmarks", "scripts", "bin"}
IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def canonical(name: str) -> str:
    """PEP 503 normalised name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def popular(csv_path: Path, top: int) -> set[str]:
    with csv_path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return {canonical(row["project"]) for row in rows[:top]}


def provided_modules(dist: metadata.Distribution) -> set[str]:
    """Importable names a distribution installs: top-level packages and modules, dotted for namespace packages."""
    files = [f.as_posix() for f in dist.files or [] if not f.as_posix().startswith("..")]
    if not files:
        text = dist.read_text("top_level.txt") or ""
        return {line.strip().replace("/", ".") for line in text.splitlines() if line.strip()}
    present = set(files)
    found: set[str] = set()
    for path in files:
        parts = path.split("/")
        first = parts[0]
        if first.endswith((".dist-info", ".egg-info", ".data")) or first == "__pycache__":
            continue
        if len(parts) == 1:
            if path.endswith((".py", ".so", ".pyd")):
                found.add(path.split(".")[0])  # module.py, module.cpython-311-x86_64-linux-gnu.so
            continue
        if not path.endswith((".py", ".so", ".pyd")):
            continue
        for depth in range(1, len(parts)):
            if "/".join(parts[:depth]) + "/__init__.py" in present:
                found.add(".".join(parts[:depth]))
                break
        else:  # a namespace package all the way down to this module
            found.add(".".join([*parts[:-1], parts[-1].split(".")[0]]))
    return found


def environment_table(allowed: set[str] | None) -> dict[str, list[str]]:
    table: dict[str, set[str]] = defaultdict(set)
    for dist in metadata.distributions():
        name = dist.metadata["Name"]
        if not name or (allowed is not None and canonical(name) not in allowed):
            continue
        for module in provided_modules(dist):
            parts = module.split(".")
            if not all(IDENT.match(p) for p in parts) or parts[0].startswith("_") or parts[0] in NOT_MODULES:
                continue
            if parts[0] in sys.stdlib_module_names:
                continue
            # Keep what an import name alone would not find: other names, and namespace packages (google.protobuf).
            if canonical(parts[0]) != canonical(name):
                table[module].add(name)
    return {k: sorted(v, key=str.lower) for k, v in sorted(table.items(), key=lambda kv: kv[0].lower())}


def render(document: dict[str, object]) -> str:
    """JSON with one table entry a line, so that changes read well in a diff."""
    lines = []
    for key, value in document.items():
        if isinstance(value, dict):
            rows = [f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}" for k, v in value.items()]
            body = "{\n" + ",\n".join(rows) + "\n }" if rows else "{}"
            lines.append(f" {json.dumps(key)}: {body}")
        else:
            lines.append(f" {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}")
    return "{\n" + ",\n".join(lines) + "\n}\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--csv", type=Path, default=DEFAULT_CSV, help="popularity list (download_count,project)")
    parser.add_argument("--top", type=int, default=15000, help="read only the N most downloaded packages")
    parser.add_argument("--all", action="store_true", help="read every installed distribution")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)

    allowed = None if args.all else popular(args.csv, args.top)
    existing = json.loads(args.out.read_text(encoding="utf-8")) if args.out.exists() else {}
    curated = existing.get("curated", {})
    environment = environment_table(allowed)
    document = {
        "about": "Python import name -> PyPI distribution names (most likely first). 'curated': hand-checked "
        "known mismatches; 'environment': read from installed package metadata by scripts/build_import_map.py.",
        "generated": date.today().isoformat(),
        "python": sys.version.split()[0],
        "curated": curated,
        "environment": environment,
    }
    args.out.write_text(render(document), encoding="utf-8")
    print(f"{args.out}: {len(curated)} curated, {len(environment)} from the environment", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
