#!/usr/bin/env python3
"""Accuracy of slopguard's rules on the labelled corpus (recall, precision, false alarms), optionally next to Bandit.

    python benchmarks/accuracy.py                    # every rule, tests/corpus/python
    python benchmarks/accuracy.py --select PY-SQLI   # some rules
    python benchmarks/accuracy.py --bandit           # also Bandit's raw finding counts per file
    python benchmarks/accuracy.py --min-recall 0.8   # exit 1 when overall recall is lower (CI gate)

Labels are ``# expect: RULE-ID`` / ``# ok: RULE-ID`` comments (see tests/labels.py for the syntax and scoring).
Labels naming rules that do not exist are listed separately and left out of the numbers.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from labels import CorpusScore, Tally, score_corpus  # noqa: E402

from slopguard.engine.registry import select_rules  # noqa: E402
from slopguard.pipeline.catalog import code_rules  # noqa: E402

DEFAULT_CORPUS = ROOT / "tests" / "corpus" / "python"


def ratio(value: float | None) -> str:
    return "  n/a" if value is None else f"{value:5.2f}"


def print_rules(score: CorpusScore) -> None:
    print(f"{'rule':<16} {'expect':>6} {'TP':>4} {'FP':>4} {'miss':>4} {'recall':>6} {'precision':>9}")
    for rule, t in score.per_rule().items():
        print(f"{rule:<16} {t.tp + t.fn:>6} {t.tp:>4} {t.fp:>4} {t.fn:>4} {ratio(t.recall):>6} {ratio(t.precision):>9}")


def print_overall(score: CorpusScore) -> Tally:
    total = score.overall()
    files = len(score.files)
    clean = [f for f in score.files if not f.expected]
    clean_fp = sum(f.tally().fp for f in clean)
    findings = total.tp + total.fp
    print(f"\nfiles: {files} ({files - len(clean)} with expected findings, {len(clean)} without)")
    print(f"expected findings: {total.tp + total.fn}   findings: {findings}")
    print(f"recall:    {ratio(total.recall)}  ({total.tp} of {total.tp + total.fn} expected findings reported)")
    print(f"precision: {ratio(total.precision)}  ({total.tp} of {findings} findings expected)")
    share = total.fp / findings if findings else None
    print(f"false alarms: {total.fp}  = {total.fp / files if files else 0:.2f} per file, {ratio(share)} of findings")
    if clean:
        print(f"false alarms in files without expected findings: {clean_fp} ({clean_fp / len(clean):.2f} per file)")
    return total


def print_details(score: CorpusScore) -> None:
    misses = [(f.display, line, rule) for f in score.files for line, rule in f.misses]
    alarms = [
        (f.display, line, rule, (line, rule) in f.labels.ok) for f in score.files for line, rule in f.false_alarms
    ]
    skipped = [(f.display, f.skipped) for f in score.files if f.skipped]
    print(f"\nmisses ({len(misses)}):")
    for display, line, rule in sorted(misses):
        print(f"  {display}:{line} {rule}")
    print(f"\nfalse alarms ({len(alarms)}):")
    for display, line, rule, on_ok in sorted(alarms):
        print(f"  {display}:{line} {rule}" + ("   (on an 'ok' look-alike)" if on_ok else ""))
    if skipped:
        print(f"\nskipped files ({len(skipped)}):")
        for display, reason in skipped:
            print(f"  {display}: {reason}")
    outside = score.unknown_labels()
    known = code_rules()
    missing = {rule: n for rule, n in outside.items() if rule not in known}
    unselected = sum(n for rule, n in outside.items() if rule in known)
    if missing:
        listed = ", ".join(f"{rule} ({n})" for rule, n in missing.items())
        print(f"\nlabels naming rules that do not exist, left out of the numbers: {listed}")
    if unselected:
        print(f"\n{unselected} labels of rules not selected were left out of the numbers")


def bandit_command() -> list[str] | None:
    if importlib.util.find_spec("bandit") is not None:
        return [sys.executable, "-m", "bandit"]
    exe = shutil.which("bandit")
    return [exe] if exe else None


def print_bandit(score: CorpusScore) -> None:
    command = bandit_command()
    print("\nBandit, same corpus")
    if command is None:
        print("  bandit is not installed (pip install bandit); skipped")
        return
    proc = subprocess.run(
        [*command, "-q", "-f", "json", "-r", str(score.root)], capture_output=True, text=True, check=False
    )
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError:
        print(f"  bandit failed (exit {proc.returncode}): {proc.stderr.strip()[:500]}")
        return
    per_file: Counter[str] = Counter()
    lines: dict[str, set[int]] = {}
    for result in report.get("results", []):
        display = Path(result["filename"]).resolve().relative_to(score.root.resolve()).as_posix()
        per_file[display] += 1
        lines.setdefault(display, set()).add(int(result["line_number"]))
    print("  (Bandit has its own rule set, so only raw counts and line overlap compare; 'on expect lines' counts")
    print("   labelled lines Bandit reported anything on, whatever the rule)")
    header = f"  {'file':<36} {'expect lines':>12} {'slopguard TP/FP':>15} {'bandit':>6} {'bandit on expect lines':>22}"
    print(header)
    total_raw = total_on = total_expect = clean_raw = 0
    for f in score.files:
        expect_lines = {line for line, _ in f.labels.expect}
        on = len(expect_lines & lines.get(f.display, set()))
        t = f.tally()
        tp_fp = f"{t.tp}/{t.fp}"
        print(f"  {f.display:<36} {len(expect_lines):>12} {tp_fp:>15} {per_file[f.display]:>6} {on:>22}")
        total_raw += per_file[f.display]
        clean_raw += 0 if expect_lines else per_file[f.display]
        total_on += on
        total_expect += len(expect_lines)
    print(f"  bandit findings: {total_raw}; labelled lines with a bandit finding: {total_on} of {total_expect}")
    slop_clean = sum(f.tally().fp for f in score.files if not f.expected)
    print(f"  findings in files without expected findings: bandit {clean_raw}, slopguard {slop_clean}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="labelled folder to scan")
    parser.add_argument("--select", action="append", default=[], help="rule id or prefix (repeatable)")
    parser.add_argument("--bandit", action="store_true", help="also run Bandit and print its counts per file")
    parser.add_argument("--min-recall", type=float, help="exit 1 when overall recall is below this")
    parser.add_argument("--min-precision", type=float, help="exit 1 when overall precision is below this")
    args = parser.parse_args(argv)

    catalog = code_rules()  # loads the rule packs, which selecting by id or prefix needs
    rule_ids = select_rules(args.select, []) if args.select else set(catalog)
    score = score_corpus(args.corpus.resolve(), rule_ids)
    print(f"slopguard accuracy on {args.corpus} with {len(rule_ids)} rules\n")
    print_rules(score)
    total = print_overall(score)
    print_details(score)
    if args.bandit:
        print_bandit(score)

    failed = False
    if args.min_recall is not None and (total.recall or 0.0) < args.min_recall:
        print(f"\nrecall {ratio(total.recall).strip()} is below --min-recall {args.min_recall}")
        failed = True
    if args.min_precision is not None and (total.precision or 0.0) < args.min_precision:
        print(f"\nprecision {ratio(total.precision).strip()} is below --min-precision {args.min_precision}")
        failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
