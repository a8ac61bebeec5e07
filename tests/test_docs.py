"""The docs describe the CLI as it is: every option of every command and subcommand appears in docs/*.md or
README.md by its long name (or its only name, for a short-only flag)."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from slopguard.cli import cli

ROOT = Path(__file__).resolve().parents[1]


def documented_text() -> str:
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    return "\n".join(page.read_text(encoding="utf-8") for page in pages)


def commands(group: click.Group, prefix: str = "slopguard") -> list[tuple[str, click.Command]]:
    """Every command below ``group``, with its full name (``slopguard provenance show``)."""
    ctx = click.Context(group)
    found: list[tuple[str, click.Command]] = []
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None, name
        found.append((f"{prefix} {name}", command))
        if isinstance(command, click.Group):
            found += commands(command, f"{prefix} {name}")
    return found


def option_names(command: click.Command) -> list[str]:
    names = []
    for param in command.params:
        if not isinstance(param, click.Option) or param.hidden:
            continue
        flags = [*param.opts, *param.secondary_opts]
        longs = [f for f in flags if f.startswith("--")]
        names += longs or flags[:1]
    return [n for n in names if n not in ("--help", "-h")]


ALL = [(name, option) for name, command in commands(cli) for option in option_names(command)]


def test_the_cli_has_commands_and_options() -> None:
    assert len({name for name, _ in ALL}) >= 15 and len(ALL) >= 100


@pytest.mark.parametrize(("command", "option"), ALL, ids=[f"{c}:{o}" for c, o in ALL])
def test_every_option_is_documented(command: str, option: str) -> None:
    assert option in documented_text(), f"{command} {option} is not described in docs/*.md or README.md"
