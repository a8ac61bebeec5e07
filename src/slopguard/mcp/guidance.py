"""``classify_task``, ``security_instructions`` and ``explain_rule``: the guide and the rule catalog as tools,
giving what ``slopguard classify``, ``slopguard prompt`` and ``slopguard rules ID`` print."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mcp.server.mcpserver.exceptions import ToolError

from slopguard.guide.classify_code import classify_paths
from slopguard.guide.classify_text import classify_text
from slopguard.guide.decision import Decision
from slopguard.guide.install import detect_languages
from slopguard.guide.instructions import PromptOptions, instructions, known_languages, parse_contexts, parse_languages
from slopguard.guide.rule_reference import UnknownRule, find_rule, rule_examples
from slopguard.mcp.models import (
    CONFIDENCE,
    SEVERITY,
    Classification,
    Instructions,
    ReasonOut,
    RuleExample,
    RuleExplanation,
)
from slopguard.mcp.workspace import OutsideWorkspace, Workspace


def classify_task(ws: Workspace, task: str | None, paths: Sequence[str]) -> Classification:
    """The verdict for a task description, or for files and folders inside the workspace."""
    if (task is None) == (not paths):
        raise ToolError("give either a task description or paths, not both or neither")
    if task is not None:
        if not task.strip():
            raise ToolError("the task description is empty")
        return _classification(classify_text(task), {})
    try:
        targets = [ws.resolve(p) for p in paths]
    except OutsideWorkspace as exc:
        raise ToolError(str(exc)) from None
    report = classify_paths(targets, ws.root)
    per_file = {f.path: f.decision.verdict.label for f in report.files}
    return _classification(report.overall, per_file)


def _classification(decision: Decision, per_file: dict[str, str]) -> Classification:
    doc: dict[str, Any] = decision.to_dict()
    reasons = [ReasonOut.model_validate(r) for r in doc.pop("reasons")]
    return Classification.model_validate({**doc, "reasons": reasons, "files": per_file})


def security_instructions(
    ws: Workspace, languages: Sequence[str], contexts: Sequence[str], asvs: int | None, fmt: str
) -> Instructions:
    """The instructions ``slopguard prompt`` prints; without languages, those of the workspace's files."""
    try:
        langs = parse_languages(languages) if languages else tuple(detect_languages(ws.root, known_languages()))
        keys = parse_contexts(contexts)
        text = instructions(PromptOptions(languages=langs, contexts=keys, asvs=asvs), fmt)
    except ValueError as exc:
        raise ToolError(str(exc)) from None
    return Instructions(languages=list(langs), contexts=list(keys), text=text)


def explain_rule(rule_id: str) -> RuleExplanation:
    try:
        meta = find_rule(rule_id)
    except UnknownRule as exc:
        raise ToolError(str(exc)) from None
    found = rule_examples().get(meta.id)
    example = (
        RuleExample(fixture=found["fixture"], flagged=found["flagged"], not_flagged=found["safe"]) if found else None
    )
    return RuleExplanation(
        rule_id=meta.id, title=meta.title, cwe=list(meta.cwe), severity=SEVERITY[meta.severity],
        confidence=CONFIDENCE[meta.confidence], languages=list(meta.languages), why=meta.why, fix=meta.fix,
        example=example,
    )  # fmt: skip
