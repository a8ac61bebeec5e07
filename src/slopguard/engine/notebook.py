"""Jupyter notebooks: their code cells, read as one Python file, and findings put back on the notebook's lines.

The code cells are joined in order (IPython ``%magic`` and ``!shell`` lines become ``pass`` so the rest still
parses; a cell run by a cell magic such as ``%%bash`` is left out). A finding's location is the line of the
``.ipynb`` file that holds that source line (Jupyter writes one JSON string per source line), and its message
starts with ``cell N, line M`` so it can be found in the notebook editor too.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace

from slopguard.core.finding import Finding
from slopguard.core.report import FileResult

_SOURCE_KEY = re.compile(r'^\s*"source"\s*:\s*(?P<rest>.*)$')
_MAGIC = re.compile(r"^(?P<indent>\s*)[%!]")
_PYTHON = ("python", "python3", "ipython", "ipython3", "")


class NotebookError(Exception):
    """The file is not a notebook slopguard can read."""


@dataclass(frozen=True, slots=True)
class SourceLine:
    """Where one line of the joined code comes from: cell number and line in the cell (both from 1), and the
    line of the .ipynb file (0 when it could not be found)."""

    cell: int
    line: int
    file_line: int


@dataclass
class NotebookCode:
    """The joined code of a notebook's code cells and, per line of it, where it comes from."""

    text: str
    origins: list[SourceLine] = field(default_factory=list)

    def origin(self, line: int) -> SourceLine | None:
        return self.origins[line - 1] if 0 < line <= len(self.origins) else None

    def to_notebook(self, display: str, inner: FileResult) -> FileResult:
        """The joined code's result, with every line number moved to the notebook's own lines."""
        findings = [self._moved(f) for f in inner.findings]
        imports = [(module, self._file_line(n)) for module, n in inner.imports]
        dropped = [(self._file_line(n), why) for n, why in inner.dropped]
        return FileResult(display, findings, inner.skipped, imports, dropped)

    def _file_line(self, line: int) -> int:
        origin = self.origin(line)
        return origin.file_line if origin is not None and origin.file_line else 1

    def _moved(self, f: Finding) -> Finding:
        origin = self.origin(f.location.start_line)
        if origin is None:
            return f
        span = f.location.end_line - f.location.start_line
        start = origin.file_line or 1
        location = replace(f.location, start_line=start, end_line=start + span if origin.file_line else start)
        return replace(f, location=location, message=f"cell {origin.cell}, line {origin.line}: {f.message}")


def notebook_code(data: bytes) -> NotebookCode:
    """The code cells of a notebook (nbformat 4) as one Python text. Raises NotebookError."""
    try:
        doc = json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise NotebookError(f"not valid JSON: {exc}") from None
    cells = doc.get("cells") if isinstance(doc, dict) else None
    if not isinstance(cells, list):
        raise NotebookError("no 'cells' list (only nbformat 4 notebooks are read)")
    language = _language(doc)
    if language not in _PYTHON:
        raise NotebookError(f"its kernel language is {language!r}; only Python notebooks are analysed")
    sources = [_source(cell) for cell in cells]
    places = _source_lines(data.decode("utf-8", "replace"), sources)
    code: list[str] = []
    origins: list[SourceLine] = []
    number = 0
    for index, (cell, source) in enumerate(zip(cells, sources, strict=True)):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        number += 1
        lines = "".join(source).splitlines()
        if lines and lines[0].lstrip().startswith("%%"):
            lines = [""] * len(lines)  # run by a cell magic (%%bash, %%sql): not Python
        for i, line in enumerate(lines):
            magic = _MAGIC.match(line)
            code.append(f"{magic.group('indent')}pass" if magic else line)
            file_line = places[index][i] if i < len(places[index]) else 0
            origins.append(SourceLine(number, i + 1, file_line))
    return NotebookCode("\n".join(code) + "\n", origins)


def _language(doc: dict[str, object]) -> str:
    metadata = doc.get("metadata")
    if not isinstance(metadata, dict):
        return ""
    for key in ("kernelspec", "language_info"):
        table = metadata.get(key)
        if isinstance(table, dict):
            name = table.get("language") if key == "kernelspec" else table.get("name")
            if isinstance(name, str) and name:
                return name.lower()
    return ""


def _source(cell: object) -> list[str]:
    source = cell.get("source", []) if isinstance(cell, dict) else []
    if isinstance(source, str):
        return source.splitlines(keepends=True)
    return [s for s in source if isinstance(s, str)] if isinstance(source, list) else []


def _source_lines(raw: str, sources: list[list[str]]) -> list[list[int]]:
    """For each cell, the .ipynb line of each of its source lines, as Jupyter lays them out (one JSON string per
    line after ``"source": [``); an empty list for a cell laid out otherwise."""
    lines = raw.splitlines()
    found: list[list[int]] = []
    i = 0
    for source in sources:
        places: list[int] = []
        while i < len(lines) and not _SOURCE_KEY.match(lines[i]):
            i += 1
        if i == len(lines):
            found.append([])
            continue
        rest = _SOURCE_KEY.match(lines[i]).group("rest")  # type: ignore[union-attr]
        one_per_line = all("\n" not in s[:-1] for s in source)
        if rest.startswith("[") and rest.rstrip(",").strip() != "[]" and one_per_line:
            for j, expected in enumerate(source):
                k = i + 1 + j
                if k >= len(lines) or _json_string(lines[k]) != expected:
                    places = []
                    break
                places.append(k + 1)
        elif rest.startswith('"') and len(source) <= 1:
            places = [i + 1]
        found.append(places)
        i += 1
    return found


def _json_string(line: str) -> str | None:
    try:
        value = json.loads(line.strip().rstrip(","))
    except ValueError:
        return None
    return value if isinstance(value, str) else None
