"""``slopguard pip ...`` and ``slopguard npm ...``: work out what the command would install and from where, verify
that, then run the user's own client with the same arguments; refuse with the reason otherwise.

Exit status: the client's own when it runs; 1 when slopguard refuses (a package is missing, a typosquat, brand new
or unverifiable, or a source no registry can vouch for: a URL, a repository, a local path, an editable install, an
extra index); 2 when slopguard cannot run (no client, a requirements file it cannot read, a command it cannot
parse, a registry it cannot locate).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import NoReturn

import click

from slopguard.deps.install_plan import InstallPlan, plan_npm, plan_pip
from slopguard.deps.model import Check, Ecosystem, PackageReport, RegistryError
from slopguard.deps.options import VerifyOptions
from slopguard.deps.registries import npm_registry_url, pypi_index_url, redact_url
from slopguard.deps.report import render_table
from slopguard.deps.verify import verify

EXIT_REFUSED, EXIT_ERROR = 1, 2
# Refused unless --force.
BLOCKING = frozenset({Check.MISSING, Check.TYPOSQUAT, Check.NEW})


def _fail(message: str, code: int = EXIT_ERROR) -> NoReturn:
    click.echo(f"slopguard: {'error: ' if code == EXIT_ERROR else ''}{message}", err=True)
    sys.exit(code)


def pip_client(env: dict[str, str]) -> list[str]:
    """The pip of the environment the user is in: ``$VIRTUAL_ENV``'s interpreter, else ``python3``/``python`` on
    PATH (never slopguard's own interpreter, which may live in another environment)."""
    venv = env.get("VIRTUAL_ENV")
    if venv:
        exe = Path(venv) / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
        if not exe.is_file():
            _fail(f"VIRTUAL_ENV is {venv}, but it has no interpreter at {exe}")
        return [str(exe), "-m", "pip"]
    for name in ("python3", "python"):
        found = shutil.which(name, path=env.get("PATH"))
        if found:
            return [found, "-m", "pip"]
    _fail("no python3 or python on PATH to run pip with")


def _same(url: str, configured: str) -> bool:
    return url.strip().rstrip("/").lower() == configured.strip().rstrip("/").lower()


def _verify(plan: InstallPlan, offline: bool) -> list[PackageReport]:
    """Verify the plan's registry packages against the index the client will use."""

    options = VerifyOptions(offline=offline, project_dir=Path.cwd())
    if plan.index is not None:
        try:
            configured = pypi_index_url() if plan.ecosystem is Ecosystem.PYPI else npm_registry_url(Path.cwd())
        except RegistryError as exc:
            _fail(str(exc))
        if not _same(plan.index, configured):
            click.echo(f"slopguard: verifying against {redact_url(plan.index)}, the index this command names",
                       err=True)  # fmt: skip
            # The facts cache holds answers of the configured index: another index is asked afresh.
            if offline:
                _fail("--offline cannot verify against an index other than the configured one", EXIT_REFUSED)
            if plan.ecosystem is Ecosystem.PYPI:
                options = replace(options, use_cache=False, pypi_index=plan.index)
            else:
                options = replace(options, use_cache=False, npm_registry=plan.index)
    return verify(plan.refs, options) if plan.refs else []


def _blocked(reports: Sequence[PackageReport], allow_unknown: bool) -> list[PackageReport]:
    return [
        r for r in reports
        if any(s.check in BLOCKING or (s.check is Check.UNKNOWN and not allow_unknown) for s in r.signals)
    ]  # fmt: skip


def install_wrapper(
    plan: InstallPlan, client: list[str], args: Sequence[str], *, force: bool, allow_unknown: bool,
    allow_unverified: bool, offline: bool,
) -> NoReturn:  # fmt: skip
    """Check ``plan``; run ``client args`` only when everything it installs is verified (or explicitly allowed)."""
    if plan.errors:
        _fail("; ".join(plan.errors))
    if plan.installs:
        for item in plan.unverifiable:
            click.echo(f"slopguard: cannot verify {redact_url(item.what)} ({item.where}): {item.reason}", err=True)
        if plan.unverifiable and not allow_unverified:
            _fail("refusing to install what cannot be verified (use --allow-unverified to install anyway)",
                  EXIT_REFUSED)  # fmt: skip
        reports = _verify(plan, offline)
        if reports:
            from rich.console import Console

            render_table(reports, Console(stderr=True))
        blocked = _blocked(reports, allow_unknown)
        if blocked and not force:
            names = ", ".join(sorted({r.ref.name for r in blocked}))
            _fail(f"refusing to install {names} (use --force to install anyway)", EXIT_REFUSED)
    sys.exit(subprocess.call([*client, *args]))


# slopguard's own options come first (`slopguard pip --force install x`); everything from the client's first
# argument on is passed to the client untouched, so the client's own --force stays the client's.
_PASS_THROUGH = {
    "ignore_unknown_options": True,
    "allow_extra_args": True,
    "allow_interspersed_args": False,
    "help_option_names": [],
}


def _options(func: click.decorators.FC) -> click.decorators.FC:
    for option in reversed(
        [
            click.option("--force", is_flag=True, help="Install even when a package is missing, a typosquat or new."),
            click.option("--allow-unknown", is_flag=True, help="Install packages that could not be verified."),
            click.option(
                "--allow-unverified",
                is_flag=True,
                help="Install sources no registry vouches for (URLs, repositories, local paths, extra indexes).",
            ),
            click.option("--offline", is_flag=True, help="Verify from the cache and shipped index only."),
        ]
    ):
        func = option(func)
    return func


@click.command("pip", context_settings=_PASS_THROUGH)
@_options
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def pip_command(force: bool, allow_unknown: bool, allow_unverified: bool, offline: bool, args: tuple[str, ...]) -> None:
    """Verify what `pip install ...` would install (packages, requirement files, indexes), then run the pip of
    the current environment with the same arguments.

    Exit status: pip's own when it runs; 1 when slopguard refuses the install; 2 when slopguard cannot run (no
    interpreter, an unreadable requirements file, a command it cannot parse, no configured index)."""
    env = dict(os.environ)
    client = pip_client(env)
    plan = plan_pip(args, Path.cwd(), env)
    install_wrapper(plan, client, args, force=force, allow_unknown=allow_unknown, allow_unverified=allow_unverified,
                    offline=offline)  # fmt: skip


@click.command("npm", context_settings=_PASS_THROUGH)
@_options
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def npm_command(force: bool, allow_unknown: bool, allow_unverified: bool, offline: bool, args: tuple[str, ...]) -> None:
    """Verify what `npm install ...` would install (packages, registries, git/tarball/file specs), then run npm
    with the same arguments.

    Exit status: npm's own when it runs; 1 when slopguard refuses the install; 2 when slopguard cannot run (no npm,
    an unreadable package.json, no configured registry)."""
    npm = shutil.which("npm")
    if npm is None:
        _fail("the npm client is not installed")
    plan = plan_npm(args, Path.cwd())
    install_wrapper(plan, [npm], args, force=force, allow_unknown=allow_unknown, allow_unverified=allow_unverified,
                    offline=offline)  # fmt: skip
