"""C++ shapes of the C/C++ rules (the rule fixtures under tests/fixtures/rules/c are C): SQL through libpqxx and
std::string, secrets compared with ==, std::mt19937 tokens, TLS switches of C++ clients, commands grown with +=
and <<, counts read with istream::read, copies clamped with std::min, and OpenSSL servers left alone."""

from __future__ import annotations

from pathlib import Path

import pytest
from labels import read_labels, score_file

CASES = Path(__file__).resolve().parent / "c_depth"


@pytest.mark.parametrize("path", sorted(CASES.iterdir()), ids=lambda p: p.name)
def test_labelled_cpp_cases(path: Path) -> None:
    rules = frozenset(read_labels(path.read_text(encoding="utf-8")).rule_ids())
    score = score_file(path, path.name, rules)
    assert score.skipped is None
    assert score.labels.expect or score.labels.ok
    missed = sorted(score.misses)
    false_alarms = sorted(score.false_alarms)
    assert not missed and not false_alarms, f"{path.name}: missed {missed}, false alarms {false_alarms}"
