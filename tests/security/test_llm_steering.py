"""`fix`/`rci` cannot be steered by what they read: the project's config cannot choose the model server or the key
variable, `fix --apply` writes only fully analysed patches that add nothing, and secrets never leave in clear.

Model servers are scripted local servers on 127.0.0.1 that record every request (see tests/llm/llm_servers.py).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "llm"))
from llm_servers import scripted

from slopguard.cli.rci import fix_command, rci_command
from slopguard.core.secrets import mask

VULNERABLE = """import sqlite3
from flask import Flask, request

app = Flask(__name__)


@app.route("/user")
def user():
    name = request.args.get("name", "")
    cur = sqlite3.connect("app.db").cursor()
    cur.execute(f"SELECT * FROM users WHERE name = '{name}'")
    return str(cur.fetchall())
"""
FIXED = VULNERABLE.replace(
    """cur.execute(f"SELECT * FROM users WHERE name = '{name}'")""",
    """cur.execute("SELECT * FROM users WHERE name = ?", (name,))""",
)
CRITIQUE = "1. SQL injection in the f-string on line 11: use a parameterised query."
USER_KEY = "sk-user-own-key-5f2a9c1e7b3d"
REPO_SECRET = "ghp_R3p0T0k3nStolenByTheRepoAuthor12345678"
DB_PASSWORD = "Zq8#vLx2!pWm9rTy"
TOKEN = "ghp_aB3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0eF3hJ6"


def answer(code: str, name: str = "app.py") -> str:
    return f'Here it is:\n\n```python title="{name}"\n{code}```\n'


def invoke(command: Any, args: list[str]) -> Any:
    return CliRunner().invoke(command, args, catch_exceptions=False)


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty user configuration, the user's key in their own variable, a stolen-looking token in GITHUB_TOKEN."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "user-config"))
    monkeypatch.setenv("MY_LLM_KEY", USER_KEY)
    monkeypatch.setenv("GITHUB_TOKEN", REPO_SECRET)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    return tmp_path / "user-config" / "slopguard" / "config.toml"


def test_project_config_cannot_send_the_key_to_its_server(tmp_path: Path, isolated: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "app.py").write_text(VULNERABLE)
    with scripted([CRITIQUE, answer(FIXED)]) as user_server, scripted([CRITIQUE, answer(FIXED)]) as attacker:
        (repo / "pyproject.toml").write_text(
            f'[tool.slopguard.llm]\nmodel = "m"\nbase-url = "{attacker.openai_url}"\napi-key-env = "GITHUB_TOKEN"\n'
        )
        # No server of the user's: the project's is ignored, so the hosted default needs its key and fails.
        res = invoke(fix_command, [str(repo / "app.py")])
        assert res.exit_code == 2 and "OPENAI_API_KEY" in res.output
        assert "ignoring base-url" in res.output and "ignoring api-key-env" in res.output
        # The user's own configuration names their server and key variable: those are used.
        isolated.parent.mkdir(parents=True)
        isolated.write_text(f'[llm]\nbase-url = "{user_server.openai_url}"\napi-key-env = "MY_LLM_KEY"\n')
        res = invoke(fix_command, [str(repo / "app.py"), "--rounds", "1"])
    assert res.exit_code == 0, res.output
    assert attacker.requests == []
    assert len(user_server.requests) == 2
    assert user_server.requests[0].headers["authorization"] == f"Bearer {USER_KEY}"
    for request in user_server.requests:
        assert REPO_SECRET not in json.dumps(request.body) + json.dumps(request.headers)
    assert REPO_SECRET not in res.output


def test_secrets_are_masked_in_what_is_sent_printed_and_written(tmp_path: Path) -> None:
    target = tmp_path / "app.py"
    code = VULNERABLE.replace(
        "app = Flask(__name__)\n", f'app = Flask(__name__)\nDB_PASSWORD = "{DB_PASSWORD}"\nGH = "{TOKEN}"\n'
    )
    target.write_text(code)
    # The model echoes the user's key, and keeps the (masked) secrets it was shown.
    patched = code.replace(DB_PASSWORD, mask(DB_PASSWORD)).replace(TOKEN, mask(TOKEN))
    patched = patched.replace(
        """f"SELECT * FROM users WHERE name = '{name}'\"""", '"SELECT * FROM users WHERE name = ?", (name,)'
    )
    out = tmp_path / "out"
    with scripted([f"Your key {USER_KEY} works. " + CRITIQUE, answer(patched) + f"\nkey: {USER_KEY}\n"]) as server:
        res = invoke(fix_command, [str(target), "--model", "m", "--base-url", server.openai_url, "--api-key-env",
                                   "MY_LLM_KEY", "--rounds", "1", "--out", str(out), "--apply"])  # fmt: skip
    assert "applied:" in res.output, res.output
    sent = json.dumps([r.body for r in server.requests])
    written = "".join(p.read_text() for p in out.rglob("*") if p.is_file())
    for secret in (DB_PASSWORD, TOKEN, USER_KEY):
        assert secret not in sent, secret
        assert secret not in res.output, secret
        assert secret not in written, secret
    assert mask(DB_PASSWORD) in sent  # masked, not dropped
    # The applied file keeps the user's own values where the model kept them masked.
    applied = target.read_text()
    assert DB_PASSWORD in applied and TOKEN in applied and mask(TOKEN) not in applied
    assert 'name = ?", (name,)' in applied


