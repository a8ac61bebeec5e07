"""JS-XXE-001: libxmljs parsing with external entity substitution (noent: true)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.javascript.common import is_true, option, resolve, resolved_call

_MODULES = frozenset({"libxmljs", "libxmljs2"})
_PARSERS = frozenset({"parseXml", "parseXmlString", "parseXmlAsync", "parseHtml", "parseHtmlString", "fromXml"})


@ts_rule(
    id="JS-XXE-001",
    title="XML parsed with external entities enabled (libxmljs noent)",
    cwe=611,
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    languages=("javascript", "typescript"),
    query="(call_expression) @call",
    why="""Assistants copy libxmljs.parseXml(xml, { noent: true }) from answers about "entities not being
    expanded". noent makes libxml2 substitute entities, external ones included: a document with
    <!ENTITY x SYSTEM "file:///etc/passwd"> returns the server's files in the parsed text, and http:// entities
    make the server fetch internal URLs (SSRF).""",
    fix="""Leave noent off (the default) and keep nonet: true; parse untrusted XML with a parser that does not
    resolve external entities, or convert it with a non-validating parser such as fast-xml-parser.""",
)
def xml_entities(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    call: Node = captures["call"][0]
    found = resolved_call(ctx, call)
    if found is None or found[0] not in _MODULES or found[1] not in _PARSERS:
        return
    args = ctx.arguments(call)
    if len(args) < 2 or not is_true(resolve(ctx, option(ctx, args[1], "noent"))):
        return
    yield ctx.hit(call, f"{found[1]}() with noent: true substitutes external entities: files and URLs get read")
