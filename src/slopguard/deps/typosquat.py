"""Typosquat detection: does a package name imitate a popular one?

A name in the popularity index is popular and never a squat. Any other name is compared with the popular ones,
and the first rule that matches names the package it imitates:

1. **lookalike** — equal to a popular name once separators, case, npm scope marks (``@``, ``/``) and confusable
   characters (``0``/``o``, ``1``/``l``, ``rn``/``m``, ``vv``/``w``) are folded away: ``crossenv``,
   ``python-dateuti1``, ``types-node`` and ``@types-node/x``-style slash moves, ``angular-core`` (for
   ``@angular/core``). Compared with the whole index.
2. **scope lookalike** (npm) — a scope that is not popular, one slip away from a popular one: ``@typse/node``,
   ``@babell/core``.
3. **typo** — one or two typing slips away from one of the ``EDIT_TOP`` most popular names (optimal string
   alignment distance: a transposition counts one). How far is judged by the length of the parts that differ
   after a shared ``word-`` prefix or ``-word`` suffix (``django-rq`` is no misspelt ``django-rest``), by how
   telling the edit is (transposed, doubled, missing, lookalike letters and neighbouring keys are slips; an
   edit at the first letter, or a letter added or dropped at the end, makes another word) and by the target's
   rank: see ``_typo``. Short names (3-4 characters) only by a transposed, doubled or lookalike letter; a
   different version number (``pyqt5``/``pyqt6``, ``boto``/``boto3``) never.
4. **affix** — one of the ``AFFIX_TOP`` most popular names with ``python-``/``py``/``-py``/``node-``/``-js``/
   ``.js`` (and similar) added or removed: ``python-requests``, ``dateutil-python``, ``mysqljs``, ``d3.js``,
   ``yaml`` (for ``pyyaml``).

``imitation()`` says which package and why; ``imitated()`` just the package. Targets are precomputed once per
index and ecosystem (folded-name maps, length buckets for ``rapidfuzz``), so a thousand names take well under
a second.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from itertools import pairwise
from weakref import WeakKeyDictionary

from rapidfuzz import process
from rapidfuzz.distance import OSA, Levenshtein

from slopguard.deps.model import Ecosystem
from slopguard.deps.popularity import PopularityIndex, normalize

# How many of the most popular names the edit-distance rule compares against. The npm list holds only
# high-impact packages, where frameworks people install by name (electron, mysql) rank below deep dependencies,
# so all of it counts.
EDIT_TOP = {Ecosystem.PYPI: 5000, Ecosystem.NPM: 20000}
# ... and the affix rule.
AFFIX_TOP = {Ecosystem.PYPI: 3000, Ecosystem.NPM: 20000}
# Near misses on 5-6 character names count only against this many ...
LOOSE_TOP = 500
# ... and other one-letter changes (7+ characters) against this many.
WEAK_TOP = 1000
# A 3-4 character target must be at least this popular for a transposition to count.
SHORT_TOP = 1000
# Names one edit from this many of the most popular are lookalikes whatever their own rank (see famous_neighbour).
FAMOUS_TOP = 100

_PREFIXES = {
    Ecosystem.PYPI: ("python3-", "python-", "pypi-", "py3-", "py-", "py"),
    Ecosystem.NPM: ("node-", "nodejs-", "js-"),
}
_SUFFIXES = {
    Ecosystem.PYPI: ("-python3", "-python", "-py3", "-py"),
    Ecosystem.NPM: (".js", "-js", "-node", "-nodejs", "js", ".ts", "-ts"),
}
_FOLD = str.maketrans({"0": "o", "1": "l", "@": None, "/": None, "-": None, "_": None, ".": None})
_NO_SEPARATORS = str.maketrans({"-": None, "_": None, ".": None, "/": None, "@": None})
_SEPARATORS = "-_./"
_TRAILING_DIGITS = re.compile(r"\d+$")


@dataclass(frozen=True, slots=True)
class Imitation:
    """The popular package a name imitates, its rank, and how the two names relate.

    For a lookalike npm scope whose package is not in the index, ``target`` is that package in the real scope
    and ``rank`` the rank of the scope's most popular package.
    """

    target: str
    rank: int
    reason: str


def fold(name: str) -> str:
    """A name with case, separators, scope marks and confusable characters folded away."""
    return name.lower().translate(_FOLD).replace("rn", "m").replace("vv", "w")


def strip_affixes(ecosystem: Ecosystem, name: str) -> str:
    """The name without the ecosystem's decorative prefixes/suffixes (``python-``, ``-js``, ...); npm scopes stay."""
    scope, name = _split_scope(name)
    for _ in range(2):
        before = name
        for prefix in _PREFIXES[ecosystem]:
            if name.startswith(prefix) and len(name) >= len(prefix) + 2:
                name = name[len(prefix) :]
                break
        for suffix in _SUFFIXES[ecosystem]:
            if name.endswith(suffix) and len(name) >= len(suffix) + 2:
                name = name[: -len(suffix)]
                break
        if name == before:
            break
    return f"@{scope}/{name}" if scope else name


