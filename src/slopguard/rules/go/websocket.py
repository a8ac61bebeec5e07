"""GO-WEBSOCKET-001: WebSocket upgrades that accept every Origin (cross-site WebSocket hijacking)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.go.common import FUNCTIONS, imports, is_test, string_value, unwrap
from slopguard.rules.shared.trees import walk


def _always_true(ctx: TSContext, fn: Node | None) -> bool:
    """A function whose every ``return`` answers ``true`` (logging or reading the header before it included)."""
    if fn is None:
        return False
    returns = [r for r in walk(fn, skip=FUNCTIONS[2:]) if r.type == "return_statement"]
    return bool(returns) and all(ctx.compact(r) == "returntrue" for r in returns)


def _callback(ctx: TSContext, value: Node) -> Node | None:
    """The function a CheckOrigin value names: a literal, or a function declared in this file."""
    value = unwrap(value)
    if value.type == "func_literal":
        return value
    if value.type == "identifier":
        name = ctx.text(value)
        for item in ctx.tree.root_node.named_children:
            if item.type == "function_declaration" and ctx.text(item.child_by_field_name("name")) == name:
                return item.child_by_field_name("body")
    return None


def _websocket_library(ctx: TSContext) -> bool:
    return any(path.endswith("/websocket") for path in imports(ctx).values())


def _literal_type(ctx: TSContext, pair: Node) -> str:
    """``websocket.Upgrader`` for a field of ``websocket.Upgrader{..}``."""
    literal = pair.parent.parent if pair.parent is not None else None
    return ctx.compact(literal.child_by_field_name("type")) if literal is not None else ""


@ts_rule(
    id="GO-WEBSOCKET-001",
    title="WebSocket upgrade accepts every origin (cross-site WebSocket hijacking)",
    cwe=(1385, 346),
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    languages=("go",),
    query="""((keyed_element . (literal_element (identifier) @key) . (literal_element (_) @value)) @pair
      (#any-of? @key "CheckOrigin" "InsecureSkipVerify" "OriginPatterns"))
      ((assignment_statement left: (expression_list (selector_expression field: (field_identifier) @field))
      right: (expression_list (_) @value)) @assign (#eq? @field "CheckOrigin"))""",
    why="""When the browser client of a chat or live-update feature fails with "websocket: request origin not
    allowed", assistants set CheckOrigin: func(r *http.Request) bool { return true } on the gorilla Upgrader
    (or InsecureSkipVerify / OriginPatterns: ["*"] on coder/websocket). Browsers send cookies with WebSocket
    handshakes and WebSockets are not covered by CORS, so any web page the victim opens can connect as the
    victim and read and send their messages.""",
    fix="""Compare the Origin header with the front end's origins (u, _ := url.Parse(r.Header.Get("Origin"));
    return allowed[u.Host]), or keep gorilla's default CheckOrigin, which allows only the same host; with
    coder/websocket list exact OriginPatterns.""",
)
def go_websocket_origin(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    if is_test(ctx) or not _websocket_library(ctx):
        return
    value: Node = captures["value"][0]
    if "assign" in captures:
        if _always_true(ctx, _callback(ctx, value)):
            node: Node = captures["assign"][0]
            yield ctx.hit(node, "CheckOrigin answers true for every Origin: any web page can open this WebSocket "
                                "with the visitor's cookies")  # fmt: skip
        return
    pair: Node = captures["pair"][0]
    key = ctx.text(captures["key"][0])
    kind = _literal_type(ctx, pair)
    if key == "CheckOrigin" and kind.endswith("Upgrader") and _always_true(ctx, _callback(ctx, value)):
        yield ctx.hit(pair, "CheckOrigin answers true for every Origin: any web page can open this WebSocket with "
                            "the visitor's cookies")  # fmt: skip
    elif key == "InsecureSkipVerify" and kind.endswith("AcceptOptions") and ctx.compact(value) == "true":
        yield ctx.hit(pair, "InsecureSkipVerify skips the Origin check: any web page can open this WebSocket with "
                            "the visitor's cookies")  # fmt: skip
    elif key == "OriginPatterns" and kind.endswith("AcceptOptions"):
        patterns = [string_value(ctx, n) for n in walk(value) if n.type.endswith("string_literal")]
        if "*" in patterns:
            yield ctx.hit(pair, "OriginPatterns '*' accepts every Origin: any web page can open this WebSocket",
                          confidence=Confidence.HIGH)  # fmt: skip
