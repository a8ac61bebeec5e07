"""An agent's hook payload: one JSON object on stdin, read bounded, and the few fields the hooks use.

The payload is written by the agent's harness, but its file paths and commands come from the model: nothing in it
is trusted to say where the project is beyond what the harness itself reports (its environment and ``cwd``), and
a file outside the project is never scanned.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

MAX_PAYLOAD_BYTES = 4_000_000  # an Edit payload carries the old and new text; a larger one is refused


class PayloadError(Exception):
    """The payload is not a JSON object slopguard can read; the message says why."""


def read_payload(stream: IO[bytes]) -> dict[str, Any]:
    """The JSON object on ``stream``, at most :data:`MAX_PAYLOAD_BYTES`."""
    data = stream.read(MAX_PAYLOAD_BYTES + 1)
    if len(data) > MAX_PAYLOAD_BYTES:
        raise PayloadError(f"hook payload is larger than {MAX_PAYLOAD_BYTES} bytes")
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PayloadError(f"hook payload is not JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise PayloadError("hook payload is not a JSON object")
    return doc


def text_field(doc: Mapping[str, Any], *keys: str) -> str | None:
    """The string at ``doc[keys[0]][keys[1]]...``, or None when any step is missing or not of the right type."""
    value: Any = doc
    for key in keys:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value if isinstance(value, str) and value else None


def project_dir(doc: Mapping[str, Any], env: Mapping[str, str], env_key: str | None) -> Path | None:
    """The project the agent works in: its harness's environment variable, else the payload's first workspace
    root (Cursor), else its ``cwd``."""
    named = env.get(env_key) if env_key else None
    roots = doc.get("workspace_roots")
    first_root = roots[0] if isinstance(roots, list) and roots and isinstance(roots[0], str) else None
    chosen = named or first_root or text_field(doc, "cwd")
    return Path(chosen).resolve() if chosen else None


def inside(path: Path, project: Path) -> Path | None:
    """``path`` (relative paths are taken from the project) resolved, when it lies inside ``project``."""
    full = (path if path.is_absolute() else project / path).resolve()
    return full if full == project or project in full.parents else None