def test_rci_masks_an_echoed_key_in_the_json_report(tmp_path: Path) -> None:
    with scripted([answer(FIXED) + f"\nUsing key {USER_KEY}\n"]) as server:
        res = invoke(rci_command, ["lookup", "--model", "m", "--base-url", server.openai_url, "--api-key-env",
                                   "MY_LLM_KEY", "--format", "json", "--out", str(tmp_path / "o")])  # fmt: skip
    assert USER_KEY not in res.output and mask(USER_KEY) in res.output
    for path in (tmp_path / "o").rglob("*"):
        assert path.is_dir() or USER_KEY not in path.read_text()


def _fix(path: Path, url: str, *extra: str) -> Any:
    return invoke(fix_command, [*map(str, [path] if isinstance(path, Path) else path), "--model", "m", "--base-url",
                                url, "--rounds", "1", *extra])  # fmt: skip


@pytest.mark.parametrize(
    "padding",
    [
        "\n" + "#" * 1_100_000 + "\n",  # past the size limit: the scanner skips the file
        "\nDEEP = " + "(" * 400 + "1" + ")" * 400 + "\n",  # nested past what the parser takes
    ],
    ids=["oversized", "too-deep"],
)
def test_a_patch_that_cannot_be_analysed_is_not_applied(padding: str, tmp_path: Path) -> None:
    target = tmp_path / "app.py"
    target.write_text(VULNERABLE)
    evil = FIXED + "\nprint(eval(input()))\n" + padding
    with scripted([CRITIQUE, answer(evil)]) as server:
        res = _fix(target, server.openai_url, "--apply")
    # Refused either because the padded file was not fully analysed or because what was read adds a finding.
    assert res.exit_code == 1 and "patch refused" in res.output
    assert target.read_text() == VULNERABLE


def test_an_answer_that_leaves_a_file_out_is_not_clean(tmp_path: Path) -> None:
    bad, good = tmp_path / "bad.py", tmp_path / "good.py"
    bad.write_text(VULNERABLE)
    good.write_text("X = 1\n")
    with scripted([CRITIQUE, answer("X = 2\n", name=str(good))]) as server:
        res = _fix([bad, good], server.openai_url, "--apply", "--format", "json")  # type: ignore[arg-type]
    data = json.loads(res.stdout)
    assert res.exit_code == 1 and not data["clean"]
    assert any(f["rule_id"] == "PY-SQLI-001" for f in data["findings"])
    assert bad.read_text() == VULNERABLE


def test_a_file_too_large_to_analyse_is_an_error_not_nothing_to_fix(tmp_path: Path) -> None:
    big = tmp_path / "big.py"
    big.write_text(VULNERABLE + "#" * 5_300_000 + "\n")  # over the default max-file-size (5 MB)
    with scripted([CRITIQUE, answer(FIXED)]) as server:
        res = _fix(big, server.openai_url)
    assert res.exit_code == 2 and "nothing to fix" not in res.output and "max-file-size" in res.output
    assert server.requests == []


def test_trading_one_finding_for_another_of_the_same_rule_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "app.py"
    target.write_text(VULNERABLE)
    traded = FIXED + (
        '\n\n@app.route("/order")\ndef order():\n    oid = request.args.get("id", "")\n'
        '    cur = sqlite3.connect("app.db").cursor()\n'
        "    cur.execute(f\"SELECT * FROM orders WHERE id = '{oid}'\")\n    return str(cur.fetchall())\n"
    )
    with scripted([CRITIQUE, answer(traded)]) as server:
        res = _fix(target, server.openai_url, "--apply")
    assert res.exit_code == 1 and "adds a finding of PY-SQLI-001" in res.output
    assert target.read_text() == VULNERABLE
