"""OSV records: does one affect a package version, and what it says (id, aliases, fixed versions), as Advisory.

An OSV record (https://ossf.github.io/osv-schema/) lists, per affected package, ``ranges`` of events
(``introduced``, ``fixed``, ``last_affected``, ``limit``) of type ``ECOSYSTEM`` or ``SEMVER`` and/or explicit
``versions``. Versions are ordered the ecosystem's way: PEP 440 for PyPI, Semantic Versioning for npm. A record
whose ranges cannot be read for the version (unparsable versions, only ``GIT`` ranges) counts as affecting it:
what cannot be decided is not called clean.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from packaging.version import InvalidVersion, Version

from slopguard.deps.model import Advisory, Ecosystem
from slopguard.deps.popularity import normalize

__all__ = ["OSV_ECOSYSTEMS", "affects", "record_advisory", "record_packages", "semver_key"]

OSV_ECOSYSTEMS = {Ecosystem.PYPI: "PyPI", Ecosystem.NPM: "npm"}
_FROM_OSV = {value: key for key, value in OSV_ECOSYSTEMS.items()}
_SEMVER = re.compile(r"^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$")
_ORDERED_RANGES = ("ECOSYSTEM", "SEMVER")

SortKey = Any  # a Version or a semver_key tuple


def semver_key(version: str) -> tuple[int, int, int, tuple[Any, ...]]:
    """A sort key for a Semantic Version (a pre-release sorts before its release); ValueError if it is none."""
    match = _SEMVER.match(version.strip())
    if not match:
        raise ValueError(f"not a semantic version: {version!r}")
    pre = match.group(4)
    rank: tuple[Any, ...] = (
        (1,) if pre is None else (0, *((0, int(p), "") if p.isdigit() else (1, 0, p) for p in pre.split(".")))
    )
    return int(match.group(1)), int(match.group(2)), int(match.group(3)), rank


def _pep440_key(version: str) -> Version:
    try:
        return Version(version)
    except InvalidVersion as exc:
        raise ValueError(str(exc)) from None


def _key_function(ecosystem: Ecosystem) -> Callable[[str], SortKey]:
    return _pep440_key if ecosystem is Ecosystem.PYPI else semver_key


def record_packages(record: Mapping[str, Any]) -> list[tuple[Ecosystem, str, Mapping[str, Any]]]:
    """(ecosystem, normalised name, affected entry) for each affected PyPI or npm package of a record."""
    out = []
    affected = record.get("affected")
    for entry in affected if isinstance(affected, list) else ():
        package = entry.get("package") if isinstance(entry, dict) else None
        if not isinstance(package, dict):
            continue
        eco, name = _FROM_OSV.get(str(package.get("ecosystem", ""))), package.get("name")
        if eco is not None and isinstance(name, str) and name:
            out.append((eco, normalize(eco, name), entry))
    return out


def affects(record: Mapping[str, Any], ecosystem: Ecosystem, name: str, version: str) -> bool:
    """Whether a (not withdrawn) record affects ``name`` at ``version`` in ``ecosystem``."""
    if record.get("withdrawn"):
        return False
    wanted = normalize(ecosystem, name)
    return any(_entry_affects(entry, ecosystem, version) for eco, pkg, entry in record_packages(record)
               if eco is ecosystem and pkg == wanted)  # fmt: skip


def _entry_affects(entry: Mapping[str, Any], ecosystem: Ecosystem, version: str) -> bool:
    key = _key_function(ecosystem)
    listed = entry.get("versions")
    if isinstance(listed, list) and any(_same(key, str(v), version) for v in listed):
        return True
    ranges = entry.get("ranges")
    ordered = [r for r in ranges if isinstance(r, dict) and r.get("type") in _ORDERED_RANGES] if isinstance(
        ranges, list) else []  # fmt: skip
    if not ordered:
        # Nothing to order by (GIT ranges only): affected unless an explicit version list leaves it out.
        return not isinstance(listed, list) or not listed
    try:
        mine = key(version)
        return any(_in_range(r.get("events"), key, mine) for r in ordered)
    except (ValueError, TypeError):
        return True  # a version that cannot be placed in the range: not called clean


def _same(key: Callable[[str], SortKey], a: str, b: str) -> bool:
    if a == b:
        return True
    try:
        return bool(key(a) == key(b))
    except ValueError:
        return False


def _in_range(events: Any, key: Callable[[str], SortKey], mine: SortKey) -> bool:
    """The OSV evaluation: walk the events in version order; ``introduced`` opens, the others close."""
    if not isinstance(events, list):
        raise ValueError("range without events")
    placed: list[tuple[tuple[Any, ...], str]] = []
    for event in events:
        if not isinstance(event, dict) or len(event) != 1:
            raise ValueError(f"malformed range event {event!r}")
        ((kind, value),) = event.items()
        if kind == "introduced" and value == "0":
            placed.append(((0,), kind))  # before every version
        elif kind in ("introduced", "fixed", "last_affected", "limit"):
            placed.append(((1, key(str(value))), kind))
    placed.sort(key=lambda item: item[0])
    affected = False
    for order, kind in placed:
        bound = order[1] if len(order) > 1 else None
        if kind == "introduced":
            affected = affected or bound is None or mine >= bound
        elif mine > bound or (mine == bound and kind != "last_affected"):
            affected = False  # at or past a fix or limit, past the last affected version
    return affected


def record_advisory(record: Mapping[str, Any], ecosystem: Ecosystem, name: str) -> Advisory:
    """An Advisory from an OSV record: its fixed versions are those of ``name`` in ``ecosystem``."""
    wanted = normalize(ecosystem, name)
    fixed: list[str] = []
    for eco, pkg, entry in record_packages(record):
        if eco is not ecosystem or pkg != wanted:
            continue
        for ranges in entry.get("ranges") or ():
            for event in (ranges.get("events") or ()) if isinstance(ranges, dict) else ():
                if isinstance(event, dict) and isinstance(event.get("fixed"), str) and event["fixed"] not in fixed:
                    fixed.append(event["fixed"])
    summary = record.get("summary") if isinstance(record.get("summary"), str) else ""
    details = record.get("details") if isinstance(record.get("details"), str) else ""
    aliases = record.get("aliases")
    references = record.get("references")
    url = next(
        (r["url"] for r in references if isinstance(r, dict) and isinstance(r.get("url"), str)
         and r.get("type") in ("ADVISORY", "WEB")),
        "",
    ) if isinstance(references, list) else ""  # fmt: skip
    return Advisory(
        id=str(record.get("id", "")),
        summary=(summary or "").strip() or (details or "").strip().split("\n", 1)[0][:200],
        aliases=tuple(a for a in aliases if isinstance(a, str)) if isinstance(aliases, list) else (),
        fixed_in=tuple(fixed),
        url=url,
    )
