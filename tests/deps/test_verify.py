"""The verifier composes dependency sources and registry services (stand-in services here, no HTTP at all)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from slopguard.deps.collect import CommandSource, ManifestSource
from slopguard.deps.model import Check, Ecosystem, PackageFacts, PackageRef, RegistryError, Release
from slopguard.deps.options import VerifyOptions
from slopguard.deps.registries import RegistryConfigError
from slopguard.deps.service import RegistryService
from slopguard.deps.source import Collected, DependencySource, collect_all
from slopguard.deps.verify import verify, verify_sources

NOW = datetime(2025, 6, 1, tzinfo=UTC)
OLD = datetime(2019, 1, 1, tzinfo=UTC)


class StandIn:
    """A registry service answering from a table; a name mapped to an exception raises it."""

    def __init__(self, table: dict[str, PackageFacts | Exception]) -> None:
        self.table = table
        self.asked: list[tuple[str, str | None]] = []
        self.closed = False

    async def facts(self, name: str, version: str | None = None) -> PackageFacts:
        self.asked.append((name, version))
        answer = self.table[name]
        if isinstance(answer, Exception):
            raise answer
        return answer

    async def aclose(self) -> None:
        self.closed = True


def known(ecosystem: Ecosystem, name: str) -> PackageFacts:
    releases = tuple(Release(f"1.{i}", OLD) for i in range(5))
    return PackageFacts(ecosystem, name, True, releases, "1.4", "https://example.org/src", "fine")


def options(tmp_path: Path) -> VerifyOptions:
    return VerifyOptions(use_cache=False, project_dir=tmp_path)


def test_sources_are_collected_in_order_with_their_problems(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("zqxv-alpha==1.0\n--bogus-option\n", encoding="utf-8")
    sources: list[DependencySource] = [
        ManifestSource([(tmp_path / "requirements.txt", "requirements.txt")]),
        CommandSource("Run `npm install zqxv-beta`", "answer.md"),
    ]
    collected = collect_all(sources)
    assert [(r.ecosystem, r.name, r.path) for r in collected.refs] == [
        (Ecosystem.PYPI, "zqxv-alpha", "requirements.txt"),
        (Ecosystem.NPM, "zqxv-beta", "answer.md"),
    ]
    assert [(p.path, p.line) for p in collected.problems] == [("requirements.txt", 2)]
    assert collect_all([]) == Collected()


def test_verify_sources_asks_each_ecosystems_service_once_per_package(tmp_path: Path) -> None:
    pypi = StandIn({"zqxv-alpha": known(Ecosystem.PYPI, "zqxv-alpha")})
    npm = StandIn({"zqxv-beta": PackageFacts(Ecosystem.NPM, "zqxv-beta", exists=False)})
    opened = {Ecosystem.PYPI: pypi, Ecosystem.NPM: npm}

    def services(ecosystem: Ecosystem, _options: VerifyOptions) -> RegistryService:
        return opened[ecosystem]

    source = CommandSource("pip install zqxv-alpha\n`pip install zqxv-alpha`\nnpm i zqxv-beta\n", "notes.md")
    verified = verify_sources([source], options(tmp_path), NOW, services=services)
    assert [r.verdict for r in verified.reports] == ["ok", "ok", Check.MISSING.value]
    assert pypi.asked == [("zqxv-alpha", None)] and npm.asked == [("zqxv-beta", None)]
    assert pypi.closed and npm.closed
    assert verified.problems == []


def test_whatever_a_service_cannot_tell_is_unknown_and_others_are_unaffected(tmp_path: Path) -> None:
    service = StandIn(
        {
            "zqxv-fine": known(Ecosystem.PYPI, "zqxv-fine"),
            "zqxv-down": RegistryError("the index answered HTTP 502 (3 attempts)"),
            "zqxv-odd": TypeError("unforeseen shape"),
        }
    )
    refs = [PackageRef(Ecosystem.PYPI, n) for n in ("zqxv-fine", "zqxv-down", "zqxv-odd")]
    fine, down, odd = verify(refs, options(tmp_path), NOW, services=lambda _e, _o: service)
    assert fine.verdict == "ok"
    assert down.verdict == odd.verdict == Check.UNKNOWN.value
    assert "HTTP 502" in down.signals[0].message
    assert "could not be read" in odd.signals[0].message and "unforeseen shape" in odd.signals[0].message
    assert down.facts is None and odd.facts is None


def test_a_registry_that_cannot_be_located_makes_its_packages_unknown(tmp_path: Path) -> None:
    pypi = StandIn({"zqxv-fine": known(Ecosystem.PYPI, "zqxv-fine")})

    def services(ecosystem: Ecosystem, _options: VerifyOptions) -> RegistryService:
        if ecosystem is Ecosystem.NPM:
            raise RegistryConfigError("cannot determine the npm registry")
        return pypi

    refs = [PackageRef(Ecosystem.PYPI, "zqxv-fine"), PackageRef(Ecosystem.NPM, "zqxv-js")]
    python, js = verify(refs, options(tmp_path), NOW, services=services)
    assert python.verdict == "ok"
    assert js.verdict == Check.UNKNOWN.value and "cannot determine the npm registry" in js.signals[0].message
