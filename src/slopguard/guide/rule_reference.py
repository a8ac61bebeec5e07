"""The rule reference every front end explains rules from: the whole catalog (code rules, package checks, the
probe's checks), the flagged and safe examples built from the rule fixtures, and finding a rule by its id."""

from __future__ import annotations

import json
from difflib import get_close_matches
from functools import cache
from importlib.resources import files

from slopguard.core.rule import RuleMeta
from slopguard.pipeline.catalog import rule_catalog
from slopguard.probe.rules import PROBE_RULES

EXAMPLES_FILE = "data/rule_examples.json"  # built from the rule fixtures by scripts/build_rule_examples.py


class UnknownRule(LookupError):
    """No rule has this id; ``near`` holds the closest ids."""

    def __init__(self, rule_id: str, near: list[str]) -> None:
        hint = f"; did you mean {', '.join(near)}?" if near else ""
        super().__init__(f"unknown rule {rule_id!r}{hint}")
        self.near = near


def catalog() -> dict[str, RuleMeta]:
    """Every rule slopguard reports: code rules, package checks and the dynamic probe's checks, sorted by id."""
    metas = rule_catalog()
    metas.update({m.id: m for m in PROBE_RULES.values()})
    return dict(sorted(metas.items()))


@cache
def rule_examples() -> dict[str, dict[str, str]]:
    """Rule id -> {"fixture", "flagged", "safe"}: code a rule flags and look-alike code it leaves alone."""
    data: dict[str, dict[str, str]] = json.loads(files("slopguard").joinpath(EXAMPLES_FILE).read_text("utf-8"))
    return data


def find_rule(rule_id: str, metas: dict[str, RuleMeta] | None = None) -> RuleMeta:
    """The rule with this id (any case); :class:`UnknownRule` with the closest ids otherwise."""
    known = catalog() if metas is None else metas
    wanted = rule_id.strip().upper()
    if wanted in known:
        return known[wanted]
    raise UnknownRule(rule_id, get_close_matches(wanted, list(known), n=3))
