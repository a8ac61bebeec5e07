"""Settings from ``[tool.slopguard]`` in pyproject.toml or ``slopguard.toml``; CLI flags override them."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from slopguard.core.finding import Confidence, Severity

FORMATS = ("text", "json", "sarif", "concise", "github", "gitlab", "junit")  # the reporters registered in report/


class ConfigError(Exception):
    """A bad setting; the message names the key and the file."""


@dataclass(frozen=True)
class Settings:
    """Every scan setting, with its default."""

    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    fail_on: Severity = Severity.HIGH
    min_confidence: Confidence = Confidence.MEDIUM  # findings less sure than this never fail the gate
    roles: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (role, globs): files matching take that role
    role_policy: bool = True  # tests/examples: hygiene findings are low; vendored/minified/generated left out
    format: str = "text"
    output: Path | None = None
    jobs: int = 0
    cache: bool = True
    cache_dir: Path | None = None
    baseline: Path | None = None
    max_file_size: int = 5_000_000
    time_budget: float = 20.0  # seconds of analysis per file before it is skipped as a runaway
    allow_skipped: bool = False  # files that could not be analysed do not make the scan incomplete (exit 3)
    respect_gitignore: bool = True
    deps: bool = True
    transitive: bool = False  # verify every package a lockfile pins, not only the project's direct dependencies
    offline: bool = False
    allow_unknown: bool = False
    new_days: int = 30
    require_review: bool = False
    root: Path = field(default_factory=Path.cwd)
    source: Path | None = None

    def with_overrides(self, **changes: Any) -> Settings:
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


def _strings(key: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ConfigError(f"'{key}' must be a string or a list of strings, not {value!r}")


def _bool(key: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise ConfigError(f"'{key}' must be true or false, not {value!r}")


def _int(key: str, value: Any, minimum: int) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value >= minimum:
        return value
    raise ConfigError(f"'{key}' must be an integer >= {minimum}, not {value!r}")


def _confidence(key: str, value: Any) -> Confidence:
    try:
        return Confidence.parse(str(value))
    except ValueError as exc:
        raise ConfigError(f"'{key}': {exc}") from None


def _roles(key: str, value: Any) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """``roles = {test = ["qa/**"], source = ["examples/app/**"]}``: role names are checked where they are used."""
    if not isinstance(value, dict):
        raise ConfigError(f"'{key}' must be a table of role = [globs], not {value!r}")
    known = ("source", "test", "example", "generated", "vendored", "minified")
    out = []
    for role, globs in value.items():
        if role not in known:
            raise ConfigError(f"'{key}': unknown role {role!r} (choose from {', '.join(known)})")
        out.append((role, _strings(f"{key}.{role}", globs)))
    return tuple(out)


def _severity(key: str, value: Any) -> Severity:
    try:
        return Severity.parse(str(value))
    except ValueError as exc:
        raise ConfigError(f"'{key}': {exc}") from None


def _format(key: str, value: Any) -> str:
    if value in FORMATS:
        return str(value)
    raise ConfigError(f"'{key}' must be one of {', '.join(FORMATS)}, not {value!r}")


def _seconds(key: str, value: Any) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return float(value)
    raise ConfigError(f"'{key}' must be a number of seconds > 0, not {value!r}")


def _user_only(key: str, value: Any) -> Any:
    raise ConfigError(
        f"'{key}' cannot be set in a project's configuration: a scanned tree must not choose where slopguard "
        f"keeps its cache; use --cache-dir or SLOPGUARD_CACHE_DIR"
    )


def _path(base: Path) -> Any:
    def convert(key: str, value: Any) -> Path:
        if isinstance(value, str) and value:
            return base / value
        raise ConfigError(f"'{key}' must be a path string, not {value!r}")

    return convert


def parse_table(table: dict[str, Any], base: Path) -> dict[str, Any]:
    """Validate one config table; keys use dashes (``fail-on``) like the CLI flags."""
    converters: dict[str, Any] = {
        "select": _strings,
        "ignore": _strings,
        "exclude": _strings,
        "extend-exclude": _strings,
        "fail-on": _severity,
        "min-confidence": _confidence,
        "roles": _roles,
        "role-policy": _bool,
        "format": _format,
        "output": _path(base),
        "jobs": lambda k, v: _int(k, v, 0),
        "cache": _bool,
        "cache-dir": _user_only,
        "baseline": _path(base),
        "max-file-size": lambda k, v: _int(k, v, 1),
        "time-budget": _seconds,
        "allow-skipped": _bool,
        "respect-gitignore": _bool,
        "deps": _bool,
        "transitive": _bool,
        "offline": _bool,
        "allow-unknown": _bool,
        "new-days": lambda k, v: _int(k, v, 0),
        "require-review": _bool,
    }
    known = {f.name for f in fields(Settings)}
    out: dict[str, Any] = {}
    for key, value in table.items():
        if isinstance(value, dict) and key != "roles":
            continue  # sub-tables belong to other commands ([tool.slopguard.deps], ...)
        convert = converters.get(key)
        if convert is None:
            choices = ", ".join(sorted(converters))
            raise ConfigError(f"unknown key '{key}' (known keys: {choices})")
        name = key.replace("-", "_")
        value = convert(key, value)
        if name == "extend_exclude":
            out["exclude"] = (*out.get("exclude", ()), *value)
            continue
        assert name in known
        out[name] = value
    return out


def find_config(start: Path) -> Path | None:
    """The nearest slopguard.toml, or pyproject.toml with a [tool.slopguard] table, at or above ``start``."""
    import tomllib

    start = start.resolve()
    for directory in [start, *start.parents]:
        candidate = directory / "slopguard.toml"
        if candidate.is_file():
            return candidate
        pyproject = directory / "pyproject.toml"
        if pyproject.is_file():
            try:
                if "slopguard" in tomllib.loads(pyproject.read_text(encoding="utf-8")).get("tool", {}):
                    return pyproject
            except (OSError, tomllib.TOMLDecodeError):
                return pyproject  # let load_settings report the problem
    return None


def load_settings(config: Path | None, start: Path) -> Settings:
    """Settings from ``config`` (or the nearest config file above ``start``), defaults otherwise."""
    import tomllib

    path = config or find_config(start)
    if path is None:
        return Settings(root=Path.cwd())
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from exc
    table = doc.get("tool", {}).get("slopguard", {}) if path.name == "pyproject.toml" else doc
    if path.name != "pyproject.toml" and "tool" in table and "slopguard" in table["tool"]:
        table = table["tool"]["slopguard"]
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.slopguard] must be a table")
    base = path.parent.resolve()
    try:
        values = parse_table(table, base)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    return Settings(root=base, source=path, **values)
