"""What an editor document is: its path, the language table entry that decides how it is read, its lines."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from pygls.uris import to_fs_path

from slopguard.engine.languages import Language, fence_language, language, language_entry

# The line breaks of the Language Server Protocol (Python's splitlines also breaks at form feeds and the like).
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class Document:
    """One open document: its URI, its path when it is a local file, and its language table entry (None when
    slopguard does not know the kind of file)."""

    uri: str
    path: Path | None
    entry: Language | None

    @property
    def scanned_language(self) -> str | None:
        """The language the scan reads the document as, or None when slopguard cannot analyse it."""
        return self.entry.name if self.entry is not None and self.entry.scanned else None

    @property
    def name(self) -> str:
        """The file name, for messages (the URI when it has no path)."""
        return self.path.name if self.path is not None else self.uri


def document(uri: str, language_id: str) -> Document:
    """The document at ``uri``; its kind comes from its file name, as in a scan. A name without an extension that
    the table does not know (an unsaved buffer) takes the editor's language id instead (``python``,
    ``typescriptreact``)."""
    fs_path = to_fs_path(uri) if uri.startswith("file:") else None
    path = Path(fs_path) if fs_path else None
    entry = language_entry(path) if path is not None else None
    if entry is None and (path is None or not os.path.splitext(path.name)[1]):
        named = fence_language(language_id)
        entry = language(named) if named is not None else None
    return Document(uri, path, entry)


def split_lines(text: str) -> list[str]:
    """The document's lines, split where the protocol splits them, without their line breaks."""
    return _LINE_BREAK.split(text)
