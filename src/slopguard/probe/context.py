"""What every check works with: the client, the endpoints, the options, and a place to record observations."""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from slopguard.core.finding import Confidence, Severity
from slopguard.probe.client import Exchange, ProbeClient
from slopguard.probe.model import Endpoint, Identity, Observation, ProbeOptions


def excerpt(text: str, needle: str | None = None, width: int = 160) -> str:
    """One line of the response around ``needle`` (or its start), whitespace collapsed."""
    start = 0
    if needle:
        found = text.find(needle)
        start = max(0, found - width // 3) if found >= 0 else 0
    piece = re.sub(r"\s+", " ", text[start : start + width]).strip()
    return ("..." if start > 0 else "") + piece + ("..." if start + width < len(text) else "")


@dataclass
class ProbeContext:
    client: ProbeClient
    options: ProbeOptions
    endpoints: list[Endpoint]
    observations: list[Observation] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    root: str = "/"
    marker: str = field(default_factory=lambda: secrets.token_hex(3))
    _baselines: dict[tuple[str, str], Exchange] = field(default_factory=dict)

    @property
    def dry_run(self) -> bool:
        return self.options.dry_run

    def allowed(self, ep: Endpoint) -> bool:
        return self.client.policy.method_allowed(ep.method, ep.path)

    def targets(self) -> list[Endpoint]:
        """Endpoints the probe may send to; the others are noted once."""
        out = []
        for ep in self.endpoints:
            if self.allowed(ep):
                out.append(ep)
            else:
                self.note(f"{ep.label}: skipped (non-idempotent; pass --allow-unsafe-methods or --login)")
        return out

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    @property
    def identities(self) -> list[Identity]:
        return self.options.identities

    @property
    def has_credentials(self) -> bool:
        return bool(self.client.default_creds)

    def path_of(self, ep: Endpoint, values: Mapping[str, Any]) -> str:
        path = ep.path
        for name in ep.path_params:
            param = ep.param(name)
            value = values.get(name, param.example if param else "1")
            path = path.replace("{" + name + "}", quote(str(value), safe=""))
        return path

    def request(
        self,
        ep: Endpoint,
        values: Mapping[str, Any] | None = None,
        *,
        creds: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        content: tuple[str, str] | None = None,
        timeout: float | None = None,
    ) -> Exchange:
        """Send the endpoint with its example values, ``values`` overriding some; ``content`` = (type, raw body)
        replaces the body."""
        values = values or {}
        query: list[tuple[str, str]] = []
        form: dict[str, Any] = {}
        body: dict[str, Any] = {}
        for p in ep.params:
            value = values.get(p.name, p.example)
            if p.where == "query":
                query.append((p.name, str(value)))
            elif p.where == "form":
                form[p.name] = value
            elif p.where == "json":
                body[p.name] = value
        all_headers = dict(headers or {})
        raw = None
        if content is not None:
            all_headers["Content-Type"], raw = content
            form, body = {}, {}
        return self.client.send(
            ep.method,
            self.path_of(ep, values),
            query=query,
            form=form or None,
            json_body=body or None,
            content=raw,
            headers=all_headers,
            creds=creds,
            timeout=timeout,
        )

    def baseline(self, ep: Endpoint) -> Exchange:
        """The endpoint with its ordinary values (default credentials), sent once per run."""
        if ep.key not in self._baselines:
            self._baselines[ep.key] = self.request(ep)
        return self._baselines[ep.key]

    def found(self, rule_id: str, ep: Endpoint, parameter: str | None = None) -> bool:
        return any(
            o.rule_id == rule_id and o.method == ep.method and o.path == ep.path and o.parameter == parameter
            for o in self.observations
        )

    def observe(
        self,
        rule_id: str,
        ep: Endpoint | None,
        parameter: str | None,
        message: str,
        exchange: Exchange | None,
        evidence: str = "",
        *,
        severity: Severity | None = None,
        confidence: Confidence | None = None,
    ) -> None:
        if self.dry_run:
            return
        method, path = (ep.method, ep.path) if ep else ((exchange.method, exchange.path) if exchange else ("", "/"))
        self.observations.append(
            Observation(
                rule_id,
                method,
                path.split("?")[0],
                parameter,
                self.client.redact(message),
                exchange.request if exchange else "",
                self.client.redact(evidence),
                severity,
                confidence,
            )
        )
