"""Whose input a value holds: a remote client's (request, socket, CGI body) or the operator's (command line,
terminal, the program's own files), for the rules that only judge what a remote attacker sends."""

from __future__ import annotations

import re

from slopguard.engine.flow import Flow

# Input typed at the terminal or read from the program's own files: the operator's, not a remote attacker's.
_LOCAL_INPUT = re.compile(
    r"\bargv\b|^(?:std::)?(?:fgets|fgetws|gets|getline|getdelim|scanf|fscanf|wscanf|fwscanf|fread|getpass)\b"
    r"|>> input$|\.(?:read|readsome|get|getline)\(\) input$"
)


def remote(flow: Flow) -> bool:
    """The value holds input a remote client chose."""
    return flow.tainted and not _LOCAL_INPUT.search(flow.origin)
