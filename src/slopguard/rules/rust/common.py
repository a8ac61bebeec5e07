"""Helpers shared by the Rust rules: literals, comments above code, handlers, imports, assembled strings."""

from __future__ import annotations

import re
import weakref
from collections.abc import Iterator

from tree_sitter import Node

from slopguard.engine.python.taint import CONST_TEXT, Flow, join
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.python.common import describe, grade

__all__ = ["describe", "grade"]

FUNCTIONS = ("function_item", "closure_expression")
_WRAPPERS = frozenset(
    {
        "reference_expression",
        "parenthesized_expression",
        "try_expression",
        "await_expression",
        "unary_expression",
    }
)
_ROUTE_ATTR = re.compile(
    r"^#\[\s*(?:(?:actix_web|rocket|ntex|poem|poem_openapi)::)?(?:get|post|put|delete|patch|head|options|route|"
    r"handler|debug_handler|oai)\b"
)
_HANDLER_PARAM = re.compile(
    r"\b(?:Query|Path|Json|Form|TypedHeader|RawQuery|RawForm|Multipart|HeaderMap|HttpRequest|State|web::\w+)\b"
)
_HANDLER_RETURN = re.compile(r"\bimpl\s+(?:IntoResponse|Responder)\b|\bHttpResponse\b|\bRedirect\b|\bStatusCode\b")
# Parameters that come from the application, not the request: state, database pools, configuration.
_APP_PARAM = re.compile(r":\s*&?\s*(?:(?:axum::)?(?:extract::)?|web::)?(?:State|Extension|Data|Pool|PgPool|Db)\b")
_INLINE_ARG = re.compile(r"(?<!\{)\{([A-Za-z_]\w*)(?::[^}]*)?\}")
_SQL = re.compile(
    r"(?i)\b(?:select\s.+\sfrom|insert\s+into|update\s+\w+\s+set|delete\s+from|where\s|order\s+by|drop\s+table|"
    r"create\s+table|alter\s+table|values\s*\(|join\s+\w+\s+on)"
)
_PASS_THROUGH = frozenset({"as_str", "as_ref", "to_string", "clone", "to_owned", "into", "trim"})
_LINES: weakref.WeakKeyDictionary[TSContext, list[str]] = weakref.WeakKeyDictionary()
_USES: weakref.WeakKeyDictionary[TSContext, str] = weakref.WeakKeyDictionary()


def walk(node: Node) -> Iterator[Node]:
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(current.named_children))


def unwrap(node: Node) -> Node:
    while node.type in _WRAPPERS and node.named_children:
        node = node.named_children[-1]
    return node


def function_of(node: Node) -> Node | None:
    parent = node.parent
    while parent is not None and parent.type not in FUNCTIONS:
        parent = parent.parent
    return parent


def item_of(node: Node) -> Node | None:
    """The enclosing named function (closures are looked through)."""
    parent = node.parent
    while parent is not None and parent.type != "function_item":
        parent = parent.parent
    return parent


def lines(ctx: TSContext) -> list[str]:
    found = _LINES.get(ctx)
    if found is None:
        found = ctx.source.decode("utf-8", "replace").splitlines()
        _LINES[ctx] = found
    return found


def comment_above(ctx: TSContext, row: int, pattern: re.Pattern[str]) -> bool:
    """Whether the comments and attributes directly above ``row`` (0-based; no blank line between) or a comment
    earlier on that line match ``pattern``."""
    text = lines(ctx)
    if row < len(text):
        comment = re.search(r"//|/\*", text[row])
        if comment is not None and pattern.search(text[row], comment.start()):
            return True
    for number in range(row - 1, max(-1, row - 40), -1):
        line = text[number].strip()
        if not line.startswith(("//", "/*", "*", "#[", "#!")):
            return False
        if pattern.search(line) and not line.startswith("#"):
            return True
    return False


def uses(ctx: TSContext, *crates: str) -> bool:
    """Whether the file names one of the crates in a ``use`` declaration or a path (``sqlx::query``)."""
    found = _USES.get(ctx)
    if found is None:
        found = " ".join(ctx.text(n) for n in ctx.tree.root_node.named_children if n.type == "use_declaration")
        _USES[ctx] = found
    return any(re.search(rf"\b{crate}::", found) for crate in crates)


