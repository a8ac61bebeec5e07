"""``slopguard hook ...``: what coding agents run after an edit and before a shell command, and the GitHub
Action's step. ``slopguard init --hooks`` writes the agents' configuration that calls these."""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

import click

from slopguard.core.finding import Severity
from slopguard.hooks.action import NEVER, ActionError, ActionInputs, append, outputs, run_action
from slopguard.hooks.agents import AGENTS, Agent, Reply
from slopguard.hooks.payload import PayloadError, read_payload
from slopguard.hooks.run import run_edit, run_shell

EXIT_PAYLOAD = 2
_AGENT_EXITS = """

Exit status: 0 when answered (the answer, if any, is on stdout in the agent's format; notes go to stderr); 2 when
the payload on stdin cannot be read (the reason on stderr; Claude Code, Codex and Gemini CLI show it to the agent
and block the tool call)."""


def _reply(reply: Reply) -> None:
    if reply.stdout:
        click.echo(reply.stdout, nl=False)
    if reply.stderr:
        click.echo(reply.stderr, nl=False, err=True)
    sys.exit(reply.exit_code)


def _payload() -> dict[str, object]:
    try:
        return read_payload(sys.stdin.buffer)
    except PayloadError as exc:
        click.echo(f"slopguard: {exc}", err=True)
        sys.exit(EXIT_PAYLOAD)


def _edit_command(agent: Agent) -> click.Command:
    def run() -> None:
        _reply(run_edit(agent, _payload(), os.environ))

    run.__doc__ = (f"{agent.name} after-edit hook: scan the edited file (inside the project only) and return what "
                   f"fails the gate to the agent.{_AGENT_EXITS}")  # fmt: skip
    return click.command(f"{agent.name}-post-edit")(run)


def _shell_command(agent: Agent) -> click.Command:
    def run() -> None:
        _reply(run_shell(agent, _payload(), os.environ))

    run.__doc__ = (f"{agent.name} before-shell hook: verify the packages an install command names; deny a package "
                   f"that fails the check, ask (or deny) when one cannot be verified.{_AGENT_EXITS}")  # fmt: skip
    return click.command(f"{agent.name}-pre-bash")(run)


@click.group("hook")
def hook_command() -> None:
    """Hooks for coding agents (Claude Code, Codex, Gemini CLI, Cursor) and the GitHub Action. Agents call these
    with their JSON payload on stdin; see docs/agents.md."""


for _agent in AGENTS.values():
    if _agent.edit is not None:
        hook_command.add_command(_edit_command(_agent))
    hook_command.add_command(_shell_command(_agent))


@hook_command.command("github-action")
@click.option("--paths", envvar="INPUT_PATHS", default=".", show_default=True,
              help="Files and folders to scan, space-separated, relative to the workspace "
              "(env INPUT_PATHS).")  # fmt: skip
@click.option("--fail-on", envvar="INPUT_FAIL_ON", default="high", show_default=True,
              type=click.Choice([*(s.label for s in Severity), NEVER]),
              help="Fail at this severity and above; 'none' reports without failing (env INPUT_FAIL_ON).")  # fmt: skip
@click.option("--sarif-file", envvar="INPUT_SARIF_FILE", default="slopguard.sarif", show_default=True,
              help="Where to write the SARIF report, relative to the workspace (env INPUT_SARIF_FILE).")  # fmt: skip
def github_action_command(paths: str, fail_on: str, sarif_file: str) -> None:
    """The GitHub Action's step: scan (packages verified in the same pass), write SARIF, append the job summary
    to $GITHUB_STEP_SUMMARY and findings, failing and sarif-file to $GITHUB_OUTPUT. The workspace is
    $GITHUB_WORKSPACE (default: the current folder).

    Exit status: 0 clean; 1 a finding at or above --fail-on; 2 bad input or configuration; 3 incomplete (a file
    could not be analysed)."""
    workspace = Path(os.environ.get("GITHUB_WORKSPACE") or ".").resolve()
    try:
        names = shlex.split(paths)
    except ValueError as exc:
        click.echo(f"slopguard: error: paths: {exc}", err=True)
        sys.exit(2)
    inputs = ActionInputs(names, fail_on, sarif_file, workspace)
    try:
        result = run_action(inputs, os.environ)
    except ActionError as exc:
        click.echo(f"slopguard: error: {exc}", err=True)
        sys.exit(2)
    summary_file = os.environ.get("GITHUB_STEP_SUMMARY")
    output_file = os.environ.get("GITHUB_OUTPUT")
    try:
        if summary_file:
            append(Path(summary_file), result.summary)
        if output_file:
            append(Path(output_file), outputs(result, workspace))
    except OSError as exc:
        click.echo(f"slopguard: error: cannot write the runner's files: {exc.strerror or exc}", err=True)
        sys.exit(2)
    click.echo(f"slopguard: {result.findings} finding(s), {result.failing} failing the gate; SARIF in "
               f"{result.sarif}", err=True)  # fmt: skip
    sys.exit(result.exit_code)
