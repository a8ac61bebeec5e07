"""Phase 3 of the workflow: the review checklist for a change, answered where a machine can."""

from __future__ import annotations

from slopguard.review.checklist import Change, Checklist, Evidence, Item, Status, build_checklist
from slopguard.review.render import render_json, render_markdown, to_dict

__all__ = [
    "Change",
    "Checklist",
    "Evidence",
    "Item",
    "Status",
    "build_checklist",
    "render_json",
    "render_markdown",
    "to_dict",
]
