"""Before an agent runs a shell command: the packages its install commands name (``pip install``, ``uv add``,
``poetry add``, ``npm install``, ``yarn add``, ...) verified through the pipeline, and one decision.

``deny`` when a package fails the gate (missing, typosquat, brand new, vulnerable pin, ...); ``ask`` when a
package could not be verified (the registry did not answer: never "ok", but the user may decide); ``allow``
otherwise, including commands that install nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from slopguard.core.config import ConfigError
from slopguard.core.verdict import UNVERIFIED_RULE, failing
from slopguard.deps.collect import from_commands
from slopguard.hooks.edit import settings_for
from slopguard.pipeline.packages import check
from slopguard.pipeline.scan import verify_options
from slopguard.report.escape import printable

MAX_COMMAND_CHARS = 100_000
COMMAND_DISPLAY = "<command>"
# Where one shell command ends and the next begins; each part is read as a line of its own.
_SEPARATORS = re.compile(r"&&|\|\||[;|&\n()]")


class Decision(StrEnum):
    ALLOW = "allow"
    ASK = "ask"
    DENY = "deny"


@dataclass(frozen=True, slots=True)
class ShellCheck:
    decision: Decision
    reason: str = ""


def install_lines(command: str) -> str:
    """The command with every shell separator turned into a line break, so that ``cd app && pip install x``
    reads as the install command it contains."""
    return "\n".join(part.strip() for part in _SEPARATORS.split(command))


def check_command(command: str, project: Path) -> ShellCheck:
    """The decision on the packages ``command`` would install, verified as ``slopguard check`` does."""
    if len(command) > MAX_COMMAND_CHARS:
        return ShellCheck(Decision.ASK, f"slopguard: the command is longer than {MAX_COMMAND_CHARS} characters")
    lines = install_lines(command)
    refs = from_commands(lines, COMMAND_DISPLAY)
    if not refs:
        return ShellCheck(Decision.ALLOW)
    try:
        settings = settings_for(project, project)
    except ConfigError as exc:
        return ShellCheck(Decision.ASK, f"slopguard could not verify the packages: {exc}")
    outcome = check(settings.root, refs, verify_options(settings), {COMMAND_DISPLAY: lines})
    failed = failing(outcome.findings, settings.fail_on, settings.allow_unknown, settings.min_confidence)
    hard = [f for f in failed if f.rule_id != UNVERIFIED_RULE]
    chosen = hard or failed
    if not chosen:
        return ShellCheck(Decision.ALLOW)
    what = "would install a package that fails the check" if hard else "names a package that could not be verified"
    reason = [f"slopguard: this command {what}:"]
    reason += [f"- {printable(' '.join(f.message.split()))} ({f.rule_id})" for f in chosen]
    if hard:
        reason.append("Use a package that exists and is established (check it with `slopguard check NAME`).")
    else:
        reason.append("Nothing is known about it: check the package yourself before this command runs.")
    return ShellCheck(Decision.DENY if hard else Decision.ASK, "\n".join(reason))
