"""``classify`` weighs what a task acts on: a login *button* is presentation, login *logic* is not."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from slopguard.guide.classify_text import classify_text
from slopguard.guide.decision import Verdict
from slopguard.guide.task_subject import read_subject

DATA = Path(__file__).parent / "data" / "task_subjects.csv"
# Measured once the model was frozen (docs/classify.md): dev 1.00, held-out test 0.88, no "never" task as safe.
MIN_DEV_ACCURACY = 0.95
MIN_TEST_ACCURACY = 0.8


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("add a login button to the navbar", "auth"),
        ("refactor the payment page CSS", "payment"),
        ("move the 'Forgot password?' link below the sign-in button", "auth"),
        ("translate the checkout page into German", "payment"),
    ],
)
def test_presentation_work_on_sensitive_features_is_relatively_safe(text: str, category: str) -> None:
    decision = classify_text(text)
    assert decision.verdict is Verdict.SAFE, decision.to_dict()
    assert decision.category is not None and decision.category.id == "presentation"
    (context,) = [r for r in decision.reasons if r.category.id == category]
    assert not context.counted and "names the" in context.evidence[0]
    assert any("not in scope" in note and context.category.title in note for note in decision.notes)


@pytest.mark.parametrize(
    ("text", "verdict", "category"),
    [
        ("implement login with password hashing", Verdict.NEVER, "auth"),
        ("make the login button authenticate users against LDAP", Verdict.NEVER, "auth"),
        ("wire the 'Reset password' button to a new endpoint that emails a reset token", Verdict.NEVER, "auth"),
        ("implement the checkout page", Verdict.NEVER, "payment"),
        ("refactor the payment processing module", Verdict.NEVER, "payment"),
        ("add CSRF protection to the checkout form", Verdict.CAUTION, "session"),
    ],
)
def test_logic_behind_the_element_keeps_its_verdict(text: str, verdict: Verdict, category: str) -> None:
    decision = classify_text(text)
    assert decision.verdict is verdict, decision.to_dict()
    assert decision.category is not None and decision.category.id == category


def test_cues_are_read_from_the_phrase_structure() -> None:
    subject = read_subject("add a tooltip next to the API key field")
    assert subject.presentation == "tooltip" and subject.logic is None  # "API" only labels the field
    text = "add the 'Sign in with Google' button and store the token"
    subject = read_subject(text)
    assert subject.logic == "store"
    start = text.index("Sign in")
    modifier = subject.modifier(start, start + len("Sign in"))
    assert modifier is not None and (modifier.head, modifier.strong) == ("button", True)
    assert read_subject("charge the card").modifier(0, len("charge")) is None


def _accuracy(split: str) -> float:
    with DATA.open(newline="", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["split"] == split]
    assert len(rows) >= 30
    return sum(classify_text(r["text"]).verdict.label == r["label"] for r in rows) / len(rows)


def test_labelled_subject_tasks_dev_and_held_out_accuracy() -> None:
    assert _accuracy("dev") >= MIN_DEV_ACCURACY
    assert _accuracy("test") >= MIN_TEST_ACCURACY