def _split_scope(name: str) -> tuple[str, str]:
    if name.startswith("@") and "/" in name:
        scope, _, rest = name[1:].partition("/")
        return scope, rest
    return "", name


class _Targets:
    """Everything precomputed for one ecosystem of one index."""

    def __init__(self, ecosystem: Ecosystem, index: PopularityIndex) -> None:
        self.ecosystem = ecosystem
        self.display: list[str] = list(index.names(ecosystem))
        self.folded: dict[str, int] = {}
        self.scopes: dict[str, int] = {}
        self.cores: dict[str, int] = {}
        self.by_length: dict[int, list[str]] = defaultdict(list)
        self.rank_of: dict[str, int] = {}
        for position, norm in enumerate(normalize(ecosystem, name) for name in self.display):
            self.rank_of[norm] = position + 1
            self.folded.setdefault(fold(norm), position)
            scope, _ = _split_scope(norm)
            if scope:
                self.scopes.setdefault(scope, position)
            if position < AFFIX_TOP[ecosystem]:
                core = fold(strip_affixes(ecosystem, norm))
                if len(core) >= (2 if ecosystem is Ecosystem.NPM else 3):
                    self.cores.setdefault(core, position)
            if position < EDIT_TOP[ecosystem]:
                self.by_length[len(_strip_separators(norm))].append(norm)
        self._windows: dict[int, tuple[list[str], list[str]]] = {}

    def window(self, length: int) -> tuple[list[str], list[str]]:
        """Edit-distance targets within 2 of ``length`` (without separators), most popular first:
        the names and the same names without separators."""
        found = self._windows.get(length)
        if found is None:
            names = [n for size in range(length - 2, length + 3) for n in self.by_length.get(size, ())]
            names.sort(key=self.rank_of.__getitem__)
            found = self._windows[length] = (names, [_strip_separators(n) for n in names])
        return found

    def imitation(self, position: int, reason: str) -> Imitation:
        return Imitation(self.display[position], position + 1, reason)


_CACHE: WeakKeyDictionary[PopularityIndex, dict[Ecosystem, _Targets]] = WeakKeyDictionary()


def _targets(ecosystem: Ecosystem, index: PopularityIndex) -> _Targets:
    per_index = _CACHE.setdefault(index, {})
    targets = per_index.get(ecosystem)
    if targets is None:
        targets = per_index[ecosystem] = _Targets(ecosystem, index)
    return targets


def _differing_parts(a: str, b: str) -> tuple[str, str]:
    """``a`` and ``b`` without their shared leading ``word-`` and trailing ``-word`` parts."""
    start = 0
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            break
        if x in _SEPARATORS:
            start = i + 1
    end = 0
    for i, (x, y) in enumerate(zip(reversed(a), reversed(b), strict=False)):
        if x != y or i >= min(len(a), len(b)) - start:
            break
        if x in _SEPARATORS:
            end = i + 1
    return a[start : len(a) - end], b[start : len(b) - end]


def _keyboard() -> dict[str, frozenset[str]]:
    rows = ("1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm")
    near: dict[str, set[str]] = defaultdict(set)
    for upper, lower in pairwise(rows):
        for i, key in enumerate(upper):
            for j in (i - 1, i):
                if 0 <= j < len(lower):
                    near[key].add(lower[j])
                    near[lower[j]].add(key)
    for row in rows:
        for left, right in pairwise(row):
            near[left].add(right)
            near[right].add(left)
    return {key: frozenset(keys) for key, keys in near.items()}


_NEAR = _keyboard()
_HOMOGLYPHS = {frozenset(pair) for pair in ("0o", "1l", "1i", "il", "5s", "2z", "uv")}
_VOWELS = frozenset("aeiouy")
# How telling a one-character edit is: a typing slip, a near miss, or a change that makes a different word.
_SLIP, _NEAR_MISS, _WEAK, _EDGE = 3, 2, 1, 0


