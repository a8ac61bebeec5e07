"""Rebuild ``src/slopguard/data/rule_examples.json``: a flagged and a safe example for every rule with a fixture.

``slopguard rules RULE-ID`` shows them; the fixtures themselves (``tests/fixtures/rules/<language>/<RULE-ID>.*``)
are not in the wheel. The flagged example is the fixture's first ``expect: RULE-ID`` line, the safe one its first
``ok: RULE-ID`` line, each under up to four unlabelled lines of its paragraph, with known-format tokens masked.
Run it after changing a fixture::

    .venv/bin/python scripts/build_rule_examples.py

``tests/cli/test_rules_cli.py`` fails while the shipped file is out of date.
"""

from __future__ import annotations

import argparse
import json
import re
import textwrap
from pathlib import Path

from slopguard.core.secrets import redact

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "rules"
DEFAULT_OUT = ROOT / "src" / "slopguard" / "data" / "rule_examples.json"
CONTEXT = 4  # lines of the same paragraph shown above a labelled line
_LABEL = re.compile(r"(?:#|//-?|/\*|--|<!--)\s*(expect|ok):\s*([A-Z0-9\-]+(?:\s*,\s*[A-Z0-9\-]+)*)")


def _unlabelled(line: str) -> str:
    match = _LABEL.search(line)
    return (line[: match.start()] if match else line).rstrip()


def _is_context(line: str) -> bool:
    """A line shown above an example: same paragraph, and not itself a labelled (flagged or safe) example."""
    return bool(line.strip()) and _LABEL.search(line) is None


def _example(lines: list[str], kind: str, rule_id: str) -> str | None:
    """The first line labelled ``kind`` for ``rule_id`` under up to ``CONTEXT`` unlabelled lines of its paragraph,
    without its label, dedented."""
    for number, line in enumerate(lines):
        for match in _LABEL.finditer(line):
            if match.group(1) != kind or rule_id not in {i.strip() for i in match.group(2).split(",")}:
                continue
            first = number
            while first > 0 and number - first < CONTEXT and _is_context(lines[first - 1]):
                first -= 1
            text = textwrap.dedent("\n".join(_unlabelled(ln) for ln in lines[first : number + 1]))
            return redact(text)
    return None


def rule_examples(fixtures: Path = FIXTURES) -> dict[str, dict[str, str]]:
    """Rule id -> {"fixture", "flagged", "safe"} for every fixture under ``fixtures``."""
    out: dict[str, dict[str, str]] = {}
    for path in sorted(p for p in fixtures.rglob("*") if p.is_file()):
        lines = path.read_text(encoding="utf-8").splitlines()
        flagged, safe = _example(lines, "expect", path.stem), _example(lines, "ok", path.stem)
        if flagged is None or safe is None:
            continue  # the fixture test reports a fixture without both kinds of label
        out[path.stem] = {"fixture": path.relative_to(fixtures).as_posix(), "flagged": flagged, "safe": safe}
    return dict(sorted(out.items()))


def render(examples: dict[str, dict[str, str]]) -> str:
    """The JSON text; the colon of ``slopguard:`` directives in examples is written as ``\\u003a`` so that a scan of
    slopguard's own sources does not take the examples for directives of the data file."""
    return json.dumps(examples, indent=1, ensure_ascii=False).replace("slopguard:", "slopguard\\u003a") + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(render(rule_examples()), encoding="utf-8")
    print(f"{args.out}: {len(rule_examples())} rules")


if __name__ == "__main__":
    main()
