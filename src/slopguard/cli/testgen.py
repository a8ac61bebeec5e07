"""``slopguard tests generate``: write pytest security tests for a Flask, FastAPI or Django app.

The tests drive the framework's test client with parametrised payloads (SQL injection, XSS, command injection,
path traversal, template injection, open redirect, error leakage), check authentication (missing and
forged credentials, one account reading another's data, account enumeration, brute-force limits) and
response headers and cookies. They pass on a safe app and fail on the flaw they name. Loading the app
imports the user's module.
Exit codes: 0 written, 2 bad input (the app cannot be imported, no routes, an unreadable OpenAPI document).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from slopguard.probe.testgen import FRAMEWORKS, TestgenError, generate


def _fail(message: str) -> None:
    click.echo(f"slopguard: error: {message}", err=True)
    sys.exit(2)


def _account(text: str) -> tuple[str, str]:
    name, sep, password = text.partition(":")
    if not sep or not name or not password:
        _fail(f"--user {text!r}: expected NAME:PASSWORD (an account that exists in the app under test)")
    return name, password


@click.group("tests")
def tests_command() -> None:
    """Security regression tests for your own web app."""


@tests_command.command("generate")
@click.option(
    "--app",
    "app_spec",
    required=True,
    metavar="MODULE:APP",
    help="The app: 'pkg.module:app', 'pkg.module:create_app()' or 'path/to/app.py:create_app()'.",
)
@click.option("--framework", type=click.Choice(FRAMEWORKS), help="Default: detected from the app object.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("tests/security"),
    show_default=True,
    help="Folder for the generated files.",
)
@click.option(
    "--openapi",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Take routes and parameters from this OpenAPI document instead of the app's URL map.",
)
@click.option(
    "--user",
    "users",
    multiple=True,
    metavar="NAME:PASSWORD",
    help="A test account that exists in the app (repeat; two enable the ownership test).",
)
@click.option("--known-user", help="An existing account name for the enumeration test (default: the first --user).")
@click.option(
    "--burst",
    type=click.IntRange(1, 500),
    default=30,
    show_default=True,
    help="Attempts before a 429 is due.",
)
@click.option("--force", is_flag=True, help="Replace files in --out that slopguard did not generate.")
def generate_command(
    app_spec: str,
    framework: str | None,
    out: Path,
    openapi: Path | None,
    users: tuple[str, ...],
    known_user: str | None,
    burst: int,
    force: bool,
) -> None:
    """Write pytest security tests for APP into --out (routes from the app or --openapi)."""
    accounts = [_account(u) for u in users]
    if openapi is not None and not openapi.is_file():
        _fail(f"--openapi {openapi}: no such file")
    try:
        suite = generate(
            app_spec,
            out,
            framework=framework,
            openapi=openapi,
            users=accounts,
            known_user=known_user,
            burst=burst,
            force=force,
        )
    except TestgenError as exc:
        _fail(str(exc))
        return
    protected = sum(1 for ep in suite.endpoints if ep.secured or ep.is_admin)
    params = sum(1 for ep in suite.endpoints for p in ep.params if p.injectable)
    click.echo(
        f"{len(suite.endpoints)} route(s) ({suite.framework}), {params} string parameter(s), "
        f"{protected} protected route(s)"
    )
    for path in suite.files:
        click.echo(f"  wrote {path}")
    if not accounts:
        click.echo("  no --user given: the login, ownership and enumeration tests will skip", err=True)
    click.echo(f"run them with: pytest {out}")
