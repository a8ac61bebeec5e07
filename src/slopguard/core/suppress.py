"""Inline suppressions: ``# slopguard: ignore[RULE-ID, ...] -- reason`` (any comment syntax)."""

from __future__ import annotations

import re
from dataclasses import dataclass

_DIRECTIVE = re.compile(r"slopguard:\s*ignore(?:\[(?P<ids>[^\]]*)\])?(?P<rest>.*)$")
_REASON = re.compile(r"^\s*(?:--|:|—)\s*(?P<reason>.*?)\s*(?:\*/}}|\*/|-->|--%>|%>|#}|--}}|}})?\s*$")
# A line holding only a comment (any language's, template comments included) covers the next line.
_COMMENT_ONLY = re.compile(r"^\s*(#|//|/\*|\*|--|<!--|\{#|<%#|<%--|\{\{!|\{\{/\*)")


@dataclass(frozen=True, slots=True)
class Suppression:
    """One directive: the line it covers, the rule ids (empty = all rules) and the stated reason."""

    line: int
    covers: int
    rule_ids: frozenset[str]
    reason: str

    def matches(self, rule_id: str) -> bool:
        return not self.rule_ids or rule_id in self.rule_ids


def parse_suppressions(lines: list[str]) -> list[Suppression]:
    """Directives on a code line cover that line; on a line of their own, the next line."""
    found: list[Suppression] = []
    for number, text in enumerate(lines, start=1):
        if "slopguard:" not in text:
            continue
        m = _DIRECTIVE.search(text)
        if not m:
            continue
        ids = frozenset(i.strip().upper() for i in (m.group("ids") or "").split(",") if i.strip())
        said = _REASON.match(m.group("rest"))
        reason = said.group("reason").split("#")[0].strip() if said else ""
        covers = number + 1 if _COMMENT_ONLY.match(text) else number
        found.append(Suppression(number, covers, ids, reason))
    return found
