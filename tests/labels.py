"""Labelled code: the ``# expect: ID[, ID]`` / ``# ok: ID`` annotations, and scoring a scan against them.

Rule fixtures and the accuracy corpus (``tests/corpus``) share this syntax. A line that must be flagged carries
``# expect: RULE-ID`` (several ids separated by commas); a look-alike line that must not be flagged may carry
``# ok: RULE-ID``. Every unannotated line is implicitly "must not be flagged" too: ``ok`` only documents the
tricky ones. Scoring: a finding is a true positive when its rule id and start line match an ``expect`` label
(one per label, duplicates on the same line count once); every other finding is a false alarm; an ``expect``
label no finding matched is a miss.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from slopguard.engine.analyse import analyse
from slopguard.engine.languages import language_of

MARKER = re.compile(r"(?:#|//-?|/\*|--|<!--)\s*(expect|ok):\s*([A-Z0-9\-]+(?:\s*,\s*[A-Z0-9\-]+)*)")
MAX_FILE_SIZE = 10_000_000

Label = tuple[int, str]  # (line, rule id)


@dataclass(frozen=True)
class Labels:
    """The labelled lines of one file."""

    expect: frozenset[Label]
    ok: frozenset[Label]

    def rule_ids(self) -> set[str]:
        return {rule for _, rule in self.expect | self.ok}

    def lines(self, rule: str) -> tuple[set[int], set[int]]:
        """The ``expect`` line numbers and the ``ok`` line numbers of one rule."""
        return {n for n, r in self.expect if r == rule}, {n for n, r in self.ok if r == rule}


def read_labels(text: str) -> Labels:
    """Every ``expect`` and ``ok`` label in a file's text."""
    expect: set[Label] = set()
    ok: set[Label] = set()
    for number, line in enumerate(text.splitlines(), start=1):
        for kind, ids in MARKER.findall(line):
            target = expect if kind == "expect" else ok
            target.update((number, rule.strip()) for rule in ids.split(","))
    return Labels(frozenset(expect), frozenset(ok))


@dataclass
class Tally:
    """True positives, false alarms and misses, with the ratios derived from them."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, other: Tally) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None


@dataclass
class FileScore:
    """One labelled file scanned: what was expected, what was flagged, and how they compare."""

    display: str
    labels: Labels
    flagged: frozenset[Label] = frozenset()
    skipped: str | None = None
    scored_rules: frozenset[str] = frozenset()

    @property
    def expected(self) -> frozenset[Label]:
        """The expect labels of rules that took part in the scan."""
        return frozenset(lab for lab in self.labels.expect if lab[1] in self.scored_rules)

    @property
    def hits(self) -> frozenset[Label]:
        return self.flagged & self.expected

    @property
    def misses(self) -> frozenset[Label]:
        return self.expected - self.flagged

    @property
    def false_alarms(self) -> frozenset[Label]:
        return self.flagged - self.labels.expect

    def tally(self, rule: str | None = None) -> Tally:
        def count(labels: frozenset[Label]) -> int:
            return sum(1 for _, r in labels if rule is None or r == rule)

        return Tally(count(self.hits), count(self.false_alarms), count(self.misses))


@dataclass
class CorpusScore:
    """A whole labelled corpus scanned with a set of rules."""

    root: Path
    rule_ids: frozenset[str]
    files: list[FileScore] = field(default_factory=list)

    def overall(self) -> Tally:
        total = Tally()
        for f in self.files:
            total.add(f.tally())
        return total

    def per_rule(self) -> dict[str, Tally]:
        """A tally for every rule that is labelled in the corpus or flagged something."""
        seen = {r for f in self.files for _, r in f.expected | f.flagged}
        out: dict[str, Tally] = {}
        for rule in sorted(seen):
            out[rule] = Tally()
            for f in self.files:
                out[rule].add(f.tally(rule))
        return out

    def unknown_labels(self) -> dict[str, int]:
        """Rule ids named by ``expect``/``ok`` labels that are not among the scanned rules, with label counts."""
        counts: dict[str, int] = {}
        for f in self.files:
            for _, rule in f.labels.expect | f.labels.ok:
                if rule not in self.rule_ids:
                    counts[rule] = counts.get(rule, 0) + 1
        return dict(sorted(counts.items()))


def corpus_files(root: Path) -> list[Path]:
    """The files slopguard would read under ``root``, in a stable order."""
    return sorted(
        p
        for p in root.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and language_of(p) not in (None, "docs")
    )


def score_file(path: Path, display: str, rule_ids: frozenset[str]) -> FileScore:
    """Scan one file with ``rule_ids`` and compare the findings with its labels."""
    data = path.read_bytes()
    labels = read_labels(data.decode("utf-8", errors="replace"))
    language = language_of(path)
    if language is None:
        raise ValueError(f"{path}: slopguard does not read this kind of file")
    result = analyse(display, data, language, rule_ids, MAX_FILE_SIZE)
    flagged = frozenset((f.location.start_line, f.rule_id) for f in result.findings)
    return FileScore(display, labels, flagged, result.skipped, rule_ids)


def score_corpus(root: Path, rule_ids: Iterable[str]) -> CorpusScore:
    """Scan every file under ``root`` and score it against its labels."""
    chosen = frozenset(rule_ids)
    score = CorpusScore(root, chosen)
    for path in corpus_files(root):
        score.files.append(score_file(path, path.relative_to(root).as_posix(), chosen))
    return score