def _edit_kind(candidate: str, target: str) -> tuple[int, str] | None:
    """Classify the one edit turning ``target`` into ``candidate``: (how telling, description), or None.

    Edits at the very start of a name are rarely slips (``uamqp``/``amqp``, ``hjson``/``ujson``), nor are an
    added or dropped last letter (``motor``/``moto``, ``streamx``/``stream``) other than a doubled one or a
    plural ``s``: those are other words, and never count.
    """
    if len(candidate) == len(target):
        diff = [i for i, (x, y) in enumerate(zip(candidate, target, strict=True)) if x != y]
        if len(diff) == 2 and diff[1] == diff[0] + 1:
            i, j = diff
            if candidate[i] == target[j] and candidate[j] == target[i]:
                return _SLIP, "transposed letters"
        if len(diff) != 1:
            return None
        new, old = candidate[diff[0]], target[diff[0]]
        if new.isdigit() and old.isdigit():
            return None  # another version number: pyqt5 / pyqt6
        if frozenset((new, old)) in _HOMOGLYPHS:
            return _SLIP, f"lookalike character {new!r} for {old!r}"
        if diff[0] == 0:
            return _EDGE, f"{new!r} for {old!r}"
        if new in _NEAR.get(old, ()):
            return _NEAR_MISS, f"{new!r} for the neighbouring key {old!r}"
        if new in _VOWELS and old in _VOWELS:
            return _NEAR_MISS, f"vowel {new!r} for {old!r}"
        return _WEAK, f"{new!r} for {old!r}"
    if abs(len(candidate) - len(target)) != 1:
        return None
    longer, shorter = (candidate, target) if len(candidate) > len(target) else (target, candidate)
    pos = next((i for i, (x, y) in enumerate(zip(longer, shorter, strict=False)) if x != y), len(shorter))
    if longer[:pos] + longer[pos + 1 :] != shorter:
        return None
    char = longer[pos]
    neighbours = {longer[k] for k in (pos - 1, pos + 1) if 0 <= k < len(longer)}
    if char in neighbours:
        return _SLIP, f"doubled {char!r}" if longer is candidate else f"single {char!r} for a double"
    if pos == len(shorter) and char == "s":
        return _NEAR_MISS, "plural for singular" if longer is candidate else "singular for plural"
    if pos in (0, len(shorter)):
        return _EDGE, f"{'extra' if longer is candidate else 'missing'} {char!r} at an end"
    if longer is target:
        return _SLIP, f"missing {char!r}"
    if neighbours & _NEAR.get(char, frozenset()):
        return _NEAR_MISS, f"extra {char!r} next to a neighbouring key"
    return _WEAK, f"extra {char!r}"


def _typo(candidate: str, target: str, target_rank: int, *, strict: bool = False) -> str | None:
    """Why ``candidate`` reads as a mistyped ``target`` (both normalised), or None.

    How far apart the two may be depends on the length of the parts that differ once shared ``word-``
    prefixes and ``-word`` suffixes are set aside (``django-rq`` is not ``django-rest`` mistyped), and on how
    popular the target is; the edit itself is judged on the whole name without separators:

    - 3-4 characters: a transposed, doubled or lookalike character, against the ``SHORT_TOP`` most popular;
    - 5-6: any slip (also a missing letter); a near miss (neighbouring key, vowel swap, plural) against the
      ``LOOSE_TOP`` most popular;
    - 7 and more: slips and near misses; another inner letter changed or added against the ``WEAK_TOP``;
    - 10 and more: also two slips or near misses.

    ``strict`` (scopes) admits slips and near misses only, on one character.
    """
    mine, theirs = (_strip_separators(part) for part in _differing_parts(candidate, target))
    if mine == theirs or _TRAILING_DIGITS.sub("", mine) == _TRAILING_DIGITS.sub("", theirs):
        return None  # separators alone are the lookalike rule's business; boto / boto3 is another major version
    size = len(theirs)
    if size <= 2:
        return None
    whole, popular = _strip_separators(candidate), _strip_separators(target)
    distance = OSA.distance(whole, popular, score_cutoff=2)
    if distance == 1:
        kind = _edit_kind(whole, popular)
        if kind is None:
            return None
        level, why = kind
        if size <= 4:
            short_ok = why == "transposed letters" or why.startswith(("doubled", "lookalike"))
            return why if short_ok and target_rank <= SHORT_TOP else None
        if strict:
            return why if level >= _NEAR_MISS else None
        if level == _SLIP or (level == _NEAR_MISS and (size >= 7 or target_rank <= LOOSE_TOP)):
            return why
        if level == _WEAK and size >= 7 and target_rank <= WEAK_TOP:
            return why
        return None
    if distance == 2 and size >= 10 and not strict:
        ops = list(Levenshtein.editops(popular, whole))
        if len(ops) != 2:
            return None
        tag, src, dest = ops[0].tag, ops[0].src_pos, ops[0].dest_pos
        kept = "" if tag == "delete" else whole[dest]
        middle = popular[:src] + kept + popular[src + (tag != "insert") :]
        first, second = _edit_kind(middle, popular), _edit_kind(whole, middle)
        if first and second and min(first[0], second[0]) >= _NEAR_MISS:
            return f"{first[1]}, {second[1]}"
    return None


