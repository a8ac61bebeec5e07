"""What the tree-sitter taint engine says about the first argument of each ``sink(...)`` call in a snippet, in
source order: the shared helper of the engine's flow tests."""

from __future__ import annotations

import textwrap

from tree_sitter import Node

from slopguard.engine.flow import Flow
from slopguard.engine.treesitter.context import TSContext
from slopguard.engine.treesitter.grammars import parser


def sink_flows(grammar: str, code: str) -> list[Flow]:
    """The flow of the first argument of every call named ``sink`` (``sink(x)``, ``obj.sink(x)``) in ``code``."""
    source = textwrap.dedent(code).encode()
    tree = parser(grammar).parse(source)
    ctx = TSContext(f"t.{grammar}", grammar, grammar, source, tree)
    found: list[tuple[int, Flow]] = []
    stack: list[Node] = [tree.root_node]
    while stack:
        node = stack.pop()
        stack.extend(node.named_children)
        if node.type in ctx.spec.calls and ctx.call_name(node).rsplit(".", 1)[-1] == "sink":
            found.append((node.start_byte, ctx.flow(ctx.arguments(node)[0])))
    return [flow for _, flow in sorted(found, key=lambda pair: pair[0])]
