"""``slopguard probe URL``: attack a running HTTP service the way an attacker would, within strict bounds."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from slopguard.probe.model import ProbeOptions, parse_header, parse_identity
from slopguard.probe.report import render_json, render_sarif, render_text, summary_line
from slopguard.probe.runner import run_probe
from slopguard.probe.safety import ProbeError
from slopguard.probe.targets import DiscoveryError

if TYPE_CHECKING:
    from slopguard.probe.runner import ProbeResult

EXIT_INCOMPLETE = 3
FAMILY_NAMES = ("headers", "injection", "reflection", "auth", "enumeration", "ratelimit", "errors", "cookies")


def _fail(message: str) -> None:
    click.echo(f"slopguard: error: {message}", err=True)
    sys.exit(2)


def _families(values: tuple[str, ...]) -> frozenset[str] | None:
    chosen = {v.strip() for value in values for v in value.split(",") if v.strip()}
    unknown = chosen - set(FAMILY_NAMES)
    if unknown:
        _fail(f"unknown check family {', '.join(sorted(unknown))} (choose from {', '.join(FAMILY_NAMES)})")
    return frozenset(chosen) or None


@click.command("probe")
@click.argument("url")
@click.option(
    "--openapi", metavar="FILE|URL", help="OpenAPI document (JSON, or YAML with PyYAML) listing the endpoints."
)
@click.option(
    "--from-source",
    "sources",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Read routes from Flask/FastAPI/Django/Express source (never imported or run). Repeatable.",
)
@click.option(
    "--endpoint",
    "endpoints",
    multiple=True,
    metavar="SPEC",
    help="An endpoint: 'GET /search?q=lamp' or 'POST /login json:username=a&password=b'. Repeatable.",
)
@click.option(
    "--login",
    "login_paths",
    multiple=True,
    metavar="PATH",
    help="A login or password-reset route: enumeration and burst checks (POST allowed there). Repeatable.",
)
@click.option("--identity", "identities", multiple=True, metavar="NAME[=ID]:HEADER",
              help="A user to act as, e.g. 'alice=2:Authorization: Bearer ...' (ID: the user's id in URLs; a "
                   "NAME starting with 'admin' is an administrator). Repeatable; the first is the default "
                   "credential.")  # fmt: skip
@click.option(
    "--auth-header",
    "auth_headers",
    multiple=True,
    metavar="HEADER",
    help="A credential sent on every request, e.g. 'Authorization: Bearer ...'. Repeatable.",
)
@click.option("--expired-token", metavar="HEADER", help="An expired credential the service must reject.")
@click.option("--known-user", metavar="NAME[:PASSWORD]",
              help="An existing account for the enumeration check; with a password, log in once to inspect the "
                   "session cookie (and use the returned token when no credential is given).")  # fmt: skip
@click.option(
    "--allow-host",
    "allow_hosts",
    multiple=True,
    metavar="HOST",
    help="Allow a non-loopback target host (only services you may attack). Repeatable.",
)
@click.option("--allow-unsafe-methods", is_flag=True, help="Also send POST/PUT/PATCH/DELETE (may change data).")
@click.option("--max-requests", type=click.IntRange(min=1), default=2000, show_default=True)
@click.option(
    "--rate",
    type=click.FloatRange(min=0),
    default=50.0,
    show_default=True,
    help="Requests per second (0: as fast as the service answers).",
)
@click.option("--max-seconds", type=click.FloatRange(min=1), default=300.0, show_default=True)
@click.option(
    "--burst",
    type=click.IntRange(min=5, max=500),
    default=30,
    show_default=True,
    help="Failed attempts per login/reset route in the rate-limit check.",
)
@click.option(
    "--samples",
    type=click.IntRange(min=3, max=50),
    default=8,
    show_default=True,
    help="Tries per case in the enumeration check.",
)
@click.option(
    "--time-delay",
    type=click.FloatRange(min=0.2, max=10),
    default=1.0,
    show_default=True,
    help="Seconds asked of sleep payloads in time-based checks.",
)
@click.option("--timeout", type=click.FloatRange(min=0.5), default=10.0, show_default=True, help="Per request.")
@click.option(
    "--checks",
    "families",
    multiple=True,
    metavar="FAMILY[,FAMILY]",
    help=f"Run only these check families: {', '.join(FAMILY_NAMES)}.",
)
@click.option("--dry-run", is_flag=True, help="List the planned requests; send nothing (an --openapi URL is fetched).")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "sarif"]), default="text", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path))
def probe_command(
    url: str,
    openapi: str | None,
    sources: tuple[Path, ...],
    endpoints: tuple[str, ...],
    login_paths: tuple[str, ...],
    identities: tuple[str, ...],
    auth_headers: tuple[str, ...],
    expired_token: str | None,
    known_user: str | None,
    allow_hosts: tuple[str, ...],
    allow_unsafe_methods: bool,
    max_requests: int,
    rate: float,
    max_seconds: float,
    burst: int,
    samples: int,
    time_delay: float,
    timeout: float,
    families: tuple[str, ...],
    dry_run: bool,
    fmt: str,
    output: Path | None,
) -> None:
    """Probe the HTTP service at URL for injection, broken authentication, account enumeration, missing rate
    limits, weak headers and cookies, and error leakage.

    Only loopback targets unless --allow-host names the host; only GET/HEAD/OPTIONS unless
    --allow-unsafe-methods (or --login for those routes); requests, rate and time are bounded and reported.
    Exit codes: 0 no findings and every check ran, 1 findings, 2 refused or bad input, 3 no findings but the
    probe was incomplete (a check got no usable answer: none in time or one over the size cap; a route whose path
    could leave the target was skipped; a budget stopped the run): see the "not checked" lines.
    """
    try:
        user, _, password = (known_user or "").partition(":")
        options = ProbeOptions(
            target=url,
            openapi=openapi,
            sources=list(sources),
            endpoints=list(endpoints),
            login_paths=[p if p.startswith("/") else "/" + p for p in login_paths],
            identities=[parse_identity(i) for i in identities],
            auth_headers=[parse_header(h) for h in auth_headers],
            expired_token=parse_header(expired_token) if expired_token else None,
            known_user=user or None,
            known_password=password or None,
            allow_hosts=frozenset(h.lower() for h in allow_hosts),
            allow_unsafe=allow_unsafe_methods,
            max_requests=max_requests,
            rate=rate,
            max_seconds=max_seconds,
            burst=burst,
            enum_samples=samples,
            time_delay=time_delay,
            timeout=timeout,
            dry_run=dry_run,
            families=_families(families),
        )
    except ValueError as exc:
        _fail(str(exc))
        raise  # unreachable
    _run(options, fmt, output)


def _run(options: ProbeOptions, fmt: str, output: Path | None) -> None:
    # Loaded here: parsing the options (and --help) stays fast; the probe's modules load only to run it.
    from rich.console import Console

    try:
        result = run_probe(options)
    except (ProbeError, DiscoveryError) as exc:
        _fail(str(exc))
        raise  # unreachable
    if fmt == "text":
        handle = output.open("w", encoding="utf-8") if output else None
        try:
            render_text(result, Console(file=handle, width=140 if handle else None, no_color=handle is not None))
        finally:
            if handle:
                handle.close()
    else:
        text = render_json(result) if fmt == "json" else render_sarif(result)
        if output:
            output.write_text(text, encoding="utf-8")
        else:
            click.echo(text, nl=False)
    if fmt != "text" or output:
        click.echo(f"slopguard probe: {len(result.observations)} finding(s); {summary_line(result)}", err=True)
    sys.exit(exit_code(result))


def exit_code(result: ProbeResult) -> int:
    """1 findings; 3 no findings but something could not be checked (fail closed: unknown is not clean); 0."""
    if result.options.dry_run:
        return 0
    if result.observations:
        return 1
    return EXIT_INCOMPLETE if result.incomplete else 0
