"""``slopguard mcp``: serve the scanner, the package verifier and the guide to an agent over MCP.

Exit codes: 0 when the client closes the connection (stdio) or the server is stopped (HTTP); 2 for a bad
``--root``, a bad configuration file, or a port that cannot be bound.
"""

from __future__ import annotations

import ipaddress
import socket
import sys
from pathlib import Path

import click

from slopguard.core.config import ConfigError, load_settings
from slopguard.mcp.server import build_server
from slopguard.mcp.workspace import Workspace

LOOPBACK = "127.0.0.1"


def _fail(message: str) -> None:
    click.echo(f"slopguard: error: {message}", err=True)
    sys.exit(2)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@click.command("mcp")
@click.option("--root", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Workspace root: file and diff tools cannot leave it (default: the current directory).")  # fmt: skip
@click.option("--http", "use_http", is_flag=True, help="Serve streamable HTTP (at /mcp) instead of stdio.")
@click.option("--port", type=click.IntRange(1, 65535), default=8848, show_default=True, help="Port for --http.")
@click.option("--host", default=LOOPBACK, show_default=True,
              help="Address for --http to bind; anything but loopback lets other machines use the tools.")  # fmt: skip
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Config file (default: nearest slopguard.toml or [tool.slopguard] in pyproject.toml).")  # fmt: skip
def mcp_command(root: Path | None, use_http: bool, port: int, host: str, config_file: Path | None) -> None:
    """Run a Model Context Protocol server with the tools scan_code, scan_diff, check_packages, classify_task,
    security_instructions and explain_rule (stdio by default; --http for streamable HTTP on 127.0.0.1).

    Exit codes: 0 the client disconnected or the server was stopped; 2 bad --root, configuration or port."""
    workspace_root = (root or Path.cwd()).resolve()
    try:
        settings = load_settings(config_file, workspace_root)
    except ConfigError as exc:
        _fail(str(exc))
        return
    server = build_server(Workspace.open(workspace_root, settings))
    if not use_http:
        server.run("stdio")
        return
    try:  # a clear message now, rather than the HTTP server's log line and exit status later
        socket.create_server((host, port)).close()
    except OSError as exc:
        _fail(f"cannot serve on {host}:{port}: {exc.strerror or exc}")
    if not _is_loopback(host):
        click.echo(f"slopguard: warning: serving {workspace_root} without authentication on {host}", err=True)
    click.echo(f"slopguard: MCP server for {workspace_root} at http://{host}:{port}/mcp", err=True)
    try:
        server.run("streamable-http", host=host, port=port)
    except SystemExit as exc:  # the HTTP server gives up when it cannot start (it logged why)
        if exc.code:
            _fail(f"cannot serve on {host}:{port}")
    except KeyboardInterrupt:
        return