def string_value(ctx: TSContext, node: Node | None) -> str | None:
    """The contents of a string literal or raw string literal; None for anything else."""
    if node is None:
        return None
    node = unwrap(node)
    if node.type not in ("string_literal", "raw_string_literal"):
        return None
    return "".join(ctx.text(c) for c in node.named_children if c.type in ("string_content", "escape_sequence"))


def method(ctx: TSContext, call: Node) -> str:
    """``arg`` for ``cmd.arg(x)`` and ``parse`` for ``s.parse::<u32>()``; '' for path calls."""
    callee = call.child_by_field_name("function")
    if callee is not None and callee.type == "generic_function":
        callee = callee.child_by_field_name("function")
    if callee is not None and callee.type == "field_expression":
        return ctx.text(callee.child_by_field_name("field"))
    return ""


def receiver(call: Node) -> Node | None:
    callee = call.child_by_field_name("function")
    if callee is not None and callee.type == "generic_function":
        callee = callee.child_by_field_name("function")
    if callee is not None and callee.type == "field_expression":
        return callee.child_by_field_name("value")
    return None


def path_name(ctx: TSContext, call: Node) -> str:
    """``sqlx::query_as`` for ``sqlx::query_as::<_, User>(..)``, ``Command::new`` ...; '' for method calls."""
    if receiver(call) is not None:
        return ""
    return ctx.call_name(call).rstrip(":")


def root_identifier(node: Node) -> Node | None:
    """``params`` for ``params.get("q").unwrap().trim()``."""
    for _ in range(20):
        node = unwrap(node)
        if node.type == "identifier":
            return node
        if node.type == "field_expression":
            node = node.child_by_field_name("value") or node
        elif node.type == "call_expression":
            inner = receiver(node)
            if inner is None:
                return None
            node = inner
        elif node.type == "index_expression" and node.named_children:
            node = node.named_children[0]
        else:
            return None
    return None


# ----- handlers ---------------------------------------------------------------------------------------
def attributes(ctx: TSContext, item: Node) -> list[str]:
    """The ``#[...]`` attributes written right before an item."""
    found: list[str] = []
    sibling = item.prev_named_sibling
    while sibling is not None and sibling.type in ("attribute_item", "line_comment", "block_comment"):
        if sibling.type == "attribute_item":
            found.append(ctx.compact(sibling))
        sibling = sibling.prev_named_sibling
    return found


def is_handler(ctx: TSContext, fn: Node) -> bool:
    """A web request handler: a route attribute, extractor parameters, or a response return type."""
    if fn.type == "function_item" and any(_ROUTE_ATTR.match(a) for a in attributes(ctx, fn)):
        return True
    params = fn.child_by_field_name("parameters")
    if params is not None and _HANDLER_PARAM.search(ctx.text(params)):
        return True
    returns = fn.child_by_field_name("return_type")
    return returns is not None and bool(_HANDLER_RETURN.search(ctx.text(returns)))


def handler_of(ctx: TSContext, node: Node) -> Node | None:
    fn = function_of(node)
    while fn is not None:
        if is_handler(ctx, fn):
            return fn
        fn = function_of(fn)
    return None


def request_parameters(ctx: TSContext, fn: Node) -> set[str]:
    """Names a handler receives from the request (everything but state, pools and configuration)."""
    params = fn.child_by_field_name("parameters")
    names: set[str] = set()
    for param in params.named_children if params is not None else []:
        if param.type in ("self_parameter", "attribute_item") or _APP_PARAM.search(ctx.text(param)):
            continue
        pattern = param.child_by_field_name("pattern") or param
        names.update(ctx.text(n) for n in walk(pattern) if n.type == "identifier" and n.parent is not None
                     and n.parent.child_by_field_name("type") != n)  # fmt: skip
    return names


# ----- assembled strings --------------------------------------------------------------------------------
def _lookup(ctx: TSContext, name: str, at: Node) -> Flow:
    # TSContext has no public name lookup; format!("{name}") needs one for its inline arguments.
    return ctx._lookup(name, at)


