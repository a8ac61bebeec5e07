"""JS-PROTO-001: prototype pollution through deep merges of request data and hand-written recursive merges."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.flow import Flow, describe
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.javascript.common import (
    FUNCTIONS,
    function_name,
    imported,
    method,
    pairs,
    receiver,
    unwrap,
    within,
)
from slopguard.rules.shared.trees import walk

_MERGE_MODULES = frozenset(
    {"lodash", "lodash-es", "lodash.merge", "lodash.mergewith", "lodash.defaultsdeep", "lodash.set", "deepmerge",
     "merge", "merge-deep", "deep-extend", "mixin-deep", "extend", "just-extend", "dot-prop", "object-path",
     "set-value", "dset", "defaults-deep", "underscore", "jquery", "deep-assign", "merge-options"}
)  # fmt: skip
_LIB_RECEIVERS = re.compile(r"^(?:_|lodash|\$|jQuery|objectPath|dotProp|underscore)$")
_DEEP = frozenset({"merge", "mergeWith", "defaultsDeep", "deepmerge", "deepExtend", "mixinDeep", "extend",
                   "set", "setWith", "zipObjectDeep", "setProperty", "dset", "deepAssign", "all"})  # fmt: skip
_SCALAR = re.compile(r"(?:^|\.)(?:String|Number|Boolean|parseInt|parseFloat|toString|trim|toLowerCase|toUpperCase)$")
_SETTERS = frozenset({"set", "setWith", "setProperty", "dset", "setByPath", "setPath"})
_LOCAL_MERGE = re.compile(
    r"(?i)^(?:deep_?)?(?:merge|extend|assign)(?:_?deep|_?recursive(?:ly)?|_?objects?)?$"
    r"|^(?:deep|recursive)_?(?:merge|extend|assign|copy|set)\w*$|^setByPath$|^setPath$"
)
_GUARD = re.compile(
    r"__proto__|['\"]constructor['\"]|['\"]prototype['\"]|Object\.create\(\s*null\s*\)|isPrototypePolluted"
    r"|is(?:Safe|Unsafe|Forbidden|Dangerous)Key|(?:FORBIDDEN|UNSAFE|BLOCKED|DANGEROUS)_KEYS|Object\.defineProperty"
)
_KEY_LOOP = re.compile(r"\bfor\s*\(\s*(?:const|let|var)?\s*[\w$]+\s+in\b|Object\.(?:keys|entries)\(|Reflect\.ownKeys\(")


def _local_function(ctx: TSContext, name: str) -> Node | None:
    """The function declared as ``name``; the last declaration wins, as with JavaScript's hoisting."""
    stack = [ctx.tree.root_node]
    while stack:
        node = stack.pop()
        if node.type in FUNCTIONS and function_name(ctx, node) == name:
            return node
        stack.extend(node.named_children)
    return None


def _merge_call(ctx: TSContext, call: Node) -> str | None:
    """A label for a deep merge / deep set call, or None."""
    name = method(ctx, call)
    obj = receiver(call)
    callee = call.child_by_field_name("function")
    if obj is not None:
        origin = imported(ctx, ctx.text(obj)) if obj.type == "identifier" else None
        library = (origin is not None and origin[0] in _MERGE_MODULES) or bool(_LIB_RECEIVERS.match(ctx.text(obj)))
        return f"{ctx.text(obj)}.{name}" if library and name in _DEEP else None
    if callee is None or callee.type != "identifier":
        return None
    origin = imported(ctx, name)
    if origin is not None:
        return name if origin[0] in _MERGE_MODULES else None
    local = _local_function(ctx, name) if _LOCAL_MERGE.match(name) else None
    if local is None or _GUARD.search(ctx.text(local)) or _unguarded_recursion(ctx, local):
        return None  # a recursive merge is reported once, where it is defined
    return name


def _polluting(ctx: TSContext, node: Node) -> Flow | None:
    """Tainted data that may hold objects: ``{ name: String(req.body.name) }`` carries none."""
    node = unwrap(node)
    if node.type in FUNCTIONS:
        return None
    if node.type == "object":
        return next((f for _, v in pairs(ctx, node) if (f := _polluting(ctx, v)) is not None), None)
    if node.type == "call_expression" and _SCALAR.search(ctx.call_name(node)):
        return None
    flow = ctx.flow(node)
    return flow if flow.tainted else None


def _tainted_input(ctx: TSContext, call: Node, label: str) -> Iterator[Hit]:
    args = ctx.arguments(call)
    if label.rsplit(".", 1)[-1] == "extend" and not (args and args[0].type == "true"):
        return  # $.extend without `true` is shallow
    setter = label.rsplit(".", 1)[-1] in _SETTERS
    for arg in args[1:2] if setter else args[1:]:  # a deep set pollutes through its path, not its value
        flow = _polluting(ctx, arg)
        if flow is not None:
            yield ctx.hit(
                call,
                f"{label}() copies {describe(flow)} into an object: a __proto__ key pollutes every object's prototype",
            )
            return


