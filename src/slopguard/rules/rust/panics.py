"""Rust panics on request input: unwrap()/expect() on parsing inside request handlers (RUST-UNWRAP-001)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.rust.common import (
    handler_of,
    method,
    path_name,
    receiver,
    request_parameters,
    root_identifier,
)

# Functions whose first argument is text or bytes to decode: serde_json::from_str(&body), Uuid::parse_str(id) ...
_DECODERS = re.compile(
    r"(?:^|::)(?:from_str|from_slice|from_reader|from_bytes|from_utf8|parse_str|parse_from_str|decode)$"
)
_DECODER_CRATES = re.compile(
    r"^(?:serde_json|serde_urlencoded|serde_qs|serde_yaml|toml|ron|rmp_serde|bincode|ciborium|quick_xml::de|"
    r"std::str|str|String|Uuid|uuid::Uuid|base64|hex|chrono::\w+|NaiveDate|NaiveDateTime|DateTime|Url|url::Url|"
    r"IpAddr|Ipv4Addr|SocketAddr|u8|u16|u32|u64|u128|usize|i8|i16|i32|i64|i128|isize|f32|f64|bool|Decimal)(?:::|$)"
)
_PARSE_METHODS = frozenset({"parse", "to_str", "decode"})


def _parsed_input(ctx: TSContext, call: Node) -> tuple[Node, str] | None:
    """The input and what parses it, for ``id.parse::<u32>()``, ``serde_json::from_str(&body)``,
    ``headers.get("x").unwrap().to_str()`` and ``STANDARD.decode(token)``."""
    name = method(ctx, call)
    if name in _PARSE_METHODS:
        obj = receiver(call)
        if name in ("parse", "to_str"):
            return (obj, f".{name}()") if obj is not None else None
        args = ctx.arguments(call)
        return (args[0], f".{name}()") if args else None
    path = path_name(ctx, call)
    args = ctx.arguments(call)
    if path and args and _DECODERS.search(path):
        head = path.rpartition("::")[0]
        if _DECODER_CRATES.match(head) or head[:1].isupper():
            return args[0], f"{path}()"
    return None


def _from_request(ctx: TSContext, value: Node, handler: Node | None) -> bool:
    """Request data in a handler, or attacker data anywhere (a job a worker popped from a queue)."""
    if ctx.tainted(value) is not None:
        return True
    root = root_identifier(value) if handler is not None else None
    return root is not None and handler is not None and ctx.text(root) in request_parameters(ctx, handler)


@ts_rule(
    id="RUST-UNWRAP-001",
    title="unwrap()/expect() on request input parsing",
    cwe=248,
    severity=Severity.LOW,
    confidence=Confidence.MEDIUM,
    languages=("rust",),
    query="""(call_expression function: (field_expression value: (_) @inner field: (field_identifier) @m
      (#any-of? @m "unwrap" "expect"))) @call""",
    why="""In handlers assistants write id.parse::<u32>().unwrap() or serde_json::from_str(&body).unwrap(), and
    in queue workers serde_json::from_str(&payload).unwrap() on the job they popped: anyone who sends a non-number
    or malformed JSON (or can enqueue a job) makes the handler or the worker panic. The request fails with a
    dropped connection or a 500 instead of a 400, the panic message lands in logs, and on servers that do not
    catch panics per request (or with panic = "abort") one request takes the worker down.""",
    fix="""Return an error the client can see: id.parse::<u32>().map_err(|_| StatusCode::BAD_REQUEST)?, or let the
    extractor parse for you (Path<u32>, Json<T>) so bad input is rejected with 400 before the handler runs; in a
    worker, log and skip (or dead-letter) a job that does not parse.""",
)
def rust_unwrap_input(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    inner: Node = captures["inner"][0]
    while inner.type in ("parenthesized_expression", "await_expression") and inner.named_children:
        inner = inner.named_children[0]
    if inner.type != "call_expression":
        return
    parsed = _parsed_input(ctx, inner)
    handler = handler_of(ctx, inner) if parsed is not None else None
    if parsed is None or not _from_request(ctx, parsed[0], handler):
        return
    value, parser = parsed
    which = ctx.text(captures["m"][0])
    origin, answer = ("request", "return a 400") if handler is not None else ("untrusted", "reject the message")
    yield ctx.hit(
        captures["m"][0],
        f"{which}() on {parser} of {origin} input `{ctx.text(value)[:40]}` panics on bad input; {answer} instead",
        confidence=Confidence.HIGH if ctx.tainted(value) is not None else Confidence.MEDIUM,
    )
