"""The CI formats (concise, GitHub annotations, GitLab Code Quality, JUnit), SARIF links and URIs, statistics."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest

from slopguard.core.config import FORMATS, Settings
from slopguard.core.finding import Location
from slopguard.core.report import Report
from slopguard.pipeline.catalog import code_rules, make_scanner
from slopguard.report import REPORTERS, RenderOptions, reporter
from slopguard.report.github import escape_data, escape_property
from slopguard.report.sarif import render_sarif
from slopguard.report.statistics import render_statistics, rule_counts

CODE = """\
import subprocess
from flask import request


def ping():
    host = request.args["host"]
    subprocess.run(f"ping -c 1 {host}", shell=True)
    cur.execute("SELECT * FROM t WHERE id = " + host)
    cur.execute("SELECT * FROM u WHERE id = " + host)
"""
ODD_DIR, ODD_NAME = "dir with space", "my #1 app.py"


def scan(tmp_path: Path) -> Report:
    (tmp_path / ODD_DIR).mkdir()
    (tmp_path / ODD_DIR / ODD_NAME).write_text(CODE)
    (tmp_path / "bad.py").write_text("def (:\n")
    (tmp_path / "clean.py").write_text("X = 1\n")
    settings = Settings(root=tmp_path, cache=False)
    return make_scanner(settings, code_rules()).scan_paths([tmp_path])


def render(fmt: str, report: Report, options: RenderOptions | None = None) -> str:
    out = io.StringIO()
    reporter(fmt)(report, out, options or RenderOptions())
    return out.getvalue()


def test_config_formats_are_the_registered_reporters() -> None:
    assert tuple(REPORTERS) == FORMATS


def test_concise_is_one_line_per_finding(tmp_path: Path) -> None:
    report = scan(tmp_path)
    lines = render("concise", report).splitlines()
    first = report.findings[0]
    loc = first.location
    assert (
        lines[0]
        == f"{loc.path}:{loc.start_line}:{loc.start_col}: {first.rule_id} [{first.severity.label}] {first.message}"
    )
    assert len([ln for ln in lines if ": PY-" in ln]) == len(report.findings)
    assert "bad.py: not analysed: " in "\n".join(lines)


def test_github_annotations_escape_names_and_messages(tmp_path: Path) -> None:
    report = scan(tmp_path)
    text = render("github", report)
    lines = text.splitlines()
    assert len(lines) == len(report.findings) + len(report.skipped)
    assert all(line.startswith(("::error ", "::warning ", "::notice ")) for line in lines)
    assert f"file={ODD_DIR}/my #1 app.py,line=7,col=" in text
    assert "::warning file=bad.py,title=slopguard%3A not analysed::" in text
    assert escape_property("a,b:c%d\r\ne") == "a%2Cb%3Ac%25d%0D%0Ae"
    assert escape_data("100% done\nnext: x, y") == "100%25 done%0Anext: x, y"


def test_github_annotation_cannot_inject_a_command(tmp_path: Path) -> None:
    report = scan(tmp_path)
    evil = Location("x.py\n::add-mask::,line=1", 1, 1, 1, 1)
    report.findings = [replace(report.findings[0], location=evil, message="m\n::stop-commands::t")]
    report.skipped = []
    (line,) = render("github", report).splitlines()
    assert "file=x.py%0A%3A%3Aadd-mask%3A%3A%2Cline=1,line=1," in line
    assert line.endswith("::m%0A::stop-commands::t [high]%0AFix: " + report.findings[0].fix)


def test_gitlab_code_quality(tmp_path: Path) -> None:
    report = scan(tmp_path)
    issues = json.loads(render("gitlab", report))
    found = [i for i in issues if i["check_name"].startswith("PY-")]
    assert len(found) == len(report.findings)
    assert len({i["fingerprint"] for i in issues}) == len(issues)
    first = found[0]
    assert first["location"] == {"path": f"{ODD_DIR}/{ODD_NAME}", "lines": {"begin": 7}}
    assert first["severity"] in {"info", "minor", "major", "critical", "blocker"} and first["description"]
    assert {"description", "check_name", "fingerprint", "severity", "location"} <= set(first)
    skipped = [i for i in issues if i["location"]["path"] == "bad.py"]
    assert skipped and skipped[0]["severity"] == "info"


def test_junit_one_case_per_file_and_a_failure_per_finding(tmp_path: Path) -> None:
    report = scan(tmp_path)
    f = report.findings[0]
    report.findings[0] = replace(f, snippet="bad\x00\x1b[31m <&> ]]>")
    root = ET.fromstring(render("junit", report))
    cases = {c.get("name"): c for c in root.iter("testcase")}
    assert set(cases) == {f"{ODD_DIR}/{ODD_NAME}", "bad.py", "clean.py"}
    assert len(cases[f"{ODD_DIR}/{ODD_NAME}"].findall("failure")) == len(report.findings)
    assert cases["bad.py"].find("error") is not None and not list(cases["clean.py"])
    assert root.get("failures") == str(len(report.findings)) and root.get("tests") == "3"
    assert "<&> ]]>" in (cases[f"{ODD_DIR}/{ODD_NAME}"].find("failure").text or "")  # type: ignore[union-attr]


def test_sarif_help_links_and_encoded_uris(tmp_path: Path) -> None:
    report = scan(tmp_path)
    run = json.loads(render_sarif(report))["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert rules["PY-SQLI-001"]["helpUri"] == "docs/rules.md#py-sqli-001"
    assert rules["PY-SQLI-001"]["help"]["markdown"] and rules["PY-SQLI-001"]["help"]["text"]
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]}
    assert uris == {"dir%20with%20space/my%20%231%20app.py"}
    published = json.loads(render("sarif", report, RenderOptions(rules_url="https://example.test/rules")))
    assert published["runs"][0]["tool"]["driver"]["rules"][0]["helpUri"].startswith("https://example.test/rules#")


def test_text_is_not_wrapped_off_a_terminal(tmp_path: Path) -> None:
    report = scan(tmp_path)
    text = render("text", report, RenderOptions(terminal=False))
    assert any(line.strip() == report.findings[0].message for line in text.splitlines())


@pytest.mark.parametrize("fmt", sorted(REPORTERS))
def test_every_format_renders_an_empty_scan(tmp_path: Path, fmt: str) -> None:
    assert render(fmt, Report(tmp_path)) is not None


def test_statistics_count_findings_per_rule(tmp_path: Path) -> None:
    report = scan(tmp_path)
    counts = {r.rule_id: r.count for r in rule_counts(report)}
    assert counts["PY-SQLI-001"] == 2 and sum(counts.values()) == len(report.findings)
    out = io.StringIO()
    render_statistics(report, out)
    lines = out.getvalue().splitlines()
    assert lines[0].split("\t")[:2] == ["2", "PY-SQLI-001"]
    assert lines[-1] == "1 file(s) not analysed"
    out = io.StringIO()
    render_statistics(report, out, as_json=True)
    assert json.loads(out.getvalue())["not_analysed"] == ["bad.py"]
