"""A small two-sample test for timing differences: a permutation test on the rank sum (Mann-Whitney's
statistic), exact for small samples and Monte Carlo (fixed seed, so runs are repeatable) for larger ones."""

from __future__ import annotations

import itertools
import math
import random
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

EXACT_LIMIT = 20_000
DRAWS = 5_000


def _ranks(values: Sequence[float]) -> list[float]:
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def rank_sum_p(a: Sequence[float], b: Sequence[float]) -> float:
    """Two-sided p-value that ``a`` and ``b`` come from the same distribution."""
    n, m = len(a), len(b)
    if n == 0 or m == 0:
        return 1.0
    ranks = _ranks([*a, *b])
    expected = n * (n + m + 1) / 2
    observed = abs(sum(ranks[:n]) - expected)
    total = math.comb(n + m, n)
    if total <= EXACT_LIMIT:
        hits = sum(1 for pick in itertools.combinations(ranks, n) if abs(sum(pick) - expected) >= observed - 1e-9)
        return hits / total
    rng = random.Random(1729)
    pool = list(ranks)
    hits = 0
    for _ in range(DRAWS):
        rng.shuffle(pool)
        if abs(sum(pool[:n]) - expected) >= observed - 1e-9:
            hits += 1
    return (hits + 1) / (DRAWS + 1)


@dataclass(frozen=True, slots=True)
class TimingVerdict:
    """Whether two response-time samples differ: significant (p) and large enough to matter (medians)."""

    p: float
    median_a: float
    median_b: float
    differs: bool


def compare_timings(
    a: Sequence[float], b: Sequence[float], alpha: float = 0.01, min_gap: float = 0.005, min_ratio: float = 1.5
) -> TimingVerdict:
    """A difference counts when p < alpha AND the slower median exceeds the faster by both ``min_gap`` seconds
    and ``min_ratio`` times: loopback jitter is a few milliseconds, a skipped password hash is tens."""
    if len(a) < 5 or len(b) < 5:
        return TimingVerdict(1.0, 0.0, 0.0, False)
    p = rank_sum_p(a, b)
    ma, mb = statistics.median(a), statistics.median(b)
    slow, fast = max(ma, mb), min(ma, mb)
    differs = p < alpha and slow - fast >= min_gap and slow >= fast * min_ratio
    return TimingVerdict(p, ma, mb, differs)
