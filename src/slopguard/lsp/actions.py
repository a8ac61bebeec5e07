"""Code actions on slopguard's diagnostics: insert an inline suppression (with a reason to fill in) and explain the
rule. The suppression is written in the file's own comment syntax, on a line of its own above the flagged line,
which it covers (see ``slopguard.core.suppress``)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from lsprotocol import types

from slopguard.core.rule import RuleMeta
from slopguard.engine.languages import HTML, CommentStyle
from slopguard.lsp.diagnostics import REASON_PLACEHOLDER, SOURCE
from slopguard.lsp.documents import Document, split_lines

EXPLAIN_COMMAND = "slopguard.explainRule"
# Directives cannot silence the suppression rules themselves (engine/suppression.py).
_UNSUPPRESSIBLE_PREFIX = "SG-SUPPRESS-"


def suppression_line(rule_id: str, style: CommentStyle, indent: str) -> str:
    """A directive that covers the next line, with the reason placeholder. HTML/XML comments must not contain
    ``--``, so they take the ``:`` separator."""
    separator = ": " if style == HTML else " -- "
    close = f" {style.close}" if style.close else ""
    return f"{indent}{style.open} slopguard: ignore[{rule_id}]{separator}{REASON_PLACEHOLDER}{close}"


def suppression_edit(doc: Document, text: str, line: int, rule_id: str) -> types.WorkspaceEdit | None:
    """The edit inserting a suppression of ``rule_id`` above ``line`` (0-based) of ``text``, indented like that
    line and ended like the document's lines; None when the file has no comment syntax."""
    lines = split_lines(text)
    if doc.entry is None or not doc.entry.comments or not 0 <= line < len(lines):
        return None
    target = lines[line]
    indent = target[: len(target) - len(target.lstrip())]
    newline = "\r\n" if "\r\n" in text else "\n"
    directive = suppression_line(rule_id, doc.entry.comments[0], indent) + newline
    at = types.Position(line=line, character=0)
    insert = types.TextEdit(range=types.Range(start=at, end=at), new_text=directive)
    return types.WorkspaceEdit(changes={doc.uri: [insert]})


def code_actions(
    doc: Document,
    text: str,
    diagnostics: Sequence[types.Diagnostic],
    suppressible: Collection[str],
) -> list[types.CodeAction]:
    """For each slopguard diagnostic with a rule id: suppress it on its line (rules the inline directives can
    silence, in files with comments) and explain the rule."""
    actions: list[types.CodeAction] = []
    seen: set[tuple[str, int]] = set()
    for diagnostic in diagnostics:
        rule_id = diagnostic.code
        line = diagnostic.range.start.line
        if diagnostic.source != SOURCE or not isinstance(rule_id, str) or (rule_id, line) in seen:
            continue
        seen.add((rule_id, line))
        edit = suppression_edit(doc, text, line, rule_id) if can_suppress(rule_id, suppressible) else None
        if edit is not None:
            actions.append(
                types.CodeAction(
                    title=f"Suppress {rule_id} on this line (give the reason)",
                    kind=types.CodeActionKind.QuickFix,
                    diagnostics=[diagnostic],
                    edit=edit,
                )
            )
        actions.append(
            types.CodeAction(
                title=f"Explain {rule_id}",
                kind=types.CodeActionKind.QuickFix,
                diagnostics=[diagnostic],
                command=types.Command(title=f"Explain {rule_id}", command=EXPLAIN_COMMAND, arguments=[rule_id]),
            )
        )
    return actions


def can_suppress(rule_id: str, suppressible: Collection[str]) -> bool:
    """Inline directives silence the engine's code rules, not package checks or the suppression rules."""
    return rule_id in suppressible and not rule_id.startswith(_UNSUPPRESSIBLE_PREFIX)


def explain_markdown(meta: RuleMeta) -> str:
    """What ``slopguard rules ID`` says about a rule: what it is, how bad, why it matters, the fix."""
    cwe = ", ".join(f"CWE-{c}" for c in meta.cwe)
    return (
        f"**{meta.id}: {meta.title}** ({cwe}; {meta.severity.label} severity, {meta.confidence.label} confidence)\n\n"
        f"{meta.why}\n\n**Fix:** {meta.fix}\n"
    )


def hover_markdown(diagnostics: Sequence[types.Diagnostic], at: types.Position, rules: Mapping[str, RuleMeta]) -> str:
    """The explanations of the rules whose diagnostics cover ``at``."""
    shown: list[str] = []
    for d in diagnostics:
        rule_id = d.code
        if not isinstance(rule_id, str) or rule_id not in rules or not _covers(d.range, at):
            continue
        text = explain_markdown(rules[rule_id])
        if text not in shown:
            shown.append(text)
    return "\n---\n\n".join(shown)


def _covers(span: types.Range, at: types.Position) -> bool:
    start, end, here = (
        (span.start.line, span.start.character),
        (span.end.line, span.end.character),
        (at.line, at.character),
    )
    return start <= here <= end
