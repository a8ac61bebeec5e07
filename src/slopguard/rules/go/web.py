"""Helpers of the Go web rules: handlers, request data bound into structs, constant URL prefixes, checks made on
a value before it is used, and HTTP status codes."""

from __future__ import annotations

import re

from tree_sitter import Node

from slopguard.engine.flow import Flow, tainted
from slopguard.engine.treesitter.context import TSContext
from slopguard.engine.treesitter.spec import GO_QUEUE_MESSAGE
from slopguard.rules.go.common import FUNCTIONS, bound_values, constant, function_of, string_value, unwrap
from slopguard.rules.shared.trees import walk

_HANDLER_PARAM = re.compile(
    r"\bhttp\.ResponseWriter\b|\*\s*gin\.Context\b|\becho\.Context\b|\*\s*fiber\.Ctx\b|\*\s*http\.Request\b"
)
# c.ShouldBindJSON(&in), json.NewDecoder(r.Body).Decode(&in), c.BodyParser(&in): the struct holds request data.
_BINDERS = re.compile(
    r"^(?:\w+)\.(?:ShouldBind\w*|Bind\w*|MustBind\w*|BodyParser|QueryParser|ParamsParser|ReqHeaderParser)$"
    r"|^json\.NewDecoder\((?:r|req|request|c\.Request)\.Body\)\.Decode$|^(?:json|xml|yaml)\.Unmarshal$"
)
_QUEUE_READ = re.compile(
    r"\.(?:ReadMessage|FetchMessage|NextMsg|NextMsgWithContext|ReceiveMessage)\(|(?i:pubsub|sub)\w*\.Channel\(\)"
    r"|claim\.Messages\(\)|\b\w*(?i:ch|chan|channel)\.Consume(?:WithContext)?\("
)
_SERVER_ERRORS = re.compile(
    r"^(?:http\.|fiber\.)?Status(?:InternalServerError|NotImplemented|BadGateway|ServiceUnavailable|GatewayTimeout"
    r"|InsufficientStorage|LoopDetected|NetworkAuthenticationRequired)$|^5\d\d$"
)
_CLIENT_ERRORS = re.compile(r"^(?:http\.|fiber\.)?Status(?:BadRequest|Unauthorized|Forbidden|NotFound|Conflict"
                            r"|UnprocessableEntity|MethodNotAllowed|TooManyRequests|Gone)$|^4\d\d$")  # fmt: skip


def is_handler(ctx: TSContext, fn: Node | None) -> bool:
    """A function that answers an HTTP request: its parameters (or an enclosing function's) are a response
    writer, a request, or a gin/echo/fiber context."""
    while fn is not None:
        params = fn.child_by_field_name("parameters")
        if params is not None and _HANDLER_PARAM.search(ctx.text(params)):
            return True
        fn = function_of(fn)
    return False


def is_consumer(ctx: TSContext, fn: Node | None) -> bool:
    """A function that handles a queue message: a parameter (or an enclosing function's) is a NATS, Kafka, AMQP
    or Redis message, or it reads one (``r.ReadMessage(ctx)``, ``range pubsub.Channel()``)."""
    while fn is not None:
        params = fn.child_by_field_name("parameters")
        if params is not None and GO_QUEUE_MESSAGE.search(ctx.text(params)):
            return True
        if _QUEUE_READ.search(ctx.text(fn.child_by_field_name("body"))):
            return True
        fn = function_of(fn)
    return False


def _bound_names(ctx: TSContext, fn: Node) -> frozenset[str]:
    names: set[str] = set()
    for node in walk(fn):
        if node.type != "call_expression":
            continue
        name = ctx.compact(node.child_by_field_name("function"))
        args = ctx.arguments(node)
        if args and _BINDERS.match(name):
            target = ctx.compact(args[-1])
            if target.startswith("&"):
                names.add(target[1:])
            elif node.child_by_field_name("function") is not None and ".Decode" in name:
                names.add(target)
    return frozenset(names)


def bound_names(ctx: TSContext, fn: Node | None) -> frozenset[str]:
    """Variables a handler fills from the request body or query with a binder (ShouldBindJSON, Decode ...)."""
    if fn is None:
        return frozenset()
    return ctx.memo(f"go.bound.{fn.id}", lambda: _bound_names(ctx, fn))


def root_name(ctx: TSContext, node: Node) -> str | None:
    """``in`` for ``in.Email``, ``req.User.Name`` -> ``req``; None for anything but a selector chain."""
    node = unwrap(node)
    while node.type in ("selector_expression", "index_expression"):
        node = node.child_by_field_name("operand") or node
        if node.type not in ("selector_expression", "index_expression", "identifier"):
            return None
    return ctx.text(node) if node.type == "identifier" else None


def request_flow(ctx: TSContext, node: Node) -> Flow:
    """The flow of ``node``, with fields of a struct bound from the request counted as attacker-controlled."""
    flow = ctx.flow(node)
    if flow.tainted:
        return flow
    scope = function_of(node)
    names: set[str] = set()
    while scope is not None:
        names |= bound_names(ctx, scope)
        scope = function_of(scope)
    if not names:
        return flow
    for part in walk(node):
        if part.type == "selector_expression" and root_name(ctx, part) in names:
            parent = part.parent
            if (
                parent is not None
                and parent.type == "call_expression"
                and parent.child_by_field_name("function") == part
            ):
                continue
            return tainted(ctx.compact(part)[:60])
    return flow


