"""The workspace the tools work in: a root that file arguments cannot leave, the user's settings, input limits."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path, PurePath

from slopguard.core.config import Settings

MAX_SNIPPET_CHARS = 256_000  # a snippet or an answer
MAX_TEXT_CHARS = 10_000  # a task description
MAX_PATH_CHARS = 4_096
MAX_PATHS = 50
MAX_PACKAGES = 50
MAX_NAME_CHARS = 214  # npm's limit on a package name, longer than any PyPI name in use
MAX_REVISION_CHARS = 200
MAX_FINDINGS = 500  # findings returned by one scan; the total is always reported


class OutsideWorkspace(ValueError):
    """A path argument that is not a file or folder inside the workspace root."""


@dataclass
class Workspace:
    """The root (resolved), the settings every tool scans with, and a lock: one tool runs at a time, since
    a scan already uses the CPU and the rule registry is loaded on first use."""

    root: Path
    settings: Settings
    lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def open(cls, root: Path, settings: Settings) -> Workspace:
        real = root.resolve(strict=True)
        return cls(real, settings.with_overrides(root=real))

    def resolve(self, given: str) -> Path:
        """``given`` (relative to the root, or absolute) as a real path inside the root; symlinks are followed
        before the check, so none leads out. Raises OutsideWorkspace otherwise."""
        if not given.strip() or "\0" in given:
            raise OutsideWorkspace("empty path")
        if ".." in PurePath(given).parts:
            raise OutsideWorkspace(f"{given}: '..' is not allowed; give a path inside the workspace root")
        candidate = Path(given) if Path(given).is_absolute() else self.root / given
        try:
            real = candidate.resolve(strict=True)
        except FileNotFoundError:
            raise OutsideWorkspace(f"{given}: no such file or directory in the workspace") from None
        except (OSError, RuntimeError) as exc:  # a symlink loop, a permission problem
            raise OutsideWorkspace(f"{given}: cannot be resolved ({exc})") from None
        if real != self.root and self.root not in real.parents:
            raise OutsideWorkspace(f"{given}: outside the workspace root {self.root}")
        return real

    def display(self, path: Path) -> str:
        """``path`` relative to the root, as the scanner names files."""
        return path.relative_to(self.root).as_posix() if path != self.root else "."
