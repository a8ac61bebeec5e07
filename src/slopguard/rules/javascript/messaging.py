"""JS-MSG-001: cross-window messaging without an origin: postMessage(data, '*') and message handlers that never
check event.origin."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.javascript.common import FUNCTIONS, method, option, receiver, resolve, string_value, unwrap
from slopguard.rules.shared.trees import walk

_SENSITIVE = re.compile(
    r"(?i)token|secret|passw|session|auth|credential|jwt|cookie|api_?key|private|\bcode\b|\buser\b|email|account"
)
# Where a handler receives messages from other windows (a worker's `self` and ports hear only their own page).
_WINDOWS = re.compile(r"^(?:window|globalThis|top|parent|window\.(?:top|parent))$")
_WORKER_FILE = re.compile(
    rb"\bimportScripts\s*\(|\bself\.postMessage\s*\(|lib=['\"]webworker['\"]|\bWorkerGlobalScope\b"
)
_OWN_WINDOW = re.compile(r"^(?:window|self|globalThis|global|_?global\w*|this|window\.window)$")
# A handler that looks at who sent the message: event.origin, or the sending window (event.source === frame).
_SENDER_CHECK = re.compile(r"\borigin\b|\.source\s*[!=]==?|[!=]==?\s*\w+(?:\.\w+)*\.source\b")


def _handler(ctx: TSContext, node: Node | None) -> Node | None:
    """The function a listener argument names: an inline function, a const, or a function declaration."""
    if node is None:
        return None
    value = unwrap(resolve(ctx, node) or node)
    if value.type in FUNCTIONS:
        return value
    if value.type != "identifier":
        return None
    name = ctx.text(value)
    return next(
        (
            n
            for n in walk(ctx.tree.root_node)
            if n.type == "function_declaration" and ctx.text(n.child_by_field_name("name")) == name
        ),
        None,
    )


def _listener(ctx: TSContext, node: Node) -> Node | None:
    """The handler of ``window.addEventListener('message', h)`` or ``window.onmessage = h``, else None."""
    if node.type == "assignment_expression":
        left = node.child_by_field_name("left")
        if left is None or ctx.compact(left) not in ("window.onmessage", "onmessage"):
            return None
        return _handler(ctx, node.child_by_field_name("right"))
    args = ctx.arguments(node)
    if method(ctx, node) != "addEventListener" or len(args) < 2 or string_value(ctx, args[0]) != "message":
        return None
    obj = receiver(node)
    if obj is None and _WORKER_FILE.search(ctx.source):
        return None
    if obj is not None and not _WINDOWS.match(ctx.compact(obj)):
        return None
    return _handler(ctx, args[1])


def _uses_message(ctx: TSContext, handler: Node) -> bool:
    params = handler.child_by_field_name("parameters") or handler.child_by_field_name("parameter")
    if params is None:
        return False
    body = ctx.text(handler.child_by_field_name("body"))
    names = [ctx.text(n) for n in walk(params) if n.type in ("identifier", "shorthand_property_identifier_pattern")]
    # reads event.data, or hands the whole event on: handle(event), this.onMessage(e)
    used = (rf"\b{re.escape(n)}\.data\b|\(\s*{re.escape(n)}\s*[,)]" for n in names)
    return any(re.search(pattern, body) for pattern in used) or "data" in names


@ts_rule(
    id="JS-MSG-001",
    title="postMessage to any origin, or a message handler that does not check the sender",
    cwe=(345, 940),
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    languages=("javascript", "typescript"),
    query="[(call_expression) (assignment_expression)] @node",
    why="""Assistants wire iframes, pop-up logins and widgets together with window.parent.postMessage({ token },
    '*') and window.addEventListener('message', e => ...) handlers that act on e.data straight away. With '*'
    the message goes to whatever page the target window shows now (an attacker who framed or navigated it reads
    the token); a handler that never checks e.origin obeys any site that opens or frames the page: it logs the
    user in with the attacker's token, navigates, or writes the data into the DOM.""",
    fix="""Name the receiver: postMessage(data, 'https://app.example.com'). In the handler, return unless
    event.origin is one of the origins you expect (an exact comparison, not includes/indexOf), and still treat
    event.data as untrusted input.""",
)
def unchecked_messaging(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    node: Node = captures["node"][0]
    if node.type == "call_expression" and method(ctx, node) == "postMessage":
        yield from _wildcard_target(ctx, node)
        return
    handler = _listener(ctx, node)
    if handler is None or not _uses_message(ctx, handler) or _SENDER_CHECK.search(ctx.text(handler)):
        return
    yield ctx.hit(node, "message handler acts on event.data without checking event.origin: any site can send it")


def _wildcard_target(ctx: TSContext, call: Node) -> Iterator[Hit]:
    args = ctx.arguments(call)
    obj = receiver(call)
    if len(args) < 2 or obj is None or _OWN_WINDOW.match(ctx.compact(obj)):
        return  # a page posting to itself (setImmediate shims): the message never leaves it
    target = resolve(ctx, args[1]) or args[1]
    origin = string_value(ctx, target)
    if origin is None and target.type == "object":
        origin = string_value(ctx, option(ctx, target, "targetOrigin"))
    payload = ctx.text(args[0]) + " " + ctx.text(resolve(ctx, args[0]))
    sensitive = bool(_SENSITIVE.search(payload))
    if origin != "*" or (not sensitive and not ctx.flow(args[0]).dynamic):
        return  # parent.postMessage('ready', '*'): a constant signal
    if sensitive:
        yield ctx.hit(call, "postMessage(..., '*') sends credentials or user data to whatever page the window shows")
    else:
        yield ctx.hit(
            call,
            "postMessage(..., '*') delivers to whatever page the target window shows; name the expected origin",
            severity=Severity.LOW,
            confidence=Confidence.LOW,
        )
