#!/usr/bin/env python3
"""Rebuild the popularity index that ``slopguard deps`` ships (``src/slopguard/deps/data/popular-*.txt``).

Inputs are the public download rankings kept under ``../shared/data/`` (see its README for sources and licences):

- ``top-pypi-packages.csv``: ``download_count,project`` for the most-downloaded PyPI projects over 30 days;
- ``npm-top-download.txt``: npm's high-impact packages, one name a line, most downloaded first.

Each output is one name a line, most popular first (the line order *is* the rank), after a ``#`` header that
records the source, its date and how many names were kept. PyPI names are written in their PEP 503 canonical
form; npm names as published (lookups lower-case them). Duplicates after canonicalisation keep their first,
best rank.

    python scripts/build_popularity_index.py                       # defaults below
    python scripts/build_popularity_index.py --pypi-date 2026-05 --pypi path/to/top-pypi-packages.csv
    python scripts/build_popularity_index.py --check               # exit 1 if the shipped files are stale
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
OUT = ROOT / "src" / "slopguard" / "deps" / "data"

PYPI_SOURCE = "hugovk/top-pypi-packages (GitHub), top-pypi-packages.csv: 30-day download counts"
NPM_SOURCE = "wooorm/npm-high-impact (GitHub, MIT), lib/top-download.js: high-impact packages by downloads"
_NPM_NAME = re.compile(r"^(?:@[a-z0-9][\w.~-]*/)?[\w.~-]+$", re.IGNORECASE)


def canonical_pypi(name: str) -> str:
    """PEP 503 normalisation (the same rule as ``packaging.utils.canonicalize_name``)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def read_pypi(path: Path) -> list[str]:
    """Project names in download order (the CSV is sorted already; sort again to be safe)."""
    rows: list[tuple[int, int, str]] = []
    with path.open(newline="", encoding="utf-8") as handle:
        for position, row in enumerate(csv.DictReader(handle)):
            name = (row.get("project") or "").strip()
            count = (row.get("download_count") or "").strip()
            if name and count.isdigit():
                rows.append((-int(count), position, canonical_pypi(name)))
    rows.sort()
    return _unique(name for _, _, name in rows)


def read_npm(path: Path) -> list[str]:
    names = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return _unique(name for name in names if name and not name.startswith("#") and _NPM_NAME.match(name))


def _unique(names: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    kept: list[str] = []
    for name in names:
        key = name.lower()
        if key not in seen:
            seen.add(key)
            kept.append(name)
    return kept


def render(ecosystem: str, names: list[str], source: str, date: str, note: str) -> str:
    header = [
        f"# slopguard popularity index: {ecosystem}, {len(names)} names, most popular first (line order = rank)",
        f"# source: {source}",
        f"# source date: {date}",
        f"# {note}",
        "# rebuild: python scripts/build_popularity_index.py",
    ]
    return "\n".join([*header, *names]) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pypi", type=Path, default=SHARED / "top-pypi-packages.csv")
    parser.add_argument("--npm", type=Path, default=SHARED / "npm-top-download.txt")
    parser.add_argument("--pypi-date", default="2026-04", help="month of the PyPI dump (default %(default)s)")
    parser.add_argument("--npm-date", default="2025-12", help="month of the npm list (default %(default)s)")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--check", action="store_true", help="compare with the shipped files instead of writing")
    args = parser.parse_args(argv)

    outputs = {
        "popular-pypi.txt": render(
            "PyPI", read_pypi(args.pypi), PYPI_SOURCE, args.pypi_date, "names are PEP 503 canonical"
        ),
        "popular-npm.txt": render(
            "npm", read_npm(args.npm), NPM_SOURCE, args.npm_date, "names as published; compare lower-cased"
        ),
    }
    stale = False
    for filename, text in outputs.items():
        target = args.out / filename
        if args.check:
            if not target.exists() or target.read_text(encoding="utf-8") != text:
                print(f"stale: {target}", file=sys.stderr)
                stale = True
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        count = text.count("\n") - 5
        print(f"wrote {target} ({count} names, {len(text.encode()) // 1024} KiB)")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
