"""``slopguard lsp``: the language server, over stdin and stdout (see docs/lsp.md for editor set-up)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from slopguard.lsp.analysis import ServerOptions
from slopguard.lsp.server import serve


@click.command("lsp")
@click.option("--config", "config_file", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="Config file for every document (default: each workspace folder's own).")  # fmt: skip
@click.option("--deps/--no-deps", "deps", default=None,
              help="Verify the packages a document imports (default: the project's 'deps' setting, on).")  # fmt: skip
@click.option("--offline", is_flag=True, default=None, help="Verify packages from the cache and shipped index only.")
@click.option("--debounce", type=click.FloatRange(min=0), default=0.3, show_default=True, metavar="SECONDS",
              help="Wait this long after the last keystroke before scanning a changed document.")  # fmt: skip
@click.option("--rules-url", metavar="URL",
              help="Published rule reference (https://...): diagnostics link each rule to URL#rule-id.")  # fmt: skip
def lsp_command(
    config_file: Path | None, deps: bool | None, offline: bool | None, debounce: float, rules_url: str | None
) -> None:
    """Run the language server over stdin/stdout: findings as diagnostics while you type, code actions to
    suppress a finding (with a reason) or explain its rule.

    Exit codes: 0 the client asked for shutdown and exit; 1 the connection ended (exit or end of input) without a
    shutdown request, as the protocol asks; 2 usage error."""
    options = ServerOptions(config=config_file, deps=deps, offline=offline, debounce=debounce, rules_url=rules_url)
    sys.exit(serve(options))
