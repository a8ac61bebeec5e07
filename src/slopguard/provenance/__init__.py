"""Provenance of AI-generated code: ``slopguard:ai`` markers, git commit trailers, and the inventory built
from both (which code is AI-generated, which is unreviewed, which carries findings)."""

from __future__ import annotations

from slopguard.engine.markers import Marker, ParsedFile, Problem, Region, comment_styles, parse_lines
from slopguard.provenance.index import (
    REVIEW_RULE_ID,
    Entry,
    FileProblem,
    Inventory,
    attach_findings,
    collect,
    review_findings,
    unreviewed_regions,
)
from slopguard.provenance.markers import MarkError, format_marker, mark, sign_off

__all__ = [
    "REVIEW_RULE_ID",
    "Entry",
    "FileProblem",
    "Inventory",
    "MarkError",
    "Marker",
    "ParsedFile",
    "Problem",
    "Region",
    "attach_findings",
    "collect",
    "comment_styles",
    "format_marker",
    "mark",
    "parse_lines",
    "review_findings",
    "sign_off",
    "unreviewed_regions",
]