def _computed(ctx: TSContext, node: Node | None) -> str | None:
    """The object of ``target[key]`` with a non-constant key (``target[key] || {}`` too), else None."""
    if node is None:
        return None
    node = unwrap(node)
    if node.type == "binary_expression":
        return _computed(ctx, node.child_by_field_name("left"))
    index = node.child_by_field_name("index") if node.type == "subscript_expression" else None
    if index is None or index.type not in ("identifier", "member_expression", "subscript_expression"):
        return None
    return ctx.compact(node.child_by_field_name("object"))


def _descends(ctx: TSContext, body: Node, name: str) -> bool:
    """The function writes ``target[key] = ...`` and recurses with ``name(target[key], ...)``: the object it
    descends into is the one it writes to (a clone that writes into a fresh object pollutes nothing)."""
    written: set[str] = set()
    descended: set[str] = set()
    for node in walk(body):
        if node.type == "assignment_expression":
            target = _computed(ctx, node.child_by_field_name("left"))
            written |= {target} if target else set()
        elif node.type == "call_expression" and ctx.call_name(node) in (name, f"this.{name}"):
            args = ctx.arguments(node)
            target = _computed(ctx, args[0]) if args else None
            descended |= {target} if target else set()
    return bool(written & descended)


def _unguarded_recursion(ctx: TSContext, fn: Node) -> bool:
    """``merge(target, source)`` that walks the keys and recurses with ``merge(target[key], source[key])``: with
    key '__proto__', ``target[key]`` is Object.prototype and the next level writes into it."""
    name = function_name(ctx, fn)
    body = fn.child_by_field_name("body")
    if not name or body is None or imported(ctx, name) is not None:
        return False
    text = ctx.text(body)
    if name not in text or not _KEY_LOOP.search(text) or _GUARD.search(text):
        return False  # the fixed patterns first: compiling a pattern for every function's name costs more
    if not re.search(rf"(?<![\w$]){re.escape(name)}\s*\(", text):
        return False
    return _descends(ctx, body, name)


def _recursive_merge(ctx: TSContext, fn: Node) -> Iterator[Hit]:
    if not _unguarded_recursion(ctx, fn):
        return
    name = function_name(ctx, fn)
    fed = _fed_request_data(ctx, fn, str(name))
    if fed is not None:
        yield ctx.hit(
            fn,
            f"{name}() copies every key recursively without skipping __proto__/constructor: merged JSON pollutes"
            f" Object.prototype; it is called with {describe(fed)}",
        )
        return
    # A gadget until untrusted JSON reaches it: library merge helpers are written this way on purpose, and
    # whether a caller passes a parsed body is not visible here.
    yield ctx.hit(
        fn,
        f"{name}() copies every key recursively without skipping __proto__/constructor: if it ever merges parsed"
        " JSON from outside, that pollutes Object.prototype",
        severity=Severity.MEDIUM,
        confidence=Confidence.MEDIUM,
    )


def _fed_request_data(ctx: TSContext, fn: Node, name: str) -> Flow | None:
    """Request data that a call of ``name`` elsewhere in the file passes as what gets merged in."""
    for node in walk(ctx.tree.root_node):
        if node.type == "call_expression" and ctx.call_name(node) == name and not within(node, fn):
            flow = next((f for a in ctx.arguments(node)[1:] if (f := _polluting(ctx, a)) is not None), None)
            if flow is not None:
                return flow
    return None


@ts_rule(
    id="JS-PROTO-001",
    title="Prototype pollution through a recursive merge",
    cwe=1321,
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    languages=("javascript", "typescript"),
    query="[(call_expression) (function_declaration) (function_expression) (arrow_function) (method_definition)] @node",
    why="""Assistants apply settings or PATCH bodies with _.merge(config, req.body), $.extend(true, ...), or a
    hand-written deepMerge that copies every key recursively. A JSON body {"__proto__": {"isAdmin": true}}
    then writes to Object.prototype: every object in the process gains isAdmin, which bypasses checks, changes
    options of libraries (template engines, child_process) and can end in remote code execution.""",
    fix="""Copy only known fields (pick them explicitly or validate the body with a schema), skip '__proto__',
    'constructor' and 'prototype' keys in merge helpers, and merge into Object.create(null) or a Map.""",
)
def prototype_pollution(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    node: Node = captures["node"][0]
    if node.type == "call_expression":
        label = _merge_call(ctx, node)
        if label is not None:
            yield from _tainted_input(ctx, node, label)
    else:
        yield from _recursive_merge(ctx, node)
