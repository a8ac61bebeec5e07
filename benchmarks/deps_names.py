#!/usr/bin/env python3
"""Offline accuracy and speed of the typosquat detector on the labelled name set.

    python benchmarks/deps_names.py            # numbers; exit 1 if a gate fails
    python benchmarks/deps_names.py --verbose  # also every misclassified name

The set is ``tests/deps/data/names.csv`` (``ecosystem,name,label,lookalike``; labels popular, hallucinated,
typosquat, legit-obscure). A name is *flagged* when ``imitated()`` names a popular package. Printed:

- precision and recall of flagging on the set (positives: the typosquat rows), and how many flags name the
  expected package;
- popular names flagged: the set's popular rows and every name in the shipped index (must be 0);
- held-out legit names flagged: the index split in two (odd and even ranks), each half's names checked against
  an index of the other half: an estimate of how often a real but unindexed package is called a squat;
- the time for 1,000 names (the set, index names and mutations of both) against the offline index, cold
  (files read, targets precomputed) and warm; the gate is < 1 s cold.

Gates (exit 1): recall below 100 %, any popular name flagged, 1,000 names taking 1 s or more.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import time
from collections import Counter
from pathlib import Path

from slopguard.deps.popularity import PopularityIndex
from slopguard.deps.typosquat import imitated

ROOT = Path(__file__).resolve().parent.parent
NAMES = ROOT / "tests" / "deps" / "data" / "names.csv"


def load_set() -> list[dict[str, str]]:
    with NAMES.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def mutate(name: str, rng: random.Random) -> str:
    """One random typing slip or decoration."""
    if len(name) < 3:
        return name + name[-1]
    i = rng.randrange(1, len(name) - 1)
    kind = rng.randrange(6)
    if kind == 0:
        return name[:i] + name[i + 1] + name[i] + name[i + 2 :]
    if kind == 1:
        return name[:i] + name[i + 1 :]
    if kind == 2:
        return name[:i] + name[i] + name[i:]
    if kind == 3:
        return name[:i] + rng.choice("aeiouxz") + name[i + 1 :]
    if kind == 4:
        return name.replace("-", "_") if "-" in name else name[:i] + "-" + name[i:]
    return rng.choice(("python-", "py", "node-", "")) + name + rng.choice(("", "-js", "-py", "s"))


def thousand_names(rows: list[dict[str, str]], index: PopularityIndex, seed: int = 3) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    names = [(r["ecosystem"], r["name"]) for r in rows][:400]
    share = (1000 - len(names)) // 4
    for ecosystem in ("pypi", "npm"):
        pool = list(index.names(ecosystem))
        names += [(ecosystem, n) for n in rng.sample(pool, share)]
        names += [(ecosystem, mutate(n.lower(), rng)) for n in rng.sample(pool[:3000], share)]
    names += [(e, mutate(n.lower(), rng)) for e, n in rng.sample(names, 1000 - len(names))]
    rng.shuffle(names)
    return names


def held_out(index: PopularityIndex, ecosystem: str) -> tuple[int, int]:
    names = list(index.names(ecosystem))
    flagged = total = 0
    for kept, checked in ((names[0::2], names[1::2]), (names[1::2], names[0::2])):
        half = PopularityIndex.from_names(**{ecosystem: kept})
        flagged += sum(1 for n in checked if imitated(ecosystem, n, half))
        total += len(checked)
    return flagged, total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)

    rows = load_set()
    started = time.perf_counter()
    index = PopularityIndex(shipped=True)  # a fresh, uncached copy of what load() gives
    for ecosystem in ("pypi", "npm"):
        imitated(ecosystem, "warm-up", index)
    setup = time.perf_counter() - started

    outcome: Counter[tuple[str, bool]] = Counter()
    right_target = 0
    misses: list[str] = []
    for row in rows:
        target = imitated(row["ecosystem"], row["name"], index)
        squat = row["label"] == "typosquat"
        outcome[row["label"], target is not None] += 1
        if squat and target is not None and target.lower() == row["lookalike"].lower():
            right_target += 1
        if (target is not None) != squat or (squat and target and target.lower() != row["lookalike"].lower()):
            misses.append(f"  {row['ecosystem']:5} {row['name']:35} {row['label']:14} flagged as {target}")

    true_pos = outcome["typosquat", True]
    flagged = sum(count for (_, hit), count in outcome.items() if hit)
    squats = true_pos + outcome["typosquat", False]
    precision = true_pos / flagged if flagged else 1.0
    recall = true_pos / squats if squats else 1.0
    labels = Counter(row["label"] for row in rows)
    print(f"labelled set: {len(rows)} names ({', '.join(f'{k} {v}' for k, v in sorted(labels.items()))})")
    print(f"typosquat detector: precision {precision:.1%}, recall {recall:.1%} ({true_pos}/{squats} caught)")
    print(f"  flags naming the expected package: {right_target}/{true_pos}")
    for label in ("popular", "hallucinated", "legit-obscure"):
        print(f"  {label} names flagged: {outcome[label, True]}/{labels[label]}")
    if args.verbose and misses:
        print("\n".join(misses))

    popular_flagged = 0
    for ecosystem in ("pypi", "npm"):
        names = index.names(ecosystem)
        hits = [n for n in names if imitated(ecosystem, n, index)]
        popular_flagged += len(hits)
        print(f"popular {ecosystem} names flagged: {len(hits)}/{len(names)}")
    for ecosystem in ("pypi", "npm"):
        held, total = held_out(index, ecosystem)
        print(f"held-out legit {ecosystem} names flagged: {held}/{total} ({held / total:.1%})")

    batch = thousand_names(rows, index)
    started = time.perf_counter()
    cold_index = PopularityIndex(shipped=True)
    cold_flags = sum(1 for e, n in batch if imitated(e, n, cold_index))
    cold = time.perf_counter() - started
    started = time.perf_counter()
    warm_flags = sum(1 for e, n in batch if imitated(e, n, cold_index))
    warm = time.perf_counter() - started
    assert cold_flags == warm_flags
    print(
        f"1,000 names against the offline index: {cold:.3f} s cold (load + precompute), {warm:.3f} s warm "
        f"({cold_flags} flagged); first load alone {setup:.3f} s"
    )

    failed = [
        *(["recall below 100%"] if recall < 1.0 else []),
        *(["a popular name was flagged"] if popular_flagged or outcome["popular", True] else []),
        *(["1,000 names took 1 s or more"] if cold >= 1.0 else []),
    ]
    for reason in failed:
        print(f"FAILED: {reason}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
