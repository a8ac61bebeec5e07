"""The per-file node index (``ctx.nodes(...)``) and the joined rule query return exactly what the slow paths
returned: a walk of the tree in Python, and one query per rule."""

from __future__ import annotations

import pytest
from tree_sitter import Node, QueryCursor

from slopguard.engine.registry import ts_rules
from slopguard.engine.treesitter.context import TSContext
from slopguard.engine.treesitter.grammars import parser
from slopguard.engine.treesitter.runner import compile_query, join_queries
from slopguard.rules import load_all
from slopguard.rules.shared.trees import walk

_JS = b"""
const express = require('express');
import { readFile } from 'fs';
const app = express();
const x = function () { return 1; }.call(this), y = f(g(h()));
class Api {
  constructor(private http: HttpService, public base = axios.create({})) {}
  client = axios.create({ baseURL: 'x' });
  get(id?: string) { return this.http.get(`/u/${id}`).then((r) => r.data.map((d) => d.id)); }
}
function outer(req) {
  const inner = (a) => { db.query(a); return () => run(a)(); };
  (() => { nested(1); })();
  return inner(req.query.q);
}
broken(( ;
"""

_GO = b"""package main
func handler(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query().Get("q")
	go func() { exec.Command("sh", "-c", q).Run() }()
	db.Query(fmt.Sprintf("SELECT %s", q))
}
"""

_CASES = [
    ("typescript", _JS, ("call_expression",)),
    ("typescript", _JS, ("variable_declarator", "import_statement")),
    ("typescript", _JS, ("required_parameter", "optional_parameter", "public_field_definition")),
    ("javascript", _JS.replace(b"private ", b"").replace(b"public ", b"").replace(b"?: string", b""),
     ("call_expression", "new_expression", "required_parameter")),
    ("go", _GO, ("call_expression", "func_literal")),
]  # fmt: skip


def _context(grammar_name: str, source: bytes) -> TSContext:
    tree = parser(grammar_name).parse(source)
    language = "typescript" if grammar_name == "typescript" else grammar_name
    return TSContext("snippet", language, grammar_name, source, tree)


def _walked(root: Node, kinds: tuple[str, ...]) -> list[int]:
    return [n.id for n in walk(root) if n.type in kinds]


@pytest.mark.parametrize(("grammar_name", "source", "kinds"), _CASES)
def test_nodes_come_in_walk_order(grammar_name: str, source: bytes, kinds: tuple[str, ...]) -> None:
    ctx = _context(grammar_name, source)
    found = ctx.nodes(*kinds)
    assert [n.id for n in found.nodes] == _walked(ctx.tree.root_node, kinds)
    assert found.nodes, "the snippet has nodes of these kinds"
    assert ctx.nodes(*reversed(kinds)) is found  # kept per file, whatever order the kinds are named in


@pytest.mark.parametrize(("grammar_name", "source", "kinds"), _CASES)
def test_nodes_inside_a_subtree_are_the_walk_of_that_subtree(
    grammar_name: str, source: bytes, kinds: tuple[str, ...]
) -> None:
    ctx = _context(grammar_name, source)
    found = ctx.nodes(*kinds)
    subtrees = list(walk(ctx.tree.root_node))
    assert len(subtrees) > 50
    for subtree in subtrees:
        assert [n.id for n in found.inside(subtree)] == _walked(subtree, kinds), subtree


def test_a_kind_the_grammar_lacks_finds_nothing() -> None:
    ctx = _context("javascript", b"function f(a) { return a; }")
    assert ctx.nodes("required_parameter").nodes == []
    assert [n.type for n in ctx.nodes("required_parameter", "formal_parameters").nodes] == ["formal_parameters"]


@pytest.mark.parametrize("grammar_name", ["javascript", "typescript", "go"])
def test_joined_query_finds_each_rules_matches_in_its_own_order(grammar_name: str) -> None:
    load_all()
    language = {"javascript": "javascript", "typescript": "typescript", "go": "go"}[grammar_name]
    rules = [r for r in ts_rules().values() if language in r.meta.languages]
    source = _GO if grammar_name == "go" else _JS
    tree = parser(grammar_name).parse(source)
    plan = join_queries(rules, grammar_name)
    assert plan.query is not None
    joined: list[list[list[tuple[str, list[int]]]]] = [[] for _ in range(plan.slots)]
    for pattern, captures in QueryCursor(plan.query).matches(tree.root_node):
        joined[plan.pattern_slots[pattern]].append(sorted((k, [n.id for n in v]) for k, v in captures.items()))
    compared = 0
    for rule, slot in zip(rules, plan.rule_slots, strict=True):
        own = compile_query(rule, grammar_name)
        assert (own is None) == (slot is None)
        if own is None or slot is None:
            continue
        alone = [
            sorted((k, [n.id for n in v]) for k, v in c.items()) for _, c in QueryCursor(own).matches(tree.root_node)
        ]
        assert alone == joined[slot], rule.meta.id
        compared += bool(alone)
    assert compared >= 5, "the snippet matches several rules"
