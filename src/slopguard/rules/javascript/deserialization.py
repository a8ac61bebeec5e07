"""JS-DESER-001: deserialisers that rebuild functions (node-serialize, js-yaml with the full schema)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.flow import describe, grade
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.javascript.common import imported, option, resolved_call

# module -> functions that revive code from their input
_REVIVERS = {
    "node-serialize": frozenset({"unserialize"}),
    "serialize-to-js": frozenset({"deserialize"}),
    "funcster": frozenset({"deepDeserialize", "deserialize"}),
    "cryo": frozenset({"parse"}),
}
_YAML_MODULES = frozenset({"js-yaml"})
_YAML_LOADS = frozenset({"load", "loadAll"})
_UNSAFE_SCHEMA = re.compile(r"\bDEFAULT_FULL_SCHEMA\b|\bFULL_SCHEMA\b")
_JS_TYPES = "js-yaml-js-types"


def _unsafe_schema(ctx: TSContext, options: Node | None) -> bool:
    """js-yaml's full schema (3.x) or one extended with js-yaml-js-types: !!js/function becomes a function."""
    schema = option(ctx, options, "schema")
    if schema is None:
        return False
    text = ctx.text(schema)
    if _UNSAFE_SCHEMA.search(text):
        return True
    for name in re.findall(r"[A-Za-z_$][\w$]*", text):
        origin = imported(ctx, name)
        if origin is not None and origin[0] == _JS_TYPES:
            return True
    return False


@ts_rule(
    id="JS-DESER-001",
    title="Untrusted data deserialised into functions (node-serialize, js-yaml full schema)",
    cwe=502,
    severity=Severity.CRITICAL,
    confidence=Confidence.HIGH,
    languages=("javascript", "typescript"),
    query="(call_expression) @call",
    why="""Assistants restore a session or profile from a cookie with serialize.unserialize() and load YAML
    with js-yaml's DEFAULT_FULL_SCHEMA "so that everything parses". Both turn marked strings into functions:
    node-serialize evaluates a _$$ND_FUNC$$_ body immediately when it ends in (), and !!js/function in YAML
    builds a function from text. Whoever controls the data runs code on the server.""",
    fix="""Store plain JSON (JSON.parse) and validate it; with js-yaml use load() with the default or
    JSON_SCHEMA (4.x) or safeLoad() (3.x), never the full schema, and never unserialize data a client can
    change.""",
)
def unsafe_deserialisation(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    call: Node = captures["call"][0]
    found = resolved_call(ctx, call)
    if found is None:
        return
    module, name = found
    args = ctx.arguments(call)
    if not args:
        return
    if module in _YAML_MODULES and name in _YAML_LOADS:
        if not any(_unsafe_schema(ctx, a) for a in args[1:3]):  # loadAll(text, iterator, options)
            return
        label = f"js-yaml {name}() with a schema that builds functions"
    elif name in _REVIVERS.get(module, ()):
        label = f"{module} {name}()"
    else:
        return
    flow = ctx.flow(args[0])
    if not flow.dynamic:
        return
    severity, confidence = grade(flow, Severity.CRITICAL)
    yield ctx.hit(call, f"{label} revives code from {describe(flow)}", severity=severity, confidence=confidence)
