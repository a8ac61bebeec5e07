"""Nothing from a scanned tree reaches a terminal raw: control characters in file names, messages, code and
reasons are shown escaped (``\\x1b``), so a file cannot clear the screen or print a fake "all clean"."""

from __future__ import annotations

import re

# C0 controls but tab, DEL, C1 controls, and the Unicode line/paragraph separators and bidi overrides that
# reorder what a terminal shows.
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_ODD_NAME = re.compile(r"[\s\"'\\]")


def _escape(match: re.Match[str]) -> str:
    char = match.group(0)
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def printable(text: str) -> str:
    """``text`` with every control character escaped (one line: newlines too)."""
    return _CONTROL.sub(_escape, text)


def printable_lines(text: str) -> str:
    """Like :func:`printable`, keeping line breaks (for code shown over several lines)."""
    return "\n".join(printable(line) for line in text.split("\n"))


def printable_path(path: str) -> str:
    """A file name for a terminal: escaped, and quoted when it holds spaces, quotes, backslashes or escapes."""
    if printable(path) == path and not _ODD_NAME.search(path):
        return path
    return '"' + printable(path.replace("\\", "\\\\").replace('"', '\\"')) + '"'
