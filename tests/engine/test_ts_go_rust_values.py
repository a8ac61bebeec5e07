"""Call names with ``<`` inside a chained call (Go), and what a Rust helper's tail expression returns."""

from __future__ import annotations

import textwrap

from tree_sitter import Node

from slopguard.engine.treesitter.context import TSContext
from slopguard.engine.treesitter.grammars import parser


def _context(grammar: str, code: str) -> TSContext:
    source = textwrap.dedent(code).encode()
    return TSContext(f"t.{grammar}", grammar, grammar, source, parser(grammar).parse(source))


def _nodes(ctx: TSContext, text: str, kind: str = "call_expression") -> list[Node]:
    found: list[Node] = []
    stack = [ctx.tree.root_node]
    while stack:
        node = stack.pop()
        stack.extend(node.named_children)
        if ctx.text(node) == text and node.type == kind:
            found.append(node)
    return sorted(found, key=lambda n: n.start_byte)


GO_DECODE = """
package relay

func Forward(w http.ResponseWriter, r *http.Request) {
	var in forwardRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&in); err != nil {
		return
	}
	sink(in.Target)
}
"""


def test_shift_inside_a_chained_call_keeps_the_method_name() -> None:
    ctx = _context("go", GO_DECODE)
    (call,) = _nodes(ctx, "json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&in)")
    assert ctx.call_name(call) == "json.NewDecoder(io.LimitReader(r.Body,1<<20)).Decode"
    (target,) = _nodes(ctx, "in.Target", "selector_expression")
    assert ctx.flow(target).tainted


def test_rust_type_arguments_are_still_cut() -> None:
    ctx = _context("rust", "fn f(v: &[u8]) { let x = v.iter().collect::<Vec<_>>(); }")
    (call,) = _nodes(ctx, "v.iter().collect::<Vec<_>>()")
    assert ctx.call_name(call) == "v.iter().collect"


RUST_HELPER = """
use axum::extract::Path as UrlPath;

fn inside_root(name: &str) -> Option<PathBuf> {
    let file_name = Path::new(name).file_name()?;
    Some(Path::new(ROOT).join(file_name))
}

fn raw(name: &str) -> PathBuf {
    Path::new(ROOT).join(name)
}

async fn download(UrlPath(name): UrlPath<String>) {
    sink(inside_root(&name));
    sink(raw(&name));
}
"""


def test_rust_helper_returns_its_tail_expression() -> None:
    ctx = _context("rust", RUST_HELPER)
    (checked,) = _nodes(ctx, "inside_root(&name)")
    (joined,) = _nodes(ctx, "raw(&name)")
    assert not ctx.flow(checked).tainted  # the tail joins only the file name
    assert ctx.flow(joined).tainted  # the renamed Path extractor is request data
