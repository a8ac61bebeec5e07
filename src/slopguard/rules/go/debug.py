"""GO-DEBUG-001: the pprof profiling endpoints served on a non-loopback address."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.go.common import CALL, constant, function_of, imports, is_test, package_call, unwrap
from slopguard.rules.shared.trees import walk

_NET_PPROF = "net/http/pprof"
_GIN_PPROF = "github.com/gin-contrib/pprof"
_SERVES = {"ListenAndServe": (0, 1), "ListenAndServeTLS": (0, 3)}
_LOOPBACK = re.compile(r"^(?:localhost|127\.\d+\.\d+\.\d+|\[::1\]|::1)(?::\d*)?$", re.IGNORECASE)
_DEFAULT_MUX = ("nil", "http.DefaultServeMux")


def _pprof_imports(ctx: TSContext) -> set[str]:
    return {path for path in imports(ctx).values() if path in (_NET_PPROF, _GIN_PPROF)}


def _serves_pprof(ctx: TSContext, handler: Node | None) -> bool:
    """The handler is the default mux (where importing net/http/pprof registers /debug/pprof/), or a mux this
    file hands pprof's handlers to."""
    text = ctx.compact(handler) if handler is not None else "nil"
    if text in _DEFAULT_MUX:
        return True
    if handler is None or unwrap(handler).type != "identifier":
        return False
    pattern = re.compile(rf"^{re.escape(text)}\.(?:HandleFunc|Handle)\(.*(?:pprof\.|/debug/pprof)")
    return any(n.type == "call_expression" and pattern.match(ctx.compact(n)) for n in walk(ctx.tree.root_node))


def _exposure(ctx: TSContext, address: Node | None) -> Confidence | None:
    """HIGH for a literal non-loopback address (``":6060"``, ``"0.0.0.0:8080"``), MEDIUM for one read from
    configuration, None for loopback."""
    value = constant(ctx, address) if address is not None else ":http"
    if value is None:
        return Confidence.MEDIUM
    return None if _LOOPBACK.match(value) else Confidence.HIGH


def _server_literal(ctx: TSContext, call: Node) -> tuple[Node | None, Node | None] | None:
    """(Addr, Handler) of ``srv.ListenAndServe()`` when ``srv := &http.Server{..}`` is in this file."""
    recv = call.child_by_field_name("function")
    operand = recv.child_by_field_name("operand") if recv is not None else None
    if operand is None or operand.type != "identifier":
        return None
    name = ctx.text(operand)
    scope = function_of(call)
    literals = [n for n in walk(scope)] if scope is not None else []
    for node in literals + list(walk(ctx.tree.root_node)):
        if node.type != "composite_literal" or ctx.compact(node.child_by_field_name("type")) != "http.Server":
            continue
        holder = node.parent if node.parent is not None and node.parent.type == "unary_expression" else node
        binding = holder.parent.parent if holder.parent is not None else None
        if binding is None or not ctx.compact(binding).startswith((f"{name}:=", f"{name}=", f"var{name}")):
            continue
        fields = {
            ctx.compact(p.named_children[0]): p.named_children[1]
            for p in (node.child_by_field_name("body") or node).named_children
            if p.type == "keyed_element" and len(p.named_children) == 2
        }
        return fields.get("Addr"), fields.get("Handler")
    return None


@ts_rule(
    id="GO-DEBUG-001",
    title="pprof profiling endpoints served on a public address",
    cwe=(489, 200),
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    languages=("go",),
    query=f"""({CALL} (#any-of? @method "ListenAndServe" "ListenAndServeTLS" "Register" "Run"))""",
    why="""To chase a memory leak assistants add import _ "net/http/pprof" (or gin-contrib/pprof's
    pprof.Register) and keep serving the application on ":8080". Every visitor can then fetch
    /debug/pprof/: heap dumps that hold tokens and request data, goroutine stacks, the command line with its
    flags, and 30-second CPU profiles that load the server on demand.""",
    fix="""Serve pprof on a separate loopback listener (go http.ListenAndServe("localhost:6060", nil)) and give
    the application its own http.NewServeMux, or put the pprof routes behind authentication.""",
)
def go_pprof_exposed(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    found = _pprof_imports(ctx)
    if not found or is_test(ctx):
        return
    call: Node = captures["call"][0]
    method = ctx.text(captures["method"][0])
    args = ctx.arguments(call)
    target = package_call(ctx, call)
    if _NET_PPROF in found and method in _SERVES:
        if target == ("net/http", method):
            where, handler = _SERVES[method]
            address = args[where] if len(args) > where else None
            served = args[handler] if len(args) > handler else None
        elif target is None and (server := _server_literal(ctx, call)) is not None:
            address, served = server
        else:
            return
        confidence = _exposure(ctx, address)
        if confidence is not None and _serves_pprof(ctx, served):
            yield ctx.hit(call, "net/http/pprof is imported and its /debug/pprof/ handlers are served on a "
                                "public address", confidence=confidence)  # fmt: skip
    elif _GIN_PPROF in found and target == (_GIN_PPROF, "Register") and args:
        yield from _gin_register(ctx, call, ctx.compact(args[0]))


def _gin_register(ctx: TSContext, call: Node, router: str) -> Iterator[Hit]:
    """``pprof.Register(r)`` on a router that ``r.Run(..)`` serves on a public address."""
    for node in walk(ctx.tree.root_node):
        if node.type != "call_expression" or ctx.compact(node.child_by_field_name("function")) != f"{router}.Run":
            continue
        args = ctx.arguments(node)
        confidence = _exposure(ctx, args[0] if args else None)
        if confidence is not None:
            yield ctx.hit(call, f"pprof.Register({router}) exposes /debug/pprof/ on the application's public "
                                "address", confidence=confidence)  # fmt: skip
            return
