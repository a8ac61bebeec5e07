"""Operator input (stdin, the command line, the environment) is graded below a remote attacker's request data."""

from __future__ import annotations

import textwrap

import pytest

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.analyse import analyse
from slopguard.engine.flow import Flow, Level, describe, grade, join, operator_input, tainted
from slopguard.pipeline.catalog import code_rules


def test_grade_and_describe() -> None:
    stdin = operator_input("sys.stdin.read()")
    assert describe(stdin) == "operator input (sys.stdin.read())"
    assert grade(stdin, Severity.HIGH) == (Severity.MEDIUM, Confidence.LOW)
    assert grade(tainted("request.args"), Severity.HIGH) == (Severity.HIGH, Confidence.HIGH)
    assert grade(Flow(Level.UNKNOWN), Severity.HIGH) == (Severity.MEDIUM, Confidence.MEDIUM)
    assert not stdin.tainted and stdin.dynamic and stdin.external
    assert join((stdin, tainted("request.form"))).origin == "request.form"


def _findings(code: str, rule: str, language: str = "python") -> list[tuple[int, Severity, Confidence]]:
    code_rules()  # registers the rule packs
    data = textwrap.dedent(code).encode()
    result = analyse(f"t.{language}", data, language, frozenset({rule}), 1_000_000)
    return [(f.location.start_line, f.severity, f.confidence) for f in result.findings]


@pytest.mark.parametrize(
    ("rule", "code"),
    [
        ("PY-EVAL-001", "import sys\nexec(sys.stdin.read())\n"),
        ("PY-EVAL-001", "code = input('>>> ')\nprint(eval(code))\n"),
        ("PY-CMDI-001", "import os, sys\nos.system('wc -l ' + sys.argv[1])\n"),
        ("PY-SQLI-001", "import sys\ncur.execute(f\"SELECT * FROM t WHERE name = '{sys.argv[1]}'\")\n"),
    ],
)
def test_operator_input_is_medium_with_low_confidence(rule: str, code: str) -> None:
    assert [(s, c) for _, s, c in _findings(code, rule)] == [(Severity.MEDIUM, Confidence.LOW)]


@pytest.mark.parametrize(
    ("rule", "code"),
    [
        ("PY-EVAL-001", "from flask import request\ndef view():\n    return eval(request.args['q'])\n"),
        (
            "PY-CMDI-001",
            "import os\nfrom flask import request\ndef view():\n    os.system('ls ' + request.args['d'])\n",
        ),
    ],
)
def test_request_data_keeps_its_severity(rule: str, code: str) -> None:
    assert [(s, c) for _, s, c in _findings(code, rule)] == [(Severity.HIGH, Confidence.HIGH)]
