"""A probe run: check the target is allowed, discover endpoints, reach the service, run the check families
within the budgets, and collect what they observed and what they could not check (fail closed: a check whose
requests got no usable answer, or that never ran, is reported as incomplete, never as passed)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from slopguard.probe.checks import FAMILIES, PASSIVE
from slopguard.probe.checks.login import sign_in
from slopguard.probe.client import MAX_BODY_BYTES, ProbeClient, read_capped
from slopguard.probe.context import ProbeContext
from slopguard.probe.model import Endpoint, Observation, ProbeOptions
from slopguard.probe.safety import (
    Budget,
    NoAnswer,
    Policy,
    ProbeError,
    Refused,
    RouteRefused,
    StopProbe,
    check_target,
    path_problem,
)
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
    incomplete: list[str] = field(default_factory=list)  # what could not be checked, and why


MAX_DOCUMENT_BYTES = 8 * MAX_BODY_BYTES


def _openapi_text(source: str, options: ProbeOptions, budget: Budget) -> str:
    if source.startswith(("http://", "https://")):
        check_target(source, options.allow_hosts)
        budget.acquire()
        try:
            with (
                httpx.Client(timeout=options.timeout, trust_env=False, follow_redirects=False) as http,
                http.stream("GET", source) as response,
            ):
                if response.status_code != 200:
                    raise DiscoveryError(f"{source}: HTTP {response.status_code} instead of an OpenAPI document")
                body = read_capped(response, MAX_DOCUMENT_BYTES)
                encoding = response.encoding or "utf-8"
        except httpx.HTTPError as exc:
            raise ProbeError(f"cannot fetch the OpenAPI document {source}: {exc}") from exc
        if body is None:
            raise DiscoveryError(
                f"{source}: answer too large (over {MAX_DOCUMENT_BYTES} bytes) for an OpenAPI document"
            )
        return body.decode(encoding, errors="replace")
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


def sendable(endpoints: list[Endpoint]) -> tuple[list[Endpoint], list[str]]:
    """The endpoints whose path may be sent to the target, and why each of the others is not probed (a path from
    an OpenAPI document or from source code is not trusted to stay on the target)."""
    kept: list[Endpoint] = []
    refused: list[str] = []
    for ep in endpoints:
        problem = path_problem(ep.path)
        if problem:
            refused.append(f"{ep.method} {ep.path!r}: not probed: {problem}")
        else:
            kept.append(ep)
    return kept, refused


def _unanswered(family: str, client: ProbeClient, start: int) -> str | None:
    lost = [x for x in client.history[start:] if x.unanswered]
    if not lost:
        return None
    reasons = sorted({client.problem(x) for x in lost})
    where = sorted({f"{x.method} {x.path.split('?')[0]}" for x in lost})
    shown = ", ".join(where[:3]) + (f" and {len(where) - 3} more" if len(where) > 3 else "")
    return f"{family}: unknown for {shown}: {len(lost)} request(s) got no usable answer ({'; '.join(reasons)})"


def run_probe(options: ProbeOptions) -> ProbeResult:
    """Run the probe; ProbeError/DiscoveryError when it must not or cannot start (nothing is sent then)."""
    origin = check_target(options.target, options.allow_hosts)
    parts = urlsplit(options.target)
    explicit = bool(options.openapi or options.sources or options.endpoints)
    prefix = parts.path.rstrip("/") if explicit else ""
    budget = Budget(options.max_requests, options.rate, options.max_seconds)
    endpoints, refused = sendable(discover(options, budget))
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
    result = ProbeResult(options.target, options, endpoints, incomplete=refused)
    chosen = [name for name in FAMILIES if options.families is None or name in options.families]
    started = time.monotonic()
    try:
        ctx = ProbeContext(client, options, endpoints, root=root)
        try:
            if not options.dry_run and client.reach(root).timed_out:
                raise NoAnswer(f"{client.base} accepted the connection but sent no answer to GET {root} within "
                               f"{options.timeout:g}s")  # fmt: skip
            start = len(client.history)
            sign_in(ctx)  # with --known-user NAME:PASSWORD: a session to inspect, perhaps a token to use
            lost = _unanswered("sign-in", client, start)
            if lost:
                result.incomplete.append(lost)
        except StopProbe as exc:
            _stop(result, ctx, chosen, exc)
        else:
            _run_families(result, ctx, chosen)
        result.observations = ctx.observations
        result.notes = ctx.notes
    finally:
        client.close()
        result.requests = budget.sent
        result.seconds = time.monotonic() - started
        result.planned = client.planned
    return result


def _run_families(result: ProbeResult, ctx: ProbeContext, chosen: list[str]) -> None:
    for i, name in enumerate(chosen):
        start = len(ctx.client.history)
        try:
            FAMILIES[name](ctx)
        except Refused as exc:
            ctx.note(str(exc))
            if isinstance(exc, RouteRefused):
                result.incomplete.append(f"{name}: stopped early: {exc}")
        except StopProbe as exc:
            _stop(result, ctx, chosen[i:], exc)
            break
        finally:
            lost = _unanswered(name, ctx.client, start)
            if lost:
                result.incomplete.append(lost)


def _stop(result: ProbeResult, ctx: ProbeContext, rest: list[str], reason: StopProbe) -> None:
    """Nothing more is sent: the families left are not run (or run only over the answers already received)."""
    result.stopped = str(reason)
    for name in rest:
        if name in PASSIVE:
            PASSIVE[name](ctx)
        if FAMILIES[name] is not PASSIVE.get(name):
            result.incomplete.append(f"{name}: not run to the end: {reason}")
