"""The call index only skips work: each Call rule runs on the calls showing one of its ``calls`` words, and finds
exactly what it finds when it runs on every call."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from slopguard.core.finding import Confidence, Severity
from slopguard.core.rule import RuleMeta
from slopguard.engine.hit import Hit, hit_at
from slopguard.engine.python.call_index import CallIndex
from slopguard.engine.python.context import PyContext
from slopguard.engine.python.parse import parse_python
from slopguard.engine.python.runner import run_python_rules
from slopguard.engine.registry import PyCheck, Rule, python_rule, python_rules

TESTS = Path(__file__).resolve().parent.parent
SOURCES = sorted(
    [*(TESTS / "fixtures" / "rules" / "python").glob("*.py"), *(TESTS / "corpus").rglob("*.py")],
    key=lambda p: p.relative_to(TESTS).as_posix(),
)


def _findings(path: Path, every_call: bool) -> list[tuple[str, Hit]]:
    text = path.read_text(encoding="utf-8")
    ctx = PyContext(path.name, text, parse_python(text, path.name).tree)
    return [
        (rule.meta.id, hit) for rule, hit in run_python_rules(ctx, list(python_rules().values()), every_call=every_call)
    ]


def test_the_sources_compared_are_found() -> None:
    assert len(SOURCES) > 40  # every Python rule fixture and the corpora's Python files


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.relative_to(TESTS).as_posix())
def test_the_index_hides_no_finding(path: Path) -> None:
    assert _findings(path, every_call=False) == _findings(path, every_call=True)


def test_most_call_rules_are_indexed() -> None:
    call_rules = [r for r in python_rules().values() if ast.Call in r.node_types]
    unindexed = sorted(r.meta.id for r in call_rules if r.calls is None)
    assert len(call_rules) > 20
    # PY-SECRET-001 fires on any keyword or environment lookup given a constant: no word list can say which.
    # A new Call rule declares calls= (see python_rule), or is added here with the reason it cannot.
    assert unindexed == ["PY-SECRET-001"]


def _meta(rule_id: str) -> RuleMeta:
    return RuleMeta(rule_id, "t", (1,), Severity.LOW, Confidence.LOW, ("python",), "w", "f")


def _rule(rule_id: str, calls: frozenset[str] | None) -> Rule[PyCheck]:
    def check(node: ast.Call, ctx: PyContext) -> Iterator[Hit]:
        yield hit_at(node, rule_id)

    return Rule(_meta(rule_id), check, (ast.Call,), calls)


RULES = [
    _rule("EXACT", frozenset({"system", "verify"})),
    _rule("PREFIX", frozenset({"HttpResponse*"})),
    _rule("SUFFIX", frozenset({"*run_simple"})),
    _rule("ALWAYS", None),
]


def _chosen(code: str, *, every_call: bool = False) -> list[list[str]]:
    """The rules chosen for each call of ``code``, call by call."""
    tree = ast.parse(code)
    ctx = PyContext("t.py", code, tree)
    index = CallIndex(RULES, every_call=every_call)
    chosen = []
    for stmt in tree.body:
        if isinstance(stmt, ast.Import | ast.ImportFrom):
            ctx.record_import(stmt)
        for node in ast.walk(stmt):
            if isinstance(node, ast.Call):
                chosen.append([r.meta.id for r in index.rules_for(node, ctx)])
    return chosen


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("os.system(cmd)", ["EXACT", "ALWAYS"]),  # the last name part as written
        ("from os import system as run\nrun(cmd)", ["EXACT", "ALWAYS"]),  # ... or as resolved through imports
        ("requests.get(url, verify=False)", ["EXACT", "ALWAYS"]),  # a keyword argument's name
        ("print(x)", ["ALWAYS"]),
        ("f(system)", ["ALWAYS"]),  # a word among the arguments is not the call's
        ("HttpResponseNotFound(body)", ["PREFIX", "ALWAYS"]),
        ("from werkzeug.serving import run_simple as serve\nserve(h, p, app)", ["SUFFIX", "ALWAYS"]),
        ("werkzeug.my_run_simple(x)", ["SUFFIX", "ALWAYS"]),
        ("g()(x)", ["ALWAYS"]),
    ],
)
def test_a_call_gets_the_rules_whose_words_it_shows(code: str, expected: list[str]) -> None:
    assert _chosen(code)[-1] == expected


def test_every_call_mode_runs_every_rule_in_registration_order() -> None:
    assert _chosen("print(x)", every_call=True) == [["EXACT", "PREFIX", "SUFFIX", "ALWAYS"]]


def test_the_index_keeps_registration_order_when_several_words_meet() -> None:
    assert _chosen("HttpResponse(x, verify=True)") == [["EXACT", "PREFIX", "ALWAYS"]]


@pytest.mark.parametrize(
    ("nodes", "calls"),
    [
        ((ast.Assign,), {"open"}),  # calls= without ast.Call
        ((ast.Call,), set()),  # no word
        ((ast.Call,), {"*"}),  # a bare star
        ((ast.Call,), {"a*b"}),  # a star inside
        ((ast.Call,), {"*open*"}),  # stars at both ends
    ],
)
def test_the_decorator_refuses_calls_words_it_cannot_index(nodes: tuple[type[ast.AST], ...], calls: set[str]) -> None:
    with pytest.raises(ValueError, match="calls="):
        python_rule(
            id="TEST-CALLS-001",
            title="t",
            cwe=1,
            severity=Severity.LOW,
            confidence=Confidence.LOW,
            why="w",
            fix="f",
            nodes=nodes,
            calls=calls,
        )


def test_dotted_calls_words_keep_their_last_part() -> None:
    register = python_rule(
        id="TEST-CALLS-002",
        title="t",
        cwe=1,
        severity=Severity.LOW,
        confidence=Confidence.LOW,
        why="w",
        fix="f",
        nodes=(ast.Call,),
        calls={"os.path.join", "verify", "modes.ECB"},
    )

    def check(node: ast.Call, ctx: PyContext) -> Iterator[Hit]:
        yield from ()

    register(check)
    try:
        assert python_rules()["TEST-CALLS-002"].calls == {"join", "verify", "ECB"}
    finally:
        del python_rules()["TEST-CALLS-002"]
