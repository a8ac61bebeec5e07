"""RUST-JWT-001: JWTs decoded without verifying the signature (jsonwebtoken, jwt, jwt-simple)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.rust.common import method, path_name

_UNVERIFIED_FUNCTIONS = re.compile(r"(?:^|::)(?:dangerous_insecure_decode\w*|dangerous_unsafe_decode\w*)$")
_UNVERIFIED_METHODS = frozenset({"insecure_disable_signature_validation", "parse_unverified",
                                 "dangerous_insecure_decode"})  # fmt: skip


@ts_rule(
    id="RUST-JWT-001",
    title="JWT decoded without verifying its signature",
    cwe=347,
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    languages=("rust",),
    query="[(call_expression) (assignment_expression) (field_initializer)] @node",
    why="""When verification gets in the way ("we only need the user id", a test token that will not verify)
    assistants call validation.insecure_disable_signature_validation(), jsonwebtoken's
    dangerous_insecure_decode or Token::parse_unverified. Without a verified signature anyone can write
    {"sub": "admin"} into a token and the server believes it: account takeover and privilege escalation.""",
    fix="""Decode with jsonwebtoken::decode(token, &DecodingKey::from_secret(..), &Validation::new(Algorithm::HS256))
    (or the exact asymmetric algorithm you issue) and read claims only from its result; decode_header is enough
    to pick a key id.""",
)
def rust_unverified_jwt(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    node: Node = captures["node"][0]
    if node.type == "call_expression":
        name = method(ctx, node) or path_name(ctx, node).rsplit("::", 1)[-1]
        if name in _UNVERIFIED_METHODS or _UNVERIFIED_FUNCTIONS.search(path_name(ctx, node)):
            yield ctx.hit(node, f"{name}() accepts tokens without checking the signature; anyone can forge them")
        return
    target = node.child_by_field_name("left") or node.child_by_field_name("field")
    value = node.child_by_field_name("right") or node.child_by_field_name("value")
    if ctx.text(target).rsplit(".", 1)[-1] == "validate_signature" and ctx.text(value) == "false":
        yield ctx.hit(node, "signature validation is switched off; anyone can forge tokens")
