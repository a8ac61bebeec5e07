"""``slopguard mcp`` exit codes: 0 when the client closes stdio, 2 for a bad root, configuration or port."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from slopguard.cli import cli


def test_exit_0_when_the_client_closes_stdin(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "slopguard", "mcp", "--root", str(tmp_path)],
                          input=b"", capture_output=True, timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr


def test_exit_2_for_a_root_that_does_not_exist(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["mcp", "--root", str(tmp_path / "nope")])
    assert result.exit_code == 2 and "does not exist" in result.output


def test_exit_2_for_a_bad_configuration(tmp_path: Path) -> None:
    (tmp_path / "slopguard.toml").write_text("fail-on = 'sometimes'\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["mcp", "--root", str(tmp_path)])
    assert result.exit_code == 2 and "fail-on" in result.output


def test_exit_2_for_a_port_in_use(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "slopguard", "mcp", "--http", "--port", str(port), "--root", str(tmp_path)],
            capture_output=True, timeout=60,
        )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert b"cannot serve on 127.0.0.1" in done.stderr


def test_help_documents_the_exit_codes() -> None:
    result = CliRunner().invoke(cli, ["mcp", "--help"])
    assert result.exit_code == 0
    for text in ("Exit codes: 0", "2 bad --root", "--http", "--port", "--host", "--root", "--config"):
        assert text in result.output
