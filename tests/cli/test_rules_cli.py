"""``slopguard rules RULE-ID`` explains one rule, with examples shipped in the package and kept current."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

from click.testing import CliRunner

from slopguard.cli import cli
from slopguard.cli.rules import PARITY_LANGUAGES, parity_table
from slopguard.core.families import family_of
from slopguard.guide.rule_reference import EXAMPLES_FILE, catalog, rule_examples
from slopguard.pipeline.catalog import code_rules, rule_catalog

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


def test_the_reference_has_a_parity_table_with_holes_visible() -> None:
    table = parity_table(rule_catalog())
    sqli = next(row for row in table if row.startswith("| SQL injection |"))
    cells = [c.strip() for c in sqli.strip("|").split("|")][1:]
    assert len(cells) == len(PARITY_LANGUAGES)
    assert "PY-SQLI-001" in cells[PARITY_LANGUAGES.index("python")]
    assert any(row.endswith("| - |") or " - |" in row for row in table[7:]), "a hole shows as '-'"


def test_every_code_rule_belongs_to_a_named_flaw_family() -> None:
    unnamed = {rid: meta.cwe for rid, meta in code_rules().items() if family_of(meta.cwe).startswith("other")}
    assert not unnamed, f"add their CWEs to slopguard.core.families: {unnamed}"
