"""Nested unbounded repetition is what makes a pattern backtrack exponentially."""

from __future__ import annotations

import pytest

from slopguard.rules.shared.regex_shape import nested_quantifier


@pytest.mark.parametrize(
    "pattern",
    [r"([0-9]+)+\#", r"^(a+)*b", r"(\w+\s?)+$", r"((ab)*)+", r"(a{2,})+", r"^([a-z0-9_.-])+@(([a-z0-9-])+\.)+$"],
)
def test_catastrophic(pattern: str) -> None:
    assert nested_quantifier(pattern)


@pytest.mark.parametrize(
    "pattern",
    [r"([0-9]+)\#", r"(a|b)+", r"[a-z]+", r"(\d{1,3}\.){3}\d{1,3}", r"^\d+#$", r"[(+]+", r"\(a+\)+", r"(a){2,5}"],
)
def test_linear(pattern: str) -> None:
    assert not nested_quantifier(pattern)
