"""``slopguard gateway`` on the command line: every exit code, the upstream from the user's configuration only, and
a real run as a subprocess that serves a request, logs it without the key, and stops cleanly (exit 0) on
Ctrl-C or SIGTERM."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import openai
import pytest
from click.testing import CliRunner
from gateway_servers import Gateways

from slopguard.cli import cli
from slopguard.gateway.config import Limits, resolve, user_gateway_table

KEY = "sk-test-cli-9b7e5d"


def run(args: list[str], cwd: Path) -> tuple[int, str]:
    old = Path.cwd()
    os.chdir(cwd)
    try:
        res = CliRunner().invoke(cli, ["gateway", *args], catch_exceptions=False)
    finally:
        os.chdir(old)
    return res.exit_code, res.stderr


def user_config(home: Path, text: str) -> None:
    (home / "slopguard").mkdir(exist_ok=True)
    (home / "slopguard" / "config.toml").write_text(text, encoding="utf-8")


def test_no_upstream_is_a_usage_error(tmp_path: Path) -> None:
    code, err = run([], tmp_path)
    assert code == 2 and "no upstream: pass --upstream URL" in err


def test_the_project_cannot_choose_the_upstream(tmp_path: Path) -> None:
    (tmp_path / "slopguard.toml").write_text('[gateway]\nupstream = "http://127.0.0.1:1/v1"\n', encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text('[tool.slopguard.gateway]\nupstream = "http://127.0.0.1:1/v1"\n')
    code, err = run([], tmp_path)
    assert code == 2 and "no upstream" in err


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/v1", "127.0.0.1:11434", "http:///v1", "http://h/v1?x=1"])
def test_a_malformed_upstream_is_a_usage_error(tmp_path: Path, url: str) -> None:
    code, err = run(["--upstream", url], tmp_path)
    assert code == 2 and "the upstream must" in err


def test_a_bad_user_configuration_is_a_usage_error(tmp_path: Path, isolated_user_config: Path) -> None:
    user_config(isolated_user_config, '[gateway]\nupstream = "http://127.0.0.1:1/v1"\napi-key = "sk-x"\n')
    code, err = run([], tmp_path)
    assert code == 2 and "unknown key 'api-key' in [gateway]" in err


def test_a_busy_port_is_an_error(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        code, err = run(["--upstream", "http://127.0.0.1:1/v1", "--port", str(port)], tmp_path)
    assert code == 2 and f"cannot listen on 127.0.0.1:{port}" in err


def test_the_user_configuration_sets_the_upstream_and_flags_win(isolated_user_config: Path) -> None:
    user_config(isolated_user_config, '[gateway]\nupstream = "http://127.0.0.1:11434/v1/"\ntimeout = 30\n')
    table = user_gateway_table()
    config = resolve({}, table, "RULES")
    assert (config.upstream, config.anthropic_upstream, config.limits.timeout) == (
        "http://127.0.0.1:11434/v1", "http://127.0.0.1:11434/v1", 30.0)  # fmt: skip
    flags = {"upstream": "http://127.0.0.1:8000/v1", "anthropic_upstream": "http://127.0.0.1:9000/v1"}
    config = resolve(flags, table, "RULES")
    assert config.target("/v1/chat/completions") == "http://127.0.0.1:8000/v1/chat/completions"
    assert config.target("/v1/messages", anthropic=True) == "http://127.0.0.1:9000/v1/messages"
    assert config.limits.request_bytes == Limits().request_bytes


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_serves_logs_without_the_key_and_stops_cleanly(
    gateways: Gateways, tmp_path: Path, isolated_user_config: Path, stop: signal.Signals
) -> None:
    user_config(isolated_user_config, f'[gateway]\nupstream = "{gateways.upstream_url}/v1"\n')
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "slopguard", "gateway", "--port", "0", "--offline"],
        cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert proc.stderr is not None
        first = proc.stderr.readline()
        found = re.search(r"listening on (http://127\.0\.0\.1:\d+/v1) -> (\S+) \(annotating\)", first)
        assert found, first
        assert found.group(2) == gateways.upstream_url + "/v1"
        client = openai.OpenAI(base_url=found.group(1), api_key=KEY, max_retries=0)
        answer = client.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])
        assert answer.choices[0].message.content == "Hello."
        proc.send_signal(stop)
        rest = proc.communicate(timeout=30)[1]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0
    assert "slopguard gateway: chat -> 200: clean" in rest
    assert KEY not in first + rest
    assert gateways.upstream.requests[0].headers["authorization"] == f"Bearer {KEY}"
