"""One hook call: payload in, the agent's answer out."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from slopguard.hooks.agents import Agent, Payload, Reply
from slopguard.hooks.edit import check_edit
from slopguard.hooks.payload import inside, project_dir
from slopguard.hooks.shell import check_command
from slopguard.report.escape import printable


def run_edit(agent: Agent, payload: Payload, env: Mapping[str, str]) -> Reply:
    """Scan the file the agent just edited; a file outside the project is left alone, with a note."""
    if agent.edit is None:
        raise ValueError(f"{agent.name} has no edit hook")
    raw = agent.edit.file_path(payload)
    if raw is None:
        return Reply()  # a tool call that edits no file
    project = project_dir(payload, env, agent.project_env)
    if project is None:
        return Reply(stderr="slopguard: the hook payload names no project directory; nothing scanned\n")
    file = inside(Path(raw), project)
    if file is None:
        return Reply(stderr=f"slopguard: {printable(raw)} is outside the project {printable(str(project))}; "
                     "not scanned\n")  # fmt: skip
    if not file.is_file():
        return Reply()  # deleted or moved since the edit
    return agent.edit.answer(check_edit(file, project))


def run_shell(agent: Agent, payload: Payload, env: Mapping[str, str]) -> Reply:
    """Verify the packages the command would install."""
    command = agent.shell.command(payload)
    if command is None:
        return agent.shell.answer(check_command("", Path.cwd()))
    project = project_dir(payload, env, agent.project_env) or Path.cwd().resolve()
    return agent.shell.answer(check_command(command, project))
