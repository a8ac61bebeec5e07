"""Each Python file is parsed once for all rules; secrets never reach any output format."""

from __future__ import annotations

import ast
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from slopguard.cli import cli
from slopguard.engine.analyse import analyse
from slopguard.pipeline.catalog import code_rules

# A fake, random-looking live key: the format is real, the key is not.
FAKE_KEY = "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dcQa9Z"
CODE = f'''\
import subprocess
from flask import request

STRIPE_KEY = "{FAKE_KEY}"


def run():
    subprocess.run("convert " + request.args["f"], shell=True)
    eval(request.form["expr"])
'''


def test_one_parse_per_file(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real_parse = ast.parse

    def counting_parse(source: str | bytes, *args: object, **kwargs: object) -> ast.Module:
        calls.append("parse")
        return real_parse(source, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ast, "parse", counting_parse)
    result = analyse("svc.py", CODE.encode(), "python", frozenset(code_rules()), 10**6)
    assert len({f.rule_id for f in result.findings}) >= 3  # many rules ran ...
    assert calls == ["parse"]  # ... on one tree


@pytest.mark.parametrize("fmt", ["text", "json", "sarif"])
def test_secret_is_masked_in_every_format(tmp_path: Path, fmt: str) -> None:
    (tmp_path / "svc.py").write_text(CODE)
    (tmp_path / ".env").write_text(f"STRIPE_KEY={FAKE_KEY}\n")
    old = Path.cwd()
    os.chdir(tmp_path)
    try:
        res = CliRunner().invoke(cli, ["scan", ".", "--no-cache", "--no-deps", "--format", fmt], catch_exceptions=False)
    finally:
        os.chdir(old)
    assert res.exit_code == 1
    assert "SEC-TOKEN-001" in res.stdout
    assert FAKE_KEY not in res.stdout
    assert FAKE_KEY[8:20] not in res.stdout
