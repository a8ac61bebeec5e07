"""The ``slopguard`` command line. Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage/config/internal.

Subcommands are imported only when they run (a lazy group), so a warm ``slopguard scan`` never pays for the LLM
clients, the HTTP stack or the probe.
"""

from __future__ import annotations

import importlib
import sys

import click

from slopguard import __version__

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2

# In workflow order: constrain generation, verify, review, test like an attacker, record provenance, improve.
COMMANDS: dict[str, str] = {
    "prompt": "slopguard.cli.prompt:prompt_command",
    "init": "slopguard.cli.prompt:init_command",
    "classify": "slopguard.cli.classify:classify_command",
    "mcp": "slopguard.cli.mcp:mcp_command",
    "gateway": "slopguard.cli.gateway:gateway_command",
    "scan": "slopguard.cli.scan:scan_command",
    "deps": "slopguard.cli.deps:deps_command",
    "check": "slopguard.cli.deps:check_command",
    "pip": "slopguard.cli.install:pip_command",
    "npm": "slopguard.cli.install:npm_command",
    "review": "slopguard.cli.review:review_command",
    "probe": "slopguard.cli.probe:probe_command",
    "tests": "slopguard.cli.testgen:tests_command",
    "mark": "slopguard.cli.provenance:mark_command",
    "provenance": "slopguard.cli.provenance:provenance_command",
    "rci": "slopguard.cli.rci:rci_command",
    "fix": "slopguard.cli.rci:fix_command",
    "bench": "slopguard.cli.bench:bench_command",
    "rules": "slopguard.cli.rules:rules_command",
    "lsp": "slopguard.cli.lsp:lsp_command",  # run by editors, not by hand
    "hook": "slopguard.cli.hook:hook_command",  # run by agents and CI, not by hand
}


class LazyGroup(click.Group):
    """A group whose subcommands live in their own modules and are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module, _, attr = target.partition(":")
        command = getattr(importlib.import_module(module), attr)
        assert isinstance(command, click.Command)
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(__version__, "-V", "--version", prog_name="slopguard")
def cli() -> None:
    """slopguard: treat every piece of AI-generated code as untrusted input."""


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
