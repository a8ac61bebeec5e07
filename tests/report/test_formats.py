"""JSON output matches its documented schema; SARIF validates against the official 2.1.0 schema."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from slopguard.core.config import Settings
from slopguard.pipeline.catalog import code_rules, make_scanner
from slopguard.report import RenderOptions
from slopguard.report.json_report import render_json
from slopguard.report.sarif import render_sarif

ROOT = Path(__file__).resolve().parents[2]
CODE = """\
import subprocess
from flask import request


def ping():
    host = request.args["host"]
    subprocess.run(f"ping -c 1 {host}", shell=True)
    cur.execute("SELECT * FROM t WHERE id = " + host)
"""


def scan(tmp_path: Path):  # type: ignore[no-untyped-def]
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "ping.py").write_text(CODE)
    (tmp_path / "bad.py").write_text("def (:\n")
    settings = Settings(root=tmp_path, cache=False)
    return make_scanner(settings, code_rules()).scan_paths([tmp_path])


def test_json_matches_documented_schema(tmp_path: Path) -> None:
    doc = json.loads(render_json(scan(tmp_path), RenderOptions()))
    schema = json.loads((ROOT / "docs" / "findings.schema.json").read_text())
    jsonschema.validate(doc, schema)
    assert doc["findings"] and doc["skipped"][0]["path"] == "bad.py"


def test_sarif_is_valid_and_ready_for_code_scanning(tmp_path: Path) -> None:
    result = scan(tmp_path)
    doc = json.loads(render_sarif(result))
    schema = json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text())
    jsonschema.validate(doc, schema)
    run = doc["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert len(rules) == len(result.rule_ids)
    assert "external/cwe/cwe-89" in rules["PY-SQLI-001"]["properties"]["tags"]
    for res in run["results"]:
        loc = res["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"]["uri"] == "svc/ping.py"  # relative, '/'-separated
        assert loc["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert len(res["partialFingerprints"]["slopguard/v1"]) == 32
        assert run["tool"]["driver"]["rules"][res["ruleIndex"]]["id"] == res["ruleId"]
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert notes[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "bad.py"
