"""From what the registry said (or could not say) about one package to the reasons for concern.

``signals_for`` is pure: the caller fetches ``PackageFacts`` (or catches the error) and injects ``now``, so every
check can be tested with hand-made facts. Signals come back worst first (severity, then the order of ``Check``).

| check | severity | when |
|---|---|---|
| missing | critical | the registry has no such package: likely hallucinated |
| typosquat | high | the name imitates a popular package (also said for missing and unverified names) |
| new | high | the first release is younger than ``new_days`` |
| young-and-obscure | medium | not popular, at most 3 releases, no repository link, first release < 1 year ago |
| vulnerable | high | advisories for the version asked about, with ids and fixed versions |
| install-scripts | medium, high with new / young-and-obscure / typosquat | npm pre/post/install scripts |
| deprecated | low | the registry marks the package (or version) deprecated |
| yanked | medium | the pinned version was yanked |
| unknown | high | no facts: the registry could not be reached or answered oddly; fail closed |
| advisories-unknown | low | the package checked out, but no advisory data for its version: vulnerabilities unchecked |

A name one edit from one of the 100 most popular packages is a typosquat too, even when it is on the popularity
list itself, if its release history is tiny and stale: at most ``STALE_MAX_RELEASES`` releases, the last one
more than ``STALE_AGE`` ago (or none at all). A real package near a famous name has a history of its own.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from slopguard.core.finding import Severity
from slopguard.deps.model import Advisory, Check, Ecosystem, PackageFacts, PackageRef, Release, Signal
from slopguard.deps.popularity import PopularityIndex
from slopguard.deps.typosquat import Imitation, famous_neighbour, imitation

OBSCURE_MAX_RELEASES = 3
OBSCURE_MAX_AGE = timedelta(days=365)
STALE_MAX_RELEASES = 3
STALE_AGE = timedelta(days=365)
_REGISTRY = {Ecosystem.PYPI: "PyPI", Ecosystem.NPM: "npm"}
_ORDER = {check: position for position, check in enumerate(Check)}
_MAX_LISTED = 5


def signals_for(
    ref: PackageRef,
    facts: PackageFacts | None,
    error: str | None,
    index: PopularityIndex,
    *,
    now: datetime,
    new_days: int = 30,
) -> list[Signal]:
    """Every reason for concern about ``ref``, worst first; an empty list means the package checked out.

    ``facts`` None means the registry gave no usable answer (``error`` says why): the package is *unknown*,
    never fine. Popular packages (in ``index``) are never typosquats nor young-and-obscure.
    """
    registry = _REGISTRY[ref.ecosystem]
    popular = index.contains(ref.ecosystem, ref.name)
    lookalike = None if popular else imitation(ref.ecosystem, ref.name, index)
    signals: list[Signal] = []

    if facts is None:
        reason = error or "no registry answer"
        signals.append(
            Signal(
                Check.UNKNOWN,
                Severity.HIGH,
                f"could not verify {ref.name} on {registry}: {reason}; failing closed: treat it as unverified",
            )
        )
        if lookalike:
            signals.append(_typosquat(ref, lookalike, index))
        return _ordered(signals)

    if not facts.exists:
        hint = f"; did you mean {lookalike.target}?" if lookalike else ""
        signals.append(
            Signal(
                Check.MISSING,
                Severity.CRITICAL,
                f"{ref.name} does not exist on {registry}: likely hallucinated; do not install{hint}",
            )
        )
        if lookalike:
            signals.append(
                Signal(
                    Check.TYPOSQUAT,
                    Severity.HIGH,
                    f"{ref.name} is close to the popular package {lookalike.target} ({lookalike.reason}): "
                    f"did you mean {lookalike.target}? Anyone can register {ref.name} with malware in it",
                )
            )
        return _ordered(signals)

    if lookalike:
        signals.append(_typosquat(ref, lookalike, index))
    else:
        stale = _stale_lookalike(ref, facts, index, now)
        if stale:
            signals.append(stale)

    first = facts.first_release
    age = _age(now, first) if first else None
    new = age is not None and age < timedelta(days=new_days)
    if new and first and age is not None:
        signals.append(
            Signal(
                Check.NEW,
                Severity.HIGH,
                f"first release {_days(age)} ago ({first.date().isoformat()}): "
                f"younger than {new_days} days; review it before installing",
            )
        )

    obscure = (
        not popular
        and len(facts.releases) <= OBSCURE_MAX_RELEASES
        and not facts.repository
        and (age is None or age < OBSCURE_MAX_AGE)
    )
    if obscure:
        count = len(facts.releases)
        since = f", first {_days(age)} ago" if age is not None else ""
        signals.append(
            Signal(
                Check.YOUNG_AND_OBSCURE,
                Severity.MEDIUM,
                f"{count} release{'s' if count != 1 else ''}{since}, no repository link, "
                f"not among popular {registry} packages",
            )
        )

    version = ref.version or facts.latest
    if facts.advisories:
        signals.append(Signal(Check.VULNERABLE, Severity.HIGH, _advisories(ref.name, version, facts.advisories)))
    elif facts.advisory_gap:
        subject = f"{ref.name} {version}" if version else ref.name
        signals.append(
            Signal(
                Check.ADVISORIES_UNKNOWN,
                Severity.LOW,
                f"known vulnerabilities of {subject} not checked: {_clip(facts.advisory_gap, 300)} "
                "(the package itself is verified; for advisories add an OSV source: --osv-url or --advisories)",
            )
        )

    if facts.install_scripts:
        risky = new or obscure or lookalike is not None
        scripts = ", ".join(facts.install_scripts)
        context = "; on a new, obscure or lookalike package" if risky else ""
        signals.append(
            Signal(
                Check.INSTALL_SCRIPTS,
                Severity.HIGH if risky else Severity.MEDIUM,
                f"runs code when installed ({scripts}){context}",
            )
        )

    if facts.deprecated:
        signals.append(Signal(Check.DEPRECATED, Severity.LOW, f"deprecated: {_clip(facts.deprecated)}"))

    if ref.version:
        release = _release(ref.ecosystem, facts, ref.version)
        if release is not None and release.yanked:
            why = f": {_clip(release.yanked_reason)}" if release.yanked_reason else ""
            signals.append(Signal(Check.YANKED, Severity.MEDIUM, f"{ref.version} was yanked{why}; pin another version"))
    return _ordered(signals)


def _typosquat(ref: PackageRef, lookalike: Imitation, index: PopularityIndex) -> Signal:
    known = index.contains(ref.ecosystem, lookalike.target)
    rank = f"#{lookalike.rank} on {_REGISTRY[ref.ecosystem]}; " if known else ""
    return Signal(
        Check.TYPOSQUAT,
        Severity.HIGH,
        f"{ref.name} looks like the popular package {lookalike.target} ({rank}{lookalike.reason}): "
        f"make sure you meant {ref.name}",
    )


def _stale_lookalike(ref: PackageRef, facts: PackageFacts, index: PopularityIndex, now: datetime) -> Signal | None:
    """A typosquat signal for a name one edit from a famous package whose own history is tiny and stale."""
    if len(facts.releases) > STALE_MAX_RELEASES:
        return None
    dates = [r.uploaded for r in facts.releases if r.uploaded is not None]
    if facts.releases and (len(dates) < len(facts.releases) or _age(now, max(dates)) < STALE_AGE):
        return None  # recent activity (or dates unknown): the release history does not tell
    neighbour = famous_neighbour(ref.ecosystem, ref.name, index)
    if neighbour is None:
        return None
    count = len(facts.releases)
    history = f"{count} release{'s' if count != 1 else ''}"
    if dates:
        history += f", the last {_days(_age(now, max(dates)))} ago"
    return Signal(
        Check.TYPOSQUAT,
        Severity.HIGH,
        f"{ref.name} is one edit from {neighbour.target} (#{neighbour.rank} on {_REGISTRY[ref.ecosystem]}; "
        f"{neighbour.reason}) and has a tiny, stale history ({history}): make sure you meant {ref.name}",
    )


def _advisories(name: str, version: str | None, advisories: tuple[Advisory, ...]) -> str:
    parts = []
    for advisory in advisories[:_MAX_LISTED]:
        aliases = [a for a in advisory.aliases if a != advisory.id]
        ids = f"{advisory.id} ({', '.join(aliases)})" if aliases else advisory.id
        fixed = f"fixed in {', '.join(advisory.fixed_in)}" if advisory.fixed_in else "no fixed version"
        parts.append(f"{ids}: {fixed}")
    more = len(advisories) - _MAX_LISTED
    tail = f"; and {more} more" if more > 0 else ""
    count = len(advisories)
    subject = f"{name} {version}" if version else name
    noun = "advisory" if count == 1 else "advisories"
    return f"{subject} has {count} known {noun}: {'; '.join(parts)}{tail}"


def _release(ecosystem: Ecosystem, facts: PackageFacts, version: str) -> Release | None:
    """The release ``version`` names: PEP 440 equality for PyPI (``1.2`` is ``1.2.0``), exact text for npm."""
    wanted = version.strip().lstrip("=v")
    exact = next((r for r in facts.releases if r.version == wanted), None)
    if exact is not None or ecosystem is not Ecosystem.PYPI:
        return exact
    from packaging.version import InvalidVersion, Version

    try:
        parsed = Version(wanted)
    except InvalidVersion:
        return None
    for release in facts.releases:
        try:
            if Version(release.version) == parsed:
                return release
        except InvalidVersion:
            continue
    return None


def _age(now: datetime, then: datetime) -> timedelta:
    """``now - then``, reading a naive datetime as UTC so aware and naive values mix."""
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    if then.tzinfo is None:
        then = then.replace(tzinfo=UTC)
    return now - then


def _days(age: timedelta) -> str:
    days = max(age.days, 0)
    if days == 0:
        hours = max(int(age.total_seconds() // 3600), 0)
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{days} day{'s' if days != 1 else ''}"


def _clip(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _ordered(signals: list[Signal]) -> list[Signal]:
    return sorted(signals, key=lambda s: (-s.severity, _ORDER[s.check]))