def _strip_separators(text: str) -> str:
    return text.translate(_NO_SEPARATORS)


def imitation(ecosystem: Ecosystem | str, name: str, index: PopularityIndex) -> Imitation | None:
    """The popular package ``name`` imitates and how, or None for a popular or unrelated name."""
    eco = Ecosystem(ecosystem)
    norm = normalize(eco, name)
    if not norm or index.contains(eco, norm):
        return None
    targets = _targets(eco, index)

    position = targets.folded.get(fold(norm))
    if position is not None:
        return targets.imitation(position, "the same name apart from separators, case or lookalike characters")

    scope, rest = _split_scope(norm)
    if scope and scope not in targets.scopes:
        match = process.extractOne(scope, targets.scopes.keys(), scorer=OSA.distance, score_cutoff=2)
        if match is not None:
            popular_scope = match[0]
            if _typo(scope, popular_scope, 1, strict=True):
                wanted, looks = f"@{popular_scope}/{rest}", f"lookalike scope @{scope} for @{popular_scope}"
                indexed = targets.rank_of.get(wanted)
                if indexed is not None:
                    return targets.imitation(indexed - 1, looks)
                return Imitation(wanted, targets.scopes[popular_scope] + 1, looks)

    typo: Imitation | None = None
    bare = _strip_separators(norm)
    names, bare_names = targets.window(len(bare))
    for _, _, found in process.extract(bare, bare_names, scorer=OSA.distance, score_cutoff=2, limit=None):
        target = names[found]
        rank = targets.rank_of[target]
        slip = _typo(norm, target, rank)
        if slip:
            typo = targets.imitation(rank - 1, slip)
            break

    # Of a typo and an affix match, the more popular target is the likelier one: dateutil -> python-dateutil,
    # not dateutils.
    position = targets.cores.get(fold(strip_affixes(eco, norm)))
    if position is not None and (typo is None or position < typo.rank - 1):
        return targets.imitation(position, "a popular name with a prefix or suffix added or removed")
    return typo


def imitated(ecosystem: Ecosystem | str, name: str, index: PopularityIndex) -> str | None:
    """The popular package this name imitates, or None if the name is popular itself or imitates nothing."""
    found = imitation(ecosystem, name, index)
    return found.target if found else None


def famous_neighbour(ecosystem: Ecosystem | str, name: str, index: PopularityIndex) -> Imitation | None:
    """The one of the ``FAMOUS_TOP`` most popular packages that ``name`` is one edit from, or None.

    One edit is optimal string alignment distance 1 on the names without separators (a transposition counts
    one), or the same letters with other separators; a different version number (``boto``/``boto3``) never
    counts, nor targets under four letters. Unlike :func:`imitation`, popular names are compared too: whether
    such a neighbour is a squat is decided on its release history (see ``signals``), not on the name alone.
    """
    eco = Ecosystem(ecosystem)
    norm = normalize(eco, name)
    bare = _strip_separators(norm)
    for position, target in enumerate(index.names(eco)[:FAMOUS_TOP]):
        popular = normalize(eco, target)
        if popular == norm:
            return None
        theirs = _strip_separators(popular)
        if len(theirs) < 4 or OSA.distance(bare, theirs, score_cutoff=1) > 1:
            continue
        if _TRAILING_DIGITS.sub("", bare) == _TRAILING_DIGITS.sub("", theirs) and bare != theirs:
            continue
        kind = _edit_kind(bare, theirs) if bare != theirs else (_SLIP, "other separators")
        if kind is None and len(bare) == len(theirs):
            continue  # two digits swapped for two others, or the like
        reason = kind[1] if kind else "one edit"
        return Imitation(target, position + 1, reason)
    return None
