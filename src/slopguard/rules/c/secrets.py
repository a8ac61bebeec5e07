"""C-SECRET-001: passwords, API keys and signing secrets written into C/C++ source (known token formats are
SEC-TOKEN-001's)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.core.secrets import find_tokens
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.c.common import declared_name, string_value
from slopguard.rules.shared.secrets import grade_secret, secret_kind

_QUOTED = re.compile(r'^\s*"((?:[^"\\]|\\.)*)"\s*$')
_CONSTANT = re.compile(r"^k?[A-Z][A-Z0-9_]*$|^k[A-Z]\w*$")


def _name(node: Node, ctx: TSContext) -> str:
    """``password`` for ``*password``, ``buf[]``, ``cfg.password``, ``cfg->password`` and ``.password``."""
    if node.type in ("field_expression", "field_designator"):
        field = node.child_by_field_name("field") or (node.named_children[-1] if node.named_children else None)
        return ctx.text(field) if field is not None else ""
    return declared_name(ctx, node) or ctx.text(node)


def _value(node: Node, ctx: TSContext) -> str | None:
    if node.type == "preproc_arg":
        match = _QUOTED.match(ctx.text(node))
        return match.group(1) if match else None
    return string_value(ctx, node)


@ts_rule(
    id="C-SECRET-001",
    title="Hard-coded secret",
    cwe=798,
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    languages=("c", "cpp"),
    query="""
    (init_declarator declarator: (_) @name value: [(string_literal) (concatenated_string)] @value) @decl
    (preproc_def name: (identifier) @name value: (preproc_arg) @value) @decl
    (assignment_expression left: (field_expression) @name right: (string_literal) @value) @decl
    (initializer_pair designator: (field_designator) @name value: (string_literal) @value) @decl
    """,
    why="""Assistants write the admin password, API key or HMAC key of a daemon or firmware straight into the
    source (static const char *ADMIN_PASSWORD = "..."; #define API_KEY "..."). Anyone with the repository, a
    leaked build or just `strings` on the binary has the credential, and it cannot be rotated without a rebuild.""",
    fix="""Read secrets at run time from the environment (getenv), a configuration file readable only by the
    service, or the platform's secret store; fail at start-up when they are missing.""",
)
def c_hardcoded_secret(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    decl: Node = captures["decl"][0]
    name = _name(captures["name"][0], ctx)
    value = _value(captures["value"][0], ctx)
    kind = secret_kind(name) if name else None
    if value is None or kind is None or find_tokens(value):
        return
    confidence = grade_secret(kind, name, value, bool(_CONSTANT.match(name)))
    if confidence is None:
        return
    what = "password" if kind == "password" else "secret"
    yield ctx.hit(
        decl,
        f"hard-coded {what} in '{name}'; read it from the environment or a secret store at run time",
        confidence=confidence,
        secrets=(value,),
    )
