"""Typosquat detection against the labelled name set and the rules' edge cases."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from slopguard.deps.popularity import PopularityIndex
from slopguard.deps.typosquat import imitated, imitation

NAMES = Path(__file__).resolve().parent / "data" / "names.csv"
ROWS = list(csv.DictReader(NAMES.open(encoding="utf-8")))


def _rows(label: str) -> list[tuple[str, str, str]]:
    return [(r["ecosystem"], r["name"], r["lookalike"]) for r in ROWS if r["label"] == label]


@pytest.fixture(scope="module")
def index() -> PopularityIndex:
    return PopularityIndex.load()


def test_the_labelled_set_is_big_enough() -> None:
    counts = {label: len(_rows(label)) for label in ("popular", "hallucinated", "typosquat", "legit-obscure")}
    assert counts["popular"] >= 60 and counts["hallucinated"] >= 40 and counts["typosquat"] >= 40
    assert counts["legit-obscure"] >= 20
    for label in counts:
        assert {e for e, _, _ in _rows(label)} == {"pypi", "npm"}, label


@pytest.mark.parametrize(("ecosystem", "name", "target"), _rows("typosquat"))
def test_every_typosquat_is_caught(index: PopularityIndex, ecosystem: str, name: str, target: str) -> None:
    assert not index.contains(ecosystem, name)
    assert imitated(ecosystem, name, index) == target


@pytest.mark.parametrize(("ecosystem", "name", "_"), _rows("popular"))
def test_no_popular_name_is_flagged(index: PopularityIndex, ecosystem: str, name: str, _: str) -> None:
    assert index.contains(ecosystem, name)
    assert imitated(ecosystem, name, index) is None


@pytest.mark.parametrize(("ecosystem", "name", "lookalike"), _rows("legit-obscure"))
def test_less_popular_lookalikes_are_not_flagged(
    index: PopularityIndex, ecosystem: str, name: str, lookalike: str
) -> None:
    # Each is in the index, ranked below the more popular name it resembles.
    rank, other = index.rank(ecosystem, name), index.rank(ecosystem, lookalike)
    assert rank is not None and other is not None and other < rank
    assert imitated(ecosystem, name, index) is None


@pytest.mark.parametrize(("ecosystem", "name", "_"), _rows("hallucinated"))
def test_hallucinated_names_are_not_typosquats(index: PopularityIndex, ecosystem: str, name: str, _: str) -> None:
    assert not index.contains(ecosystem, name)
    assert imitated(ecosystem, name, index) is None


@pytest.mark.parametrize("ecosystem", ["pypi", "npm"])
def test_the_whole_index_is_clean(index: PopularityIndex, ecosystem: str) -> None:
    assert not [n for n in index.names(ecosystem) if imitated(ecosystem, n, index)]


@pytest.mark.parametrize(
    ("ecosystem", "name", "target", "reason"),
    [
        ("pypi", "reqeusts", "requests", "transposed letters"),
        ("pypi", "requessts", "requests", "doubled 's'"),
        ("pypi", "urlib3", "urllib3", "single 'l' for a double"),
        ("pypi", "numpu", "numpy", "'u' for the neighbouring key 'y'"),
        ("pypi", "pandaa", "pandas", "'a' for the neighbouring key 's'"),
        ("pypi", "djangorestframwork", "djangorestframework", "missing 'e'"),
        ("pypi", "pythondateutil", "python-dateutil", "the same name apart from separators"),
        ("pypi", "pyth0n-dateutil", "python-dateutil", "lookalike characters"),
        ("pypi", "dateutil-python", "python-dateutil", "prefix or suffix"),
        ("npm", "rnoment", "moment", "lookalike characters"),  # rn for m
        ("npm", "@typse/node", "@types/node", "lookalike scope @typse for @types"),
        ("npm", "@types-react/dom", "@types/react-dom", "the same name apart from separators"),
        ("npm", "react_dom", "react-dom", "the same name apart from separators"),
    ],
)
def test_reasons(index: PopularityIndex, ecosystem: str, name: str, target: str | None, reason: str | None) -> None:
    found = imitation(ecosystem, name, index)
    if target is None:
        assert found is None
        return
    assert found is not None and found.target == target and reason is not None and reason in found.reason
    assert found.rank == index.rank(ecosystem, target)


def test_pep503_spellings_are_the_same_package(index: PopularityIndex) -> None:
    for spelling in ("python_dateutil", "Python.Dateutil", "PYTHON-DATEUTIL"):
        assert imitated("pypi", spelling, index) is None
    # ... but npm does not normalise separators: a different name, one that imitates.
    assert imitated("npm", "cross_env", index) == "cross-env"


def test_version_numbers_are_not_typos() -> None:
    index = PopularityIndex.from_names(pypi=["pyqt5", "boto3", "mypy-boto3-s3", "elasticsearch7"])
    for name in ("pyqt6", "boto", "boto4", "mypy-boto3-s4", "elasticsearch8"):
        assert imitated("pypi", name, index) is None, name


def test_shared_words_do_not_make_names_close() -> None:
    index = PopularityIndex.from_names(pypi=["django-rest", "pytest-xdist", "flake8-bugbear"])
    for name in ("django-rq", "django-res", "pytest-dist2", "flake8-bugbears2"):
        assert imitated("pypi", name, index) is None, name
    assert imitated("pypi", "pytest-xdsit", index) == "pytest-xdist"


def test_short_names_need_a_telling_slip() -> None:
    index = PopularityIndex.from_names(pypi=["six", "idna", "rq", "trio"], npm=["qs", "ms"])
    assert imitated("pypi", "sxi", index) == "six"  # transposed
    assert imitated("pypi", "sixx", index) == "six"  # doubled
    assert imitated("pypi", "idan", index) == "idna"
    for name in ("sox", "mix", "idea", "trip", "tri", "rx", "r"):
        assert imitated("pypi", name, index) is None, name
    for name in ("qa", "ns", "mss"):
        assert imitated("npm", name, index) is None, name
    assert imitated("npm", "q-s", index) == "qs"  # separators only


def test_first_letters_and_word_endings_are_not_slips() -> None:
    index = PopularityIndex.from_names(pypi=["amqp", "chardet", "stream", "motor", "ujson"])
    for name in ("uamqp", "cchardet2", "streamx", "moto", "hjson"):
        assert imitated("pypi", name, index) is None, name


def test_less_popular_targets_need_closer_names() -> None:
    filler = [f"filler-package-{i}" for i in range(2000)]
    index = PopularityIndex.from_names(pypi=["colorama", "numpy", *filler, "colorfull", "fghij"])
    assert imitated("pypi", "colourama", index) == "colorama"  # an extra letter, but colorama is #1
    assert imitated("pypi", "colourfull", index) is None  # the same edit against #2003 is not enough
    assert imitated("pypi", "numpu", index) == "numpy"  # a neighbouring key on a 5-letter name...
    assert imitated("pypi", "fghik", index) is None  # ... only for the LOOSE_TOP most popular
    assert imitated("pypi", "fgihj", index) == "fghij"  # a transposition counts for any of the EDIT_TOP


def test_popular_names_are_never_squats_even_when_close() -> None:
    index = PopularityIndex.from_names(npm=["@babel/core", "babel-core", "cross-env", "crossenv"])
    assert imitated("npm", "babel-core", index) is None
    assert imitated("npm", "crossenv", index) is None
    assert imitated("npm", "babelcore", index) == "@babel/core"


def test_ecosystems_accept_strings_and_enums(index: PopularityIndex) -> None:
    from slopguard.deps.model import Ecosystem

    assert imitated(Ecosystem.NPM, "lodahs", index) == imitated("npm", "lodahs", index) == "lodash"
    assert imitated("pypi", "", index) is None
