"""How packages are verified: the options every front end passes to the package phase (cheap to import)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class VerifyOptions:
    """How to verify: registries come from the user's pip/npm configuration unless given.

    ``project_dir`` is the project being verified: its own registry settings (a ``.npmrc``) are not used, only
    pointed out, since a scanned project must not choose where the verifier's requests go.
    """

    offline: bool = False
    new_days: int = 30
    concurrency: int = 16
    timeout: float = 10.0
    use_cache: bool = True
    cache_path: Path | None = None
    project_dir: Path = field(default_factory=Path.cwd)
    pypi_index: str | None = None
    npm_registry: str | None = None
    osv_url: str | None = None  # else SLOPGUARD_OSV_URL; never asked when offline
    advisory_files: tuple[Path, ...] = ()  # OSV exports; else SLOPGUARD_ADVISORIES
