"""Pull the code out of a model's answer: fenced blocks (with language tags and file names), several files.

File names come from the fence's info string (```python title="app.py"```, ```app.py```, ```python:app.py```), a
line just before the fence (``# file: app.py``, ``**app.py**``, ``File: `app.py` ``) or a first line inside the block
(``# file: app.py``). Names are model output: they are reduced to safe relative paths before anything uses them.
Shell blocks are kept apart (their install lines are checked, never run).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from slopguard.core.snippets import fenced_blocks
from slopguard.engine.languages import LANGUAGES, fence_names

# Fence labels of the languages slopguard analyses (the language table's), and of shell sessions.
LANG_ALIASES = {f: lang.name for lang in LANGUAGES if lang.analyser in ("python", "tree-sitter") for f in lang.fences}
EXTENSIONS = {"python": ".py", "javascript": ".js", "typescript": ".ts", "java": ".java", "c": ".c", "cpp": ".cpp",
              "rust": ".rs", "go": ".go"}  # fmt: skip
SHELL = fence_names("shell")
_LINE_BREAK = re.compile(r"\r\n?|\n")  # how the Markdown reader counts lines
_NAME_ATTR = re.compile(r"""\b(?:title|file|filename|name|path)\s*=\s*["']?([^"'\s]+)""", re.IGNORECASE)
_FILE_LINE = re.compile(
    r"""^\s*(?:#|//|/\*|--|<!--)?\s*(?:\*\*)?\s*(?:file(?:name)?|path)\s*:\s*[`*"']*(?P<name>[\w./\\-]+\.\w+)""",
    re.IGNORECASE,
)
_BARE_NAME = re.compile(r"""^\s*(?:#+\s*)?[`*"']*(?P<name>[\w./-]+\.[A-Za-z]\w{0,5})[`*"':]*\s*$""")


@dataclass(frozen=True, slots=True)
class CodeFile:
    """One file of an answer: a safe relative name, its language (None: not a scannable language), its text."""

    name: str
    language: str | None
    code: str
    tag: str = ""

    @property
    def lines(self) -> int:
        return sum(1 for line in self.code.splitlines() if line.strip())


@dataclass
class Extracted:
    """The code files of an answer, its shell blocks, and the answer's prose (for install lines outside fences)."""

    files: list[CodeFile] = field(default_factory=list)
    shell: list[str] = field(default_factory=list)

    @property
    def no_code(self) -> bool:
        return not any(f.language for f in self.files)

    def code_files(self) -> list[CodeFile]:
        return [f for f in self.files if f.language]


def safe_name(name: str) -> str | None:
    """A model-chosen file name as a harmless relative path (no drive, no root, no '..'); None if nothing is left."""
    parts = [p for p in PurePosixPath(name.replace("\\", "/")).parts if p not in ("/", ".", "..")]
    parts = [re.sub(r"[^\w.-]", "_", p).lstrip(".") or "_" for p in parts if ":" not in p]
    return "/".join(parts) if parts else None


def language_of(tag: str, name: str | None) -> str | None:
    lang = LANG_ALIASES.get(tag.lower())
    if lang is None and name:
        suffix = PurePosixPath(name).suffix.lower().lstrip(".")
        lang = LANG_ALIASES.get(suffix)
    return lang


def _info(info: str) -> tuple[str, str | None]:
    """(language tag, file name) from a fence's info string."""
    info = info.strip().strip("{}")
    name_match = _NAME_ATTR.search(info)
    name = name_match.group(1) if name_match else None
    head = info.split()[0] if info.split() else ""
    head = head.lstrip(".")
    if ":" in head and not name:  # ```python:app.py
        head, _, name = head.partition(":")
    elif "." in head and not name and head.lower() not in LANG_ALIASES:  # ```app.py
        name, head = head, ""
    if "=" in head:
        head = ""
    return head, name


def _name_before(before: list[str]) -> str | None:
    """A file name on the last non-empty line of ``before`` (the lines above a fence)."""
    while before and not before[-1]:
        before = before[:-1]
    for line in reversed(before[-2:]):
        if not line.strip():
            continue
        m = _FILE_LINE.match(line) or _BARE_NAME.match(line)
        if m is None:
            m2 = re.search(r"`(?P<name>[\w./-]+\.[A-Za-z]\w{0,5})`\s*:?\s*$", line)
            return m2.group("name") if m2 else None
        return m.group("name")
    return None


def _blocks(text: str) -> list[tuple[str, str | None, str]]:
    """(tag, name, body) of every fenced block, in order."""
    lines = _LINE_BREAK.split(text)
    out: list[tuple[str, str | None, str]] = []
    for block in fenced_blocks(text):
        tag, name = _info(block.info)
        body = block.code.rstrip("\n") + "\n" if block.code.strip() else ""
        out.append((tag, name or _name_before(lines[: block.fence_line - 1]), body))
    return out


def _looks_like_python(text: str) -> bool:
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return False
    kinds = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Assign)
    return any(isinstance(node, kinds) for node in tree.body)


def extract_code(answer: str, default_language: str) -> Extracted:
    """The files of an answer. Untagged, unnamed blocks are taken to be ``default_language`` unless they look like
    shell; an answer without fences counts as code only when it is a whole Python module."""
    out = Extracted()
    used: set[str] = set()
    counter = 0
    for tag, raw_name, body in _blocks(answer):
        if not body.strip():
            continue
        first = body.splitlines()[0]
        inner = _FILE_LINE.match(first)
        name = safe_name(raw_name) if raw_name else None
        if name is None and inner:
            name = safe_name(inner.group("name"))
        if tag.lower() in SHELL or (not tag and not name and re.match(r"^\s*(\$\s|pip3? |npm |yarn |pnpm )", body)):
            out.shell.append(body)
            continue
        language = language_of(tag, name) if (tag or name) else default_language
        if name is None:
            counter += 1
            ext = EXTENSIONS.get(language or "", f".{tag.lower() or 'txt'}")
            name = f"file{counter}{ext}" if counter > 1 or language != default_language else f"main{ext}"
        while name in used:
            stem = PurePosixPath(name)
            name = str(stem.with_name(f"{stem.stem}_{len(used)}{stem.suffix}"))
        used.add(name)
        out.files.append(CodeFile(name, language, body, tag))
    if not out.files and not out.shell and default_language == "python" and _looks_like_python(answer):
        out.files.append(CodeFile("main.py", "python", answer if answer.endswith("\n") else answer + "\n"))
    return out


def requirements_lines(files: list[CodeFile]) -> list[str]:
    """Requirement lines of any ``requirements*.txt`` block (each is checked like ``pip install LINE``)."""
    lines: list[str] = []
    for f in files:
        base = PurePosixPath(f.name).name.lower()
        if base.startswith("requirements") and base.endswith((".txt", ".in")):
            lines += [ln.split("#")[0].strip() for ln in f.code.splitlines() if ln.split("#")[0].strip()]
    return [ln for ln in lines if not ln.startswith("-")]
