"""Which rules exist: the code rules of every pack plus the package checks, and a scanner configured with them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from slopguard.core.cache import cache_dir
from slopguard.core.config import Settings
from slopguard.core.rule import RuleMeta
from slopguard.deps.checks import CHECK_RULES
from slopguard.engine.catalog import code_fingerprint, load_catalog
from slopguard.engine.registry import all_rule_meta, use_loader
from slopguard.engine.scanner import Scanner
from slopguard.engine.suppression import SUPPRESSION_WITHOUT_REASON
from slopguard.rules import load_all, load_for


def code_rules() -> dict[str, RuleMeta]:
    """Every code rule (the packs' rules and the engine's own), loading the packs on first use."""
    load_all()
    return dict(sorted({**all_rule_meta(), SUPPRESSION_WITHOUT_REASON.id: SUPPRESSION_WITHOUT_REASON}.items()))


def package_rules() -> dict[str, RuleMeta]:
    """The package verifier's checks, as rules, so their findings travel through every reporter."""
    return {meta.id: meta for meta in CHECK_RULES.values()}


def code_catalog(cache_dir: Path | None = None, fingerprint: str | None = None) -> dict[str, RuleMeta]:
    """Every code rule, without importing the packs where a cached or shipped catalog matches this code."""
    return load_catalog(cache_dir, (fingerprint or code_fingerprint()) if cache_dir else "", code_rules)


def rule_catalog(cache_dir: Path | None = None, fingerprint: str | None = None) -> dict[str, RuleMeta]:
    """Every rule slopguard has: code rules and package checks."""
    return dict(sorted({**code_catalog(cache_dir, fingerprint), **package_rules()}.items()))


@dataclass(frozen=True)
class PackLoader:
    """Registers the rule packs that read a scan's languages, in this process or a worker (it is picklable, so
    workers started by spawn get it as well as forked ones); ``known`` is every code rule, loaded or not."""

    known: Mapping[str, RuleMeta]

    def __call__(self, languages: Iterable[str]) -> None:
        use_loader(load_for, self.known)
        load_for(languages)


def make_scanner(settings: Settings, rule_ids: Iterable[str] | None = None) -> Scanner:
    """A scanner over the whole catalog; ``rule_ids`` (or the settings' select/ignore) choose what runs.
    Raises ValueError for an unknown selector."""
    fingerprint = code_fingerprint()
    code = code_catalog(cache_dir(settings), fingerprint)
    catalog = dict(sorted({**code, **package_rules()}.items()))
    return Scanner(settings, catalog, PackLoader(code), rule_ids, fingerprint=fingerprint)
