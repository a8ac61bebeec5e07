"""``slopguard -V`` and ``--version`` print the version, as Ruff's and pip's do."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from slopguard import __version__
from slopguard.cli import cli


@pytest.mark.parametrize("flag", ["-V", "--version"])
def test_version_flag(flag: str) -> None:
    result = CliRunner().invoke(cli, [flag])
    assert result.exit_code == 0
    assert result.stdout == f"slopguard, version {__version__}\n"
