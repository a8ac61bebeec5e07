"""Shells and the flags that hand them a script, for the command injection rules of every language: a
``sh -c "..."`` / ``cmd /c "..."`` argument vector runs a command line, whatever API started it."""

from __future__ import annotations

import re

_SHELLS = frozenset({"sh", "bash", "zsh", "dash", "ksh", "mksh", "ash", "fish", "cmd", "powershell", "pwsh"})
# -c and combined flags (-lc, -ec), cmd's /c and /k, PowerShell's -Command and -EncodedCommand.
_SCRIPT_FLAG = re.compile(r"^(?:-[a-zA-Z]*c[a-zA-Z]*|/[cCkK]|-(?i:command|encodedcommand))$")


def shell_name(program: str) -> str:
    """The program's file name as a shell would be named: ``/usr/bin/bash`` -> bash, ``C:\\...\\cmd.exe`` -> cmd."""
    name = program.strip().replace("\\", "/").rsplit("/", 1)[-1].lower()
    return name.removesuffix(".exe")


def is_shell(program: str) -> bool:
    """Whether ``program`` (a name or a path) is a command interpreter."""
    return shell_name(program) in _SHELLS


def is_script_flag(argument: str) -> bool:
    """Whether a shell argument makes the next one a script: ``-c``, ``-lc``, ``/c``, ``-Command``."""
    return bool(_SCRIPT_FLAG.match(argument))
