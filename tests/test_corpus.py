"""The labelled accuracy corpus: slopguard must find most planted flaws and raise few false alarms.

Unlike the per-rule fixtures (exact match required), the corpus is realistic code written independently of the
rules, so the bar is statistical. ``python benchmarks/accuracy.py`` prints the details behind a failure.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from labels import CorpusScore, corpus_files, read_labels, score_corpus

from slopguard.pipeline.catalog import code_rules

CORPORA = Path(__file__).resolve().parent / "corpus"
# The development corpus and the held-out one (see docs/accuracy.md); both guard against regressions.
NAMES = ["python", "holdout"]
MIN_RECALL = 0.8
MIN_PRECISION = 0.8


@pytest.fixture(scope="module", params=NAMES)
def score(request: pytest.FixtureRequest) -> CorpusScore:
    return score_corpus(CORPORA / request.param, code_rules())


@pytest.mark.parametrize("name", NAMES)
def test_corpus_is_labelled(name: str) -> None:
    files = corpus_files(CORPORA / name)
    assert len(files) >= 12
    labelled = [p for p in files if read_labels(p.read_text(encoding="utf-8")).expect]
    assert len(labelled) >= 6, "about half the corpus should hold planted flaws"
    assert len(files) - len(labelled) >= 6, "about half the corpus should be safe look-alikes"


def test_corpus_labels_name_known_rules(score: CorpusScore) -> None:
    unknown = score.unknown_labels()
    assert not unknown, f"corpus labels name rules that do not exist: {sorted(unknown)}"


def test_corpus_files_are_analysed(score: CorpusScore) -> None:
    skipped = {f.display: f.skipped for f in score.files if f.skipped}
    assert not skipped


def test_corpus_recall(score: CorpusScore) -> None:
    total = score.overall()
    misses = sorted(f"{f.display}:{line} {rule}" for f in score.files for line, rule in f.misses)
    assert total.recall is not None, "no expected findings among the implemented rules"
    assert total.recall >= MIN_RECALL, f"recall {total.recall:.2f} < {MIN_RECALL}; missed: {misses}"


def test_corpus_precision(score: CorpusScore) -> None:
    total = score.overall()
    alarms = sorted(f"{f.display}:{line} {rule}" for f in score.files for line, rule in f.false_alarms)
    precision = total.precision if total.precision is not None else 1.0
    assert precision >= MIN_PRECISION, f"precision {precision:.2f} < {MIN_PRECISION}; false alarms: {alarms}"
