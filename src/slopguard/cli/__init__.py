"""The ``slopguard`` command line. Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage/config/internal."""

from __future__ import annotations

import sys

import click

from slopguard import __version__
from slopguard.cli.bench import bench_command
from slopguard.cli.classify import classify_command
from slopguard.cli.deps import check_command, deps_command, npm_command, pip_command
from slopguard.cli.probe import probe_command
from slopguard.cli.prompt import init_command, prompt_command
from slopguard.cli.provenance import mark_command, provenance_command
from slopguard.cli.rci import fix_command, rci_command
from slopguard.cli.review import review_command
from slopguard.cli.rules import rules_command
from slopguard.cli.scan import scan_command
from slopguard.cli.testgen import tests_command

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(__version__, prog_name="slopguard")
def cli() -> None:
    """slopguard: treat every piece of AI-generated code as untrusted input."""


# In workflow order: constrain generation, verify, review, test like an attacker, record provenance.
COMMANDS = (
    prompt_command, init_command, classify_command,
    scan_command, deps_command, check_command, pip_command, npm_command,
    review_command,
    probe_command, tests_command,
    mark_command, provenance_command,
    rci_command, fix_command, bench_command,
    rules_command,
)  # fmt: skip
for command in COMMANDS:
    cli.add_command(command)


def main() -> None:
    """Console entry point; turns unexpected errors into exit code 2 with a clear message."""
    try:
        cli.main(standalone_mode=True)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(EXIT_ERROR)
    except Exception as exc:  # pragma: no cover - last-resort guard
        click.echo(f"slopguard: internal error: {type(exc).__name__}: {exc}", err=True)
        sys.exit(EXIT_ERROR)
