"""Where the model settings come from, and which source may set what.

Flags beat the user's own configuration (``config.toml`` in ``platformdirs.user_config_dir("slopguard")``, table
``[llm]``), which beats the scanned project's ``[tool.slopguard.llm]`` (``[llm]`` in slopguard.toml). The project is
not trusted: it may choose the model, prices, rounds and time-outs, but never where requests go or which secret is
sent. Those keys (``USER_ONLY_KEYS``) are ignored there, with a warning. No file may hold a key itself.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import platformdirs

from slopguard.core.config import find_config

PROVIDERS = ("openai", "anthropic")
CONFIG_KEYS = ("provider", "model", "base-url", "api-key-env", "timeout", "max-retries", "price-in", "price-out",
               "rounds", "max-tokens")  # fmt: skip
# Keys that choose the server (and so where the key goes) or which environment variable is sent as the key.
USER_ONLY_KEYS = frozenset({"provider", "base-url", "api-key-env"})
_NUMERIC = frozenset({"timeout", "price-in", "price-out", "max-retries", "rounds", "max-tokens"})
_SECRET_KEYS = frozenset({"api-key", "api_key", "key", "token", "secret", "password"})


def user_config_path() -> Path:
    """The user's own configuration file (trusted: it may name model servers and key variables)."""
    return Path(platformdirs.user_config_dir("slopguard")) / "config.toml"


def _load(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"{path}: cannot read the configuration: {exc}") from None


def _validate(llm: Any, path: Path) -> dict[str, Any]:
    if not isinstance(llm, dict):
        raise ValueError(f"{path}: [tool.slopguard.llm] must be a table")
    for key, value in llm.items():
        if key.lower() in _SECRET_KEYS:
            raise ValueError(
                f"{path}: [tool.slopguard.llm] must not hold a key ({key!r}); name the environment variable that "
                "holds it with api-key-env (in your user configuration or with --api-key-env) instead"
            )
        if key not in CONFIG_KEYS:
            raise ValueError(f"{path}: unknown key {key!r} in [tool.slopguard.llm] (known: {', '.join(CONFIG_KEYS)})")
        if key in _NUMERIC and (isinstance(value, bool) or not isinstance(value, int | float) or value < 0):
            raise ValueError(f"{path}: [tool.slopguard.llm] {key} must be a non-negative number")
        if key not in _NUMERIC and not isinstance(value, str):
            raise ValueError(f"{path}: [tool.slopguard.llm] {key} must be a string")
    if "provider" in llm and llm["provider"] not in PROVIDERS:
        raise ValueError(f"{path}: unknown provider {llm['provider']!r} (valid: {', '.join(PROVIDERS)})")
    return dict(llm)


def project_llm_table(config: Path | None, start: Path) -> tuple[dict[str, Any], list[str]]:
    """The project's ``[tool.slopguard.llm]`` (from ``config`` or the nearest config above ``start``) without the
    keys only the user may set, and a warning for each key dropped. Raises ValueError naming a bad setting."""
    path = config or find_config(start)
    if path is None:
        return {}, []
    doc = _load(path)
    table: Any = doc.get("tool", {}).get("slopguard", {}) if path.name == "pyproject.toml" else doc
    if isinstance(table, dict) and isinstance(table.get("tool"), dict) and "slopguard" in table["tool"]:
        table = table["tool"]["slopguard"]
    llm = _validate(table.get("llm", {}) if isinstance(table, dict) else {}, path)
    warnings = [
        f"ignoring {key} in {path}: the model server and its key variable come only from flags, the environment "
        f"or your user configuration ({user_config_path()})"
        for key in sorted(USER_ONLY_KEYS & llm.keys())
    ]
    return {k: v for k, v in llm.items() if k not in USER_ONLY_KEYS}, warnings


def user_llm_table(path: Path | None = None) -> dict[str, Any]:
    """The ``[llm]`` table of the user's configuration; {} when there is none."""
    path = path or user_config_path()
    if not path.is_file():
        return {}
    doc = _load(path)
    return _validate(doc.get("llm", {}), path)


def llm_settings(config: Path | None, start: Path) -> tuple[dict[str, Any], list[str]]:
    """The merged table (project keys over the user's, for the keys a project may set) and warnings to show."""
    project, warnings = project_llm_table(config, start)
    return {**user_llm_table(), **project}, warnings


def pick(flags: Mapping[str, Any], table: Mapping[str, Any], flag: str, key: str, default: Any) -> Any:
    """A flag's value, else the configuration's, else ``default``."""
    value = flags.get(flag)
    return value if value is not None else table.get(key, default)
