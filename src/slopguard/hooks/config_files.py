"""The hook configuration each agent reads, and how slopguard's entries are merged into an existing file.

One definition serves ``slopguard init --hooks``, the Claude Code plugin's ``hooks/hooks.json`` and the docs, so
they cannot drift apart. Merging keeps every other key and every other hook; an entry that already runs the same
``slopguard hook`` subcommand is left as it is.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

HOOK_TIMEOUT_S = 60


def hook_command(agent: str, event: str) -> str:
    """The command line an agent runs: ``slopguard hook <agent>-<event>``."""
    return f"slopguard hook {agent}-{event}"


@dataclass(frozen=True, slots=True)
class HookFile:
    """Where an agent reads its hooks (relative to the project) and slopguard's entries, event -> entry."""

    path: str
    entries: dict[str, dict[str, Any]]
    top: dict[str, Any]  # keys the file must have besides "hooks" (Cursor's "version")


def _nested(matcher: str, command: str, timeout: int) -> dict[str, Any]:
    return {"matcher": matcher, "hooks": [{"type": "command", "command": command, "timeout": timeout}]}


HOOK_FILES: dict[str, HookFile] = {
    "claude": HookFile(".claude/settings.json", {
        "PostToolUse": _nested("Edit|Write|MultiEdit|NotebookEdit", hook_command("claude", "post-edit"),
                               HOOK_TIMEOUT_S),
        "PreToolUse": _nested("Bash", hook_command("claude", "pre-bash"), HOOK_TIMEOUT_S),
    }, {}),
    "codex": HookFile(".codex/hooks.json", {
        "PreToolUse": _nested("Bash", hook_command("codex", "pre-bash"), HOOK_TIMEOUT_S),
    }, {}),
    "gemini": HookFile(".gemini/settings.json", {  # Gemini CLI counts timeouts in milliseconds
        "AfterTool": _nested("write_file|replace", hook_command("gemini", "post-edit"), HOOK_TIMEOUT_S * 1000),
        "BeforeTool": _nested("run_shell_command", hook_command("gemini", "pre-bash"), HOOK_TIMEOUT_S * 1000),
    }, {}),
    "cursor": HookFile(".cursor/hooks.json", {
        "afterFileEdit": {"command": hook_command("cursor", "post-edit")},
        "beforeShellExecution": {"command": hook_command("cursor", "pre-bash")},
    }, {"version": 1}),
}  # fmt: skip


def hooks_document(agent: str) -> dict[str, Any]:
    """A fresh file holding only slopguard's hooks for ``agent``."""
    spec = HOOK_FILES[agent]
    return {**spec.top, "hooks": {event: [entry] for event, entry in spec.entries.items()}}


def _commands(entry: Any) -> list[str]:
    """The commands an event entry runs (Cursor's flat entries and the matcher groups of the others)."""
    if not isinstance(entry, dict):
        return []
    found = [entry["command"]] if isinstance(entry.get("command"), str) else []
    nested = entry.get("hooks")
    if isinstance(nested, list):
        found += [h["command"] for h in nested if isinstance(h, dict) and isinstance(h.get("command"), str)]
    return found


def merge_hooks(existing: str | None, agent: str) -> str:
    """The file's text with slopguard's hooks added where missing. Raises ValueError when the file is not a JSON
    object whose ``hooks`` maps events to lists (it is then left for the user to fix)."""
    spec = HOOK_FILES[agent]
    try:
        doc = json.loads(existing) if existing and existing.strip() else {}
    except json.JSONDecodeError as exc:
        raise ValueError(f"is not valid JSON ({exc}); not touched") from None
    if not isinstance(doc, dict):
        raise ValueError("is not a JSON object; not touched")
    added = [key for key in spec.top if key not in doc]
    for key in added:
        doc[key] = spec.top[key]
    if "hooks" not in doc:
        added.append("hooks")
    hooks = doc.setdefault("hooks", {})
    if not isinstance(hooks, dict):
        raise ValueError("has a 'hooks' that is not an object; add slopguard's hooks by hand")
    for event, entry in spec.entries.items():
        current = hooks.setdefault(event, [])
        if not isinstance(current, list):
            raise ValueError(f"has a 'hooks.{event}' that is not a list; add slopguard's hooks by hand")
        wanted = _commands(entry)[0].split()[:3]  # slopguard hook <agent>-<event>
        if not any(c.split()[:3] == wanted for existing_entry in current for c in _commands(existing_entry)):
            current.append(entry)
            added.append(event)
    if existing is not None and not added:
        return existing  # already there: the user's formatting stays as it is
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