def _format_flow(ctx: TSContext, macro: Node) -> Flow:
    """format!(..) including Rust 2021 inline arguments (``format!("... {name}")``)."""
    flow = ctx.flow(macro)
    args = ctx.arguments(macro)
    template = string_value(ctx, args[0]) if args else None
    inline = [_lookup(ctx, name, macro) for name in _INLINE_ARG.findall(template or "")]
    if not inline:
        return flow
    joined = join((flow, *inline))
    return Flow(joined.level, flow.built or joined.dynamic, True, joined.origin)


def bound_name(ctx: TSContext, target: Node) -> str:
    """``sql`` for the patterns ``sql`` and ``mut sql``; the compact text of anything else."""
    if target.type == "mut_pattern" and target.named_children:
        target = target.named_children[-1]
    return ctx.compact(target)


def _mutations(ctx: TSContext, name: str, scope: Node) -> Iterator[tuple[Node, bool]]:
    """Values written into ``name`` in ``scope``: (value, appended?) for let/assignments, push_str, write!."""
    for node in walk(scope):
        kind = node.type
        if kind in ("let_declaration", "assignment_expression", "compound_assignment_expr"):
            target = node.child_by_field_name("pattern") or node.child_by_field_name("left")
            value = node.child_by_field_name("value") or node.child_by_field_name("right")
            if target is not None and value is not None and bound_name(ctx, target) == name:
                yield value, kind == "compound_assignment_expr"
        elif kind == "call_expression" and method(ctx, node) in ("push_str", "push", "insert_str"):
            obj = receiver(node)
            args = ctx.arguments(node)
            if obj is not None and args and ctx.compact(unwrap(obj)) == name:
                yield args[-1], True
        elif kind == "macro_invocation" and ctx.call_name(node) in ("write", "writeln"):
            args = ctx.arguments(node)
            idents = [a for a in args[:3] if a.type == "identifier"]
            if idents and ctx.text(idents[0]) == name:
                yield node, True


def assemble(ctx: TSContext, node: Node, depth: int = 0) -> tuple[Flow, str]:
    """How a string was put together: its flow and the literal text seen in its pieces (to tell SQL apart)."""
    node = unwrap(node)
    value = string_value(ctx, node)
    if value is not None:
        return CONST_TEXT, value
    if node.type == "macro_invocation" and ctx.call_name(node) in (
        "format",
        "write",
        "writeln",
        "format_args",
    ):
        texts = [string_value(ctx, a) or "" for a in ctx.arguments(node)]
        return _format_flow(ctx, node), " ".join(texts)
    if node.type == "binary_expression" and depth < 6:
        parts = [node.child_by_field_name(f) for f in ("left", "right")]
        pieces = [assemble(ctx, p, depth + 1) for p in parts if p is not None]
        flow = join(f for f, _ in pieces)
        textual = any(f.text or f.built for f, _ in pieces)
        return Flow(flow.level, flow.built or (textual and flow.dynamic), textual, flow.origin), " ".join(
            t for _, t in pieces
        )
    if node.type == "call_expression" and depth < 6:
        inner = receiver(node) if method(ctx, node) in _PASS_THROUGH else None
        if inner is None and path_name(ctx, node).endswith("String::from"):
            inner = next(iter(ctx.arguments(node)), None)
        if inner is not None:
            return assemble(ctx, inner, depth + 1)
    if node.type == "identifier" and depth < 6:
        scope = function_of(node)
        written = list(_mutations(ctx, ctx.text(node), scope)) if scope is not None else []
        if written:
            writes = [(*assemble(ctx, v, depth + 1), appended) for v, appended in written if v.id != node.id]
            flow = join([ctx.flow(node), *(f for f, _, _ in writes)])
            built = flow.built or any(f.dynamic and appended for f, _, appended in writes)
            return Flow(flow.level, built, True, flow.origin), " ".join(t for _, t, _ in writes)
    return ctx.flow(node), ""


def looks_sql(text: str) -> bool:
    return bool(_SQL.search(text))
