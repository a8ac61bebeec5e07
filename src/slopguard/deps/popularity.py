"""The offline popularity index: the most-downloaded PyPI and npm packages, ranked.

The data ships with slopguard as ``data/popular-pypi.txt`` and ``data/popular-npm.txt`` (one name a line, most
popular first, ``#`` header lines with source and date; rebuilt by ``scripts/build_popularity_index.py``).
A package in the index is *popular*: never a typosquat, never young-and-obscure. Ranks are 1-based.

    index = PopularityIndex.load()          # cached; each ecosystem's file is read on first use
    index.rank("pypi", "Python_Dateutil")   # PEP 503 normalised look-up -> e.g. 12
    index.contains(Ecosystem.NPM, "lodash") # True
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import cache
from importlib.resources import files

from slopguard.deps.model import Ecosystem

_FILES = {Ecosystem.PYPI: "popular-pypi.txt", Ecosystem.NPM: "popular-npm.txt"}
_SEPARATORS = re.compile(r"[-_.]+")


def normalize(ecosystem: Ecosystem | str, name: str) -> str:
    """The comparable form of a name: PEP 503 for PyPI, lower case for npm (whose new names are lower case)."""
    name = name.strip()
    if Ecosystem(ecosystem) is Ecosystem.PYPI:
        return _SEPARATORS.sub("-", name).lower()
    return name.lower()


class _Ranking:
    """One ecosystem's names in rank order and a normalised-name -> rank map."""

    __slots__ = ("names", "ranks")

    def __init__(self, ecosystem: Ecosystem, names: Iterable[str]) -> None:
        kept: list[str] = []
        ranks: dict[str, int] = {}
        for name in names:
            key = normalize(ecosystem, name)
            if key and key not in ranks:
                ranks[key] = len(kept) + 1
                kept.append(name)
        self.names: tuple[str, ...] = tuple(kept)
        self.ranks = ranks


def _read_shipped(ecosystem: Ecosystem) -> list[str]:
    text = files("slopguard.deps").joinpath("data", _FILES[ecosystem]).read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line and not line.startswith("#")]


class PopularityIndex:
    """Ranked popular package names per ecosystem.

    ``load()`` gives the shipped index (one shared instance, files parsed lazily); ``from_names()`` builds one
    from explicit lists (tests, other data). Ecosystems may be given as ``Ecosystem`` or its string value.
    """

    def __init__(self, rankings: dict[Ecosystem, _Ranking] | None = None, *, shipped: bool = False) -> None:
        self._rankings: dict[Ecosystem, _Ranking] = dict(rankings or {})
        self._shipped = shipped

    @classmethod
    def load(cls) -> PopularityIndex:
        """The shipped index, shared by every caller; each ecosystem's file is read on first use (~10 ms)."""
        return _shipped_index()

    @classmethod
    def from_names(cls, pypi: Iterable[str] = (), npm: Iterable[str] = ()) -> PopularityIndex:
        """An index from explicit lists, most popular first."""
        return cls({Ecosystem.PYPI: _Ranking(Ecosystem.PYPI, pypi), Ecosystem.NPM: _Ranking(Ecosystem.NPM, npm)})

    def _ranking(self, ecosystem: Ecosystem | str) -> _Ranking:
        eco = Ecosystem(ecosystem)
        ranking = self._rankings.get(eco)
        if ranking is None:
            ranking = _Ranking(eco, _read_shipped(eco) if self._shipped else ())
            self._rankings[eco] = ranking
        return ranking

    def rank(self, ecosystem: Ecosystem | str, name: str) -> int | None:
        """1 for the most popular package; None when the name is not in the index."""
        return self._ranking(ecosystem).ranks.get(normalize(ecosystem, name))

    def contains(self, ecosystem: Ecosystem | str, name: str) -> bool:
        return normalize(ecosystem, name) in self._ranking(ecosystem).ranks

    def names(self, ecosystem: Ecosystem | str) -> Sequence[str]:
        """Every name, most popular first (PyPI canonical; npm as published)."""
        return self._ranking(ecosystem).names

    def __len__(self) -> int:
        return sum(len(self._ranking(eco).names) for eco in Ecosystem)


@cache
def _shipped_index() -> PopularityIndex:
    return PopularityIndex(shipped=True)
