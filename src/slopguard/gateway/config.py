"""Where the gateway forwards and how much it accepts: flags over the user's own ``[gateway]`` table.

Only the user chooses the upstream: ``--upstream`` or ``upstream`` in the ``[gateway]`` table of the user's
configuration file (the same ``config.toml`` as the ``[llm]`` table). No project configuration and no request
header is read for it, so neither a scanned repository nor a client can send the keys somewhere else.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from slopguard.core.finding import Severity
from slopguard.guide.instructions import PromptOptions, instructions
from slopguard.llm.settings import user_config_path

CONFIG_KEYS = ("upstream", "anthropic-upstream", "block-on", "timeout", "max-request-bytes", "max-response-bytes")
_STRINGS = frozenset({"upstream", "anthropic-upstream", "block-on"})


@dataclass(frozen=True)
class Limits:
    """Bounds on every exchange: request body, upstream answer (streamed bytes included) and waiting."""

    request_bytes: int = 4 * 1024 * 1024
    response_bytes: int = 16 * 1024 * 1024
    timeout: float = 600.0  # seconds the upstream may stay silent (generation is slow on local models)
    connect_timeout: float = 10.0


@dataclass(frozen=True)
class GatewayConfig:
    """The upstream base URLs (as an SDK's ``base_url``, e.g. ``http://127.0.0.1:11434/v1``), the instructions
    added to every request ("" for none) and the limits."""

    upstream: str
    anthropic_upstream: str
    instructions: str = ""
    limits: Limits = field(default_factory=Limits)

    def target(self, api_path: str, anthropic: bool = False) -> str:
        """The upstream URL for a gateway path under ``/v1`` (``/v1/chat/completions`` -> ``<base>/chat/...``)."""
        base = self.anthropic_upstream if anthropic else self.upstream
        return base + api_path.removeprefix("/v1")


def security_instructions(languages: tuple[str, ...]) -> str:
    """The text ``slopguard prompt`` writes: the general sections, plus the rule list of each language named."""
    return instructions(PromptOptions(languages=languages), "markdown")


def check_url(url: str, source: str) -> str:
    """``url`` without a trailing slash; raises ValueError unless it is an http(s) URL with a host."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or any(c.isspace() for c in url):
        raise ValueError(f"{source} must be an http(s) URL with a host, not {url!r}")
    if parts.query or parts.fragment:
        raise ValueError(f"{source} must not have a query or fragment: {url!r}")
    return url.rstrip("/")


def user_gateway_table(path: Path | None = None) -> dict[str, Any]:
    """The ``[gateway]`` table of the user's configuration ({} when there is none), validated."""
    path = path or user_config_path()
    if not path.is_file():
        return {}
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"{path}: cannot read the configuration: {exc}") from None
    table = doc.get("gateway", {})
    if not isinstance(table, dict):
        raise ValueError(f"{path}: [gateway] must be a table")
    for key, value in table.items():
        if key not in CONFIG_KEYS:
            raise ValueError(f"{path}: unknown key {key!r} in [gateway] (known: {', '.join(CONFIG_KEYS)})")
        if key in _STRINGS and not isinstance(value, str):
            raise ValueError(f"{path}: [gateway] {key} must be a string")
        if key not in _STRINGS and (isinstance(value, bool) or not isinstance(value, int | float) or value <= 0):
            raise ValueError(f"{path}: [gateway] {key} must be a positive number")
    return dict(table)


def resolve(flags: Mapping[str, Any], table: Mapping[str, Any], instructions: str) -> GatewayConfig:
    """The configuration from flags (None: not given) over the user's table. Raises ValueError for a missing or
    malformed upstream."""

    def pick(flag: str, key: str) -> Any:
        value = flags.get(flag)
        return value if value is not None else table.get(key)

    raw = pick("upstream", "upstream")
    if not raw:
        raise ValueError(
            f"no upstream: pass --upstream URL or set upstream in the [gateway] table of {user_config_path()}"
        )
    upstream = check_url(raw, "the upstream")
    anthropic = pick("anthropic_upstream", "anthropic-upstream")
    defaults = Limits()
    limits = Limits(
        request_bytes=int(pick("max_request_bytes", "max-request-bytes") or defaults.request_bytes),
        response_bytes=int(pick("max_response_bytes", "max-response-bytes") or defaults.response_bytes),
        timeout=float(pick("timeout", "timeout") or defaults.timeout),
    )
    return GatewayConfig(
        upstream=upstream,
        anthropic_upstream=check_url(anthropic, "the Anthropic upstream") if anthropic else upstream,
        instructions=instructions,
        limits=limits,
    )


def block_level(flags: Mapping[str, Any], table: Mapping[str, Any]) -> Severity | None:
    """The severity at which answers are blocked (None: annotate only). Raises ValueError for a bad name."""
    value = flags.get("block_on") or table.get("block-on")
    return Severity.parse(value) if value else None
