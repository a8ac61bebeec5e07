"""Each agent's hook dialect: where its payload puts the edited file and the shell command, and how it wants the
answer (stdout JSON, stderr, exit status). Formats, from each agent's hooks reference:

- Claude Code: ``PostToolUse`` answers ``{"decision": "block", "reason": ...}`` (the reason goes to the model);
  ``PreToolUse`` answers ``hookSpecificOutput.permissionDecision`` ``deny`` / ``ask`` with a reason.
- Codex: ``PreToolUse`` on ``Bash`` as Claude Code, but Codex refuses ``ask``, so what cannot be verified is
  denied (fail closed). Codex's ``PostToolUse`` does not see file edits, so there is no edit hook.
- Gemini CLI: ``AfterTool`` appends ``hookSpecificOutput.additionalContext`` to the tool result; ``BeforeTool``
  answers ``{"decision": "deny", "reason": ...}`` (Gemini has no ``ask``: denied).
- Cursor: ``beforeShellExecution`` answers ``{"permission": ..., "user_message": ..., "agent_message": ...}`` on
  every call; ``afterFileEdit`` output is not read by Cursor, so findings go to stderr (the Hooks output panel).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from slopguard.hooks.edit import EditCheck
from slopguard.hooks.payload import text_field
from slopguard.hooks.shell import Decision, ShellCheck

Payload = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Reply:
    """What the hook process writes and how it exits."""

    stdout: str = ""
    stderr: str = ""
    exit_code: int = 0


@dataclass(frozen=True, slots=True)
class EditHook:
    """An agent's after-edit hook: the edited file's path in its payload, and the answer to a finished check."""

    file_path: Callable[[Payload], str | None]
    answer: Callable[[EditCheck], Reply]


@dataclass(frozen=True, slots=True)
class ShellHook:
    """An agent's before-shell hook: the command in its payload, and the answer to a decision."""

    command: Callable[[Payload], str | None]
    answer: Callable[[ShellCheck], Reply]


@dataclass(frozen=True, slots=True)
class Agent:
    name: str
    project_env: str | None  # the environment variable the harness sets to the project directory
    edit: EditHook | None
    shell: ShellHook


def _json(doc: dict[str, Any]) -> str:
    return json.dumps(doc, ensure_ascii=False) + "\n"


def _tool_file(payload: Payload) -> str | None:
    return text_field(payload, "tool_input", "file_path") or text_field(payload, "tool_input", "notebook_path")


def _tool_command(payload: Payload) -> str | None:
    return text_field(payload, "tool_input", "command")


def _block(check: EditCheck) -> Reply:
    return Reply(_json({"decision": "block", "reason": check.problem})) if check.problem else Reply()


def _additional_context(check: EditCheck) -> Reply:
    return Reply(_json({"hookSpecificOutput": {"additionalContext": check.problem}})) if check.problem else Reply()


def _stderr_note(check: EditCheck) -> Reply:
    return Reply(stderr=check.problem + "\n") if check.problem else Reply()


def _permission(fail_closed: bool) -> Callable[[ShellCheck], Reply]:
    """Claude Code's and Codex's ``PreToolUse`` answer; ``fail_closed`` turns ``ask`` into ``deny``."""

    def answer(check: ShellCheck) -> Reply:
        if check.decision is Decision.ALLOW:
            return Reply()  # no opinion: the agent's own permission rules apply
        decision = Decision.DENY if fail_closed else check.decision
        output = {"hookEventName": "PreToolUse", "permissionDecision": decision.value,
                  "permissionDecisionReason": check.reason}  # fmt: skip
        return Reply(_json({"hookSpecificOutput": output}))

    return answer


def _gemini_shell(check: ShellCheck) -> Reply:
    if check.decision is Decision.ALLOW:
        return Reply()
    return Reply(_json({"decision": "deny", "reason": check.reason}))


def _cursor_shell(check: ShellCheck) -> Reply:
    if check.decision is Decision.ALLOW:
        return Reply(_json({"permission": "allow"}))
    return Reply(_json({"permission": check.decision.value, "user_message": check.reason,
                        "agent_message": check.reason}))  # fmt: skip


AGENTS: dict[str, Agent] = {
    "claude": Agent(
        "claude",
        "CLAUDE_PROJECT_DIR",
        EditHook(_tool_file, _block),
        ShellHook(_tool_command, _permission(fail_closed=False)),
    ),
    "codex": Agent("codex", None, None, ShellHook(_tool_command, _permission(fail_closed=True))),
    "gemini": Agent(
        "gemini",
        "GEMINI_PROJECT_DIR",
        EditHook(_tool_file, _additional_context),
        ShellHook(_tool_command, _gemini_shell),
    ),
    "cursor": Agent(
        "cursor",
        None,
        EditHook(lambda p: text_field(p, "file_path"), _stderr_note),
        ShellHook(lambda p: text_field(p, "command"), _cursor_shell),
    ),
}
