"""Rebuild ``src/slopguard/data/rule_catalog.json``: every code rule's metadata, with the digest of the code that
declares it.

A scan reads this file instead of importing every rule pack to learn which rules exist (it then imports only the
packs of the languages it meets); the digest makes a stale copy harmless (it is ignored, and the packs are
imported). Run it after changing any rule::

    .venv/bin/python scripts/build_rule_catalog.py

``tests/engine/test_rule_catalog.py`` fails while the shipped file is out of date.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from slopguard.engine.catalog import declaring_digest
from slopguard.pipeline.catalog import code_rules

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "src" / "slopguard" / "data" / "rule_catalog.json"


def render() -> str:
    """The catalog file's text for the code as it is now."""
    rules = [meta.to_dict() for meta in code_rules().values()]
    return json.dumps({"digest": declaring_digest(), "rules": rules}, indent=1, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUT, help="where to write (default: %(default)s)")
    args = parser.parse_args(argv)
    args.output.write_text(render(), encoding="utf-8")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
