"""``slopguard rules RULE-ID`` explains one rule, with examples shipped in the package and kept current."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

from click.testing import CliRunner

from slopguard.cli import cli
from slopguard.cli.rules import EXAMPLES_FILE, catalog, rule_examples

ROOT = Path(__file__).resolve().parents[2]


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_rule_examples", ROOT / "scripts" / "build_rule_examples.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_shipped_examples_are_built_from_the_current_fixtures() -> None:
    script = _script()
    shipped = (ROOT / "src" / "slopguard" / EXAMPLES_FILE).read_text(encoding="utf-8")
    assert shipped == script.render(script.rule_examples()), "run: python scripts/build_rule_examples.py"
    code_rules = {rid for rid, meta in catalog().items() if not rid.startswith(("DEP-", "PROBE-"))}
    assert code_rules <= set(rule_examples())


def test_explain_one_rule_with_examples() -> None:
    res = CliRunner().invoke(cli, ["rules", "py-sqli-001"], catch_exceptions=False)
    assert res.exit_code == 0
    out = res.stdout
    assert out.startswith("PY-SQLI-001: SQL query built from strings")
    for part in ("CWE-89", "Severity:   high", "Confidence:", "Languages:  python", "Why it matters", "Fix"):
        assert part in out
    example = rule_examples()["PY-SQLI-001"]
    assert "Flagged (from python/PY-SQLI-001.py):" in out and example["flagged"].splitlines()[-1] in out
    assert example["safe"].splitlines()[-1] in out and "expect:" not in out


def test_explain_json_and_unknown_rule() -> None:
    res = CliRunner().invoke(cli, ["rules", "SG-SUPPRESS-003", "--format", "json"], catch_exceptions=False)
    doc = json.loads(res.stdout)["SG-SUPPRESS-003"]
    assert doc["severity"] == "low" and "slopguard: ignore[PY-SQLI-001]" in doc["examples"]["flagged"]
    res = CliRunner().invoke(cli, ["rules", "PY-CMDI-01"])
    assert res.exit_code == 2 and "did you mean PY-CMDI-001" in res.stderr


def test_examples_hide_secrets() -> None:
    assert "AKIAL3KXGIP7TVMQWOWM" not in json.dumps(rule_examples())
