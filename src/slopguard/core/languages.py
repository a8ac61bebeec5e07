"""Which language a file is, from its name."""

from __future__ import annotations

import os

EXTENSIONS: dict[str, str] = {
    ".py": "python",
    ".pyw": "python",
    ".js": "javascript", ".mjs": "javascript", ".cjs": "javascript", ".jsx": "javascript",
    ".ts": "typescript", ".tsx": "typescript",
    ".java": "java", ".c": "c", ".h": "c", ".cc": "cpp", ".cpp": "cpp", ".cxx": "cpp", ".hpp": "cpp", ".hh": "cpp",
    ".hxx": "cpp", ".mk": "config", ".cmake": "config",
    ".rs": "rust", ".go": "go", ".rb": "ruby", ".php": "php", ".cs": "csharp", ".kt": "kotlin",
    ".sh": "shell", ".bash": "shell",
    ".env": "config", ".ini": "config", ".cfg": "config", ".conf": "config", ".toml": "config",
    ".yaml": "config", ".yml": "config", ".json": "config", ".properties": "config", ".xml": "config",
    ".tf": "config", ".tfvars": "config", ".txt": "config", ".md": "docs",
}  # fmt: skip
NAMES: dict[str, str] = {
    "Dockerfile": "config",
    "Makefile": "config",
    ".npmrc": "config",
    ".pypirc": "config",
}

# Language names the CLI accepts for ``--lang`` (stdin snippets).
STDIN_LANGUAGES = ("python", "config")


def language_of(path: str | os.PathLike[str]) -> str | None:
    """The language of a file, or None for files slopguard does not read."""
    name = os.path.basename(path)
    if name in NAMES:
        return NAMES[name]
    if name.startswith(".env"):
        return "config"
    return EXTENSIONS.get(os.path.splitext(name)[1].lower())
