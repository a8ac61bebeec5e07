"""A probe run: check the target is allowed, discover endpoints, reach the service, run the check families
within the budgets, and collect what they observed."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from slopguard.probe.checks import FAMILIES, PASSIVE
from slopguard.probe.checks.login import sign_in
from slopguard.probe.client import ProbeClient
from slopguard.probe.context import ProbeContext
from slopguard.probe.model import Endpoint, Observation, ProbeOptions
from slopguard.probe.safety import Budget, MethodRefused, Policy, ProbeError, StopProbe, check_target
from slopguard.probe.source_routes import endpoints_from_source
from slopguard.probe.targets import (
    DiscoveryError,
    endpoint_from_url,
    endpoints_from_openapi,
    merge,
    parse_endpoint_spec,
    parse_openapi,
)


@dataclass
class ProbeResult:
    """What a run found and what it cost."""

    target: str
    options: ProbeOptions
    endpoints: list[Endpoint]
    observations: list[Observation] = field(default_factory=list)
    requests: int = 0
    seconds: float = 0.0
    planned: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    stopped: str | None = None


def _openapi_text(source: str, options: ProbeOptions, budget: Budget) -> str:
    if source.startswith(("http://", "https://")):
        check_target(source, options.allow_hosts)
        budget.acquire()
        try:
            response = httpx.get(source, timeout=options.timeout, trust_env=False, follow_redirects=False)
        except httpx.HTTPError as exc:
            raise ProbeError(f"cannot fetch the OpenAPI document {source}: {exc}") from exc
        if response.status_code != 200:
            raise DiscoveryError(f"{source}: HTTP {response.status_code} instead of an OpenAPI document")
        return response.text
    path = Path(source)
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DiscoveryError(f"{source}: cannot read the OpenAPI document ({exc.strerror or exc})") from None


def discover(options: ProbeOptions, budget: Budget) -> list[Endpoint]:
    """Endpoints from every source given; the target URL itself when none is."""
    found: list[Endpoint] = []
    if options.openapi:
        found += endpoints_from_openapi(parse_openapi(_openapi_text(options.openapi, options, budget), options.openapi))
    for source in options.sources:
        if not source.exists():
            raise DiscoveryError(f"{source}: no such file or directory")
        found += endpoints_from_source([source])
    found += [parse_endpoint_spec(spec) for spec in options.endpoints]
    if not (options.openapi or options.sources or options.endpoints):
        parts = urlsplit(options.target)
        found.append(endpoint_from_url(parts.path or "/", parts.query))
    return merge(found)


def run_probe(options: ProbeOptions) -> ProbeResult:
    """Run the probe; ProbeError/DiscoveryError when it must not or cannot start (nothing is sent then)."""
    origin = check_target(options.target, options.allow_hosts)
    parts = urlsplit(options.target)
    explicit = bool(options.openapi or options.sources or options.endpoints)
    prefix = parts.path.rstrip("/") if explicit else ""
    budget = Budget(options.max_requests, options.rate, options.max_seconds)
    endpoints = discover(options, budget)
    if prefix and all(ep.path == prefix or ep.path.startswith(prefix + "/") for ep in endpoints):
        prefix = ""  # the endpoints already carry the URL's path (a server path in the OpenAPI document)
    policy = Policy(origin, options.allow_hosts, options.allow_unsafe, frozenset(options.login_paths))
    creds = dict(options.auth_headers) or (options.identities[0].headers if options.identities else {})
    client = ProbeClient(
        origin + prefix,
        policy,
        budget,
        default_creds=creds,
        secrets=options.secrets,
        dry_run=options.dry_run,
        timeout=options.timeout,
    )
    root = "/" if explicit else (parts.path or "/")
    result = ProbeResult(options.target, options, endpoints)
    started = time.monotonic()
    try:
        if not options.dry_run:
            client.reach(root)
        ctx = ProbeContext(client, options, endpoints, root=root)
        sign_in(ctx)  # with --known-user NAME:PASSWORD: a session to inspect, perhaps a token to use
        chosen = [name for name in FAMILIES if options.families is None or name in options.families]
        for i, name in enumerate(chosen):
            try:
                FAMILIES[name](ctx)
            except MethodRefused as exc:
                ctx.note(str(exc))
            except StopProbe as exc:
                result.stopped = str(exc)
                for late in chosen[i:]:
                    if late in PASSIVE:
                        PASSIVE[late](ctx)
                break
        result.observations = ctx.observations
        result.notes = ctx.notes
    finally:
        client.close()
        result.requests = budget.sent
        result.seconds = time.monotonic() - started
        result.planned = client.planned
    return result