def _parameter_index(ctx: TSContext, fn: Node, name: str) -> int | None:
    params = fn.child_by_field_name("parameters")
    index = 0
    for param in params.named_children if params is not None else []:
        names = [ctx.text(n) for n in param.children_by_field_name("name")] or ["_"]
        if name in names:
            return index + names.index(name)
        index += len(names)
    return None


def _call_sites(ctx: TSContext, fn: Node) -> list[Node]:
    """Calls of ``fn`` in the file: ``fetch(u)``, ``go fetch(u)``, ``s.fetch(u)``, or an immediately called
    literal (``go func(u string) {..}(in.URL)``)."""
    if fn.type == "func_literal":
        parent = fn.parent
        return [parent] if parent is not None and parent.type == "call_expression" else []
    name = ctx.text(fn.child_by_field_name("name"))
    sites: list[Node] = []
    for node in walk(ctx.tree.root_node):
        if node.type != "call_expression":
            continue
        callee = node.child_by_field_name("function")
        if callee is not None and callee.type == "selector_expression":
            callee = callee.child_by_field_name("field")
        if callee is not None and ctx.text(callee) == name and not (fn.start_byte <= node.start_byte < fn.end_byte):
            sites.append(node)
    return sites


def caller_flow(ctx: TSContext, node: Node) -> Flow | None:
    """When ``node`` is a parameter of a helper (a worker started with ``go fetch(in.URL)``), the request data a
    handler in this file passes for it, else None. One call level deep."""
    node = unwrap(node)
    fn = function_of(node)
    if node.type != "identifier" or fn is None or (fn.type != "func_literal" and is_handler(ctx, fn)):
        return None
    index = _parameter_index(ctx, fn, ctx.text(node))
    if index is None or bound_values(ctx, ctx.text(node), fn):
        return None  # not a parameter, or reassigned inside the helper
    for call in _call_sites(ctx, fn):
        args = ctx.arguments(call)
        if len(args) > index and is_handler(ctx, call):
            flow = request_flow(ctx, args[index])
            if flow.tainted:
                return flow
    return None


def constant_prefix(ctx: TSContext, node: Node, depth: int = 0) -> str:
    """The literal text a string value starts with: ``"https://api.x/" + id`` -> ``https://api.x/``."""
    node = unwrap(node)
    value = constant(ctx, node)
    if value is not None or depth > 4:
        return value or ""
    if node.type == "binary_expression" and ctx.text(node.child_by_field_name("operator")) == "+":
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        head = constant(ctx, left) if left is not None else None
        if head is not None and right is not None:
            return head + constant_prefix(ctx, right, depth + 1)
        return constant_prefix(ctx, left, depth + 1) if left is not None else ""
    if node.type == "call_expression" and ctx.compact(node.child_by_field_name("function")) == "fmt.Sprintf":
        args = ctx.arguments(node)
        template = constant(ctx, args[0]) if args else None
        if template is None:
            return ""
        head, _, _ = template.partition("%")
        if template.startswith(("%s", "%v")) and len(args) > 1:
            return constant_prefix(ctx, args[1], depth + 1) + template[2:].partition("%")[0]
        return head
    if node.type == "identifier":
        from_scope = function_of(node)
        if from_scope is not None:
            values = [v for v, _ in bound_values(ctx, ctx.text(node), from_scope)]
            prefixes = {constant_prefix(ctx, v, depth + 1) for v in values}
            return prefixes.pop() if len(prefixes) == 1 else ""
    return ""


def checked(ctx: TSContext, node: Node, pattern: re.Pattern[str]) -> bool:
    """Whether the function tests the variable ``node`` names (or one parsed from it) with a check matching
    ``pattern`` in a condition: ``if !strings.HasPrefix(next, "/")``, ``if !allowed[u.Hostname()]``."""
    name = root_name(ctx, node) or (ctx.text(unwrap(node)) if unwrap(node).type == "identifier" else None)
    fn = function_of(node)
    if name is None or fn is None:
        return False
    names = {name}
    for binding in walk(fn):  # u, err := url.Parse(next): u stands for next
        if binding.type in ("short_var_declaration", "assignment_statement"):
            right = binding.child_by_field_name("right")
            left = binding.child_by_field_name("left")
            if right is not None and left is not None and re.search(rf"\b{re.escape(name)}\b", ctx.text(right)):
                first = left.named_children[0] if left.named_children else left
                names.add(ctx.text(first))
    words = "|".join(re.escape(n) for n in names)
    for cond in walk(fn, skip=FUNCTIONS[2:]):
        if cond.type in ("if_statement", "expression_switch_statement"):
            condition = cond.child_by_field_name("condition") or cond.child_by_field_name("value")
            text = ctx.text(condition)
            if condition is not None and re.search(rf"\b(?:{words})\b", text) and pattern.search(text):
                return True
    return False


def is_server_error(ctx: TSContext, node: Node | None) -> bool:
    return node is not None and bool(_SERVER_ERRORS.match(ctx.compact(node)))


def is_client_error(ctx: TSContext, node: Node | None) -> bool:
    return node is not None and bool(_CLIENT_ERRORS.match(ctx.compact(node)))


def literal_texts(ctx: TSContext, node: Node) -> list[str]:
    """The string literals inside ``node`` (message texts of a response)."""
    return [v for n in walk(node) if (v := string_value(ctx, n)) is not None and n.type.endswith("string_literal")]
