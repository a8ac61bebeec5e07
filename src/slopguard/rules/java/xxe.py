"""JAVA-XXE-001: JAXP/StAX/SAX parser factories created without turning off DTDs and external entities."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.java.common import calls, class_of, creations, declaration, method, method_of, receiver, type_name
from slopguard.rules.shared.trees import ancestor, walk

_FACTORIES = {
    "DocumentBuilderFactory": "DocumentBuilderFactory",
    "SAXParserFactory": "SAXParserFactory",
    "XMLInputFactory": "XMLInputFactory",
    "TransformerFactory": "TransformerFactory",
    "SAXTransformerFactory": "TransformerFactory",
    "SchemaFactory": "SchemaFactory",
    "XMLReaderFactory": "XMLReader",
}
_CREATORS = frozenset({"newInstance", "newFactory", "newDefaultInstance", "newDefaultFactory", "createXMLReader"})
# Chains ending in an object that can still be hardened (XMLReader features, entity resolvers).
_CONFIGURABLE = frozenset({"getXMLReader", "newSAXParser", "newDocumentBuilder", "newTransformer", "newSchema"})
_CONSTRUCTED = {"SAXBuilder": "JDOM SAXBuilder", "SAXReader": "dom4j SAXReader"}
# Compacted (whitespace-free) text of a call that hardens a factory, in the method or the class that uses it.
_TRUE = r'(?:true|Boolean\.TRUE|"true")'
_FALSE = r'(?:false|Boolean\.FALSE|"false")'
_HARDENING = re.compile(
    rf'disallow-doctype-decl",{_TRUE}|external-(?:general|parameter)-entities",{_FALSE}'
    rf'|load-external-dtd",{_FALSE}'
    r'|(?:ACCESS_EXTERNAL_DTD|ACCESS_EXTERNAL_SCHEMA|ACCESS_EXTERNAL_STYLESHEET|accessExternal(?:DTD|Schema|Stylesheet)"),""'
    rf"|setExpandEntityReferences\({_FALSE}\)"
    r"|setEntityResolver\("
    rf'|(?:IS_SUPPORTING_EXTERNAL_ENTITIES|SUPPORT_DTD|isSupportingExternalEntities"|supportDTD"),{_FALSE}'
)

# What a factory's products do when they read XML from outside, per kind: a factory whose file never parses,
# builds, reads or transforms such input (a DocumentBuilder only used for newDocument(), a Transformer that
# serialises an in-memory DOM) resolves no entity. Factories handed out of the file are still reported.
_READS_XML = {
    "DocumentBuilderFactory": r"\.parse\(",
    "SAXParserFactory": r"\.parse\(",
    "XMLReader": r"\.parse\(",
    "JDOM SAXBuilder": r"\.build\(",
    "dom4j SAXReader": r"\.read\(",
    "XMLInputFactory": r"\.create(?:XMLStreamReader|XMLEventReader|FilteredReader)\(",
    "TransformerFactory": r"\.newTransformer\((?!\))|\.newTemplates\(|\bStreamSource\b|\bSAXSource\b",
    "SchemaFactory": r"\.newSchema\((?!\))",
}
_HANDED_OUT = re.compile(
    r"\b(?:public|protected|static|private)?\s*(?:DocumentBuilder|DocumentBuilderFactory|SAXParser|SAXParserFactory"
    r"|XMLReader|XMLInputFactory|Transformer|TransformerFactory|SAXTransformerFactory|SchemaFactory|Schema|Validator"
    r"|SAXBuilder|SAXReader)\s+\w+\s*\([^)]*\)\s*(?:throws\s[\w.,\s]+)?\{"
)


def _reads_outside_xml(kind: str, ctx: TSContext) -> bool:
    """Whether the file parses/transforms XML with what the factory makes, or hands a parser out of a method."""
    text = ctx.text(ctx.tree.root_node)
    return re.search(_READS_XML.get(kind, r"."), text) is not None or _HANDED_OUT.search(text) is not None


def _conditional(call: Node, factory: Node, scope: Node) -> bool:
    """The hardening call sits in an ``if`` (or ``switch``) that does not also hold the factory: on the other path
    the factory keeps its defaults."""
    branch = ancestor(call, ("if_statement", "switch_expression", "ternary_expression"))
    while branch is not None and scope.start_byte <= branch.start_byte and branch.end_byte <= scope.end_byte:
        if not (branch.start_byte <= factory.start_byte < branch.end_byte):
            return True
        branch = ancestor(branch, ("if_statement", "switch_expression", "ternary_expression"))
    return False


def _hardened(scope: Node | None, factory: Node, ctx: TSContext) -> bool:
    if scope is None or _HARDENING.search(ctx.compact(scope)) is None:
        return False
    return any(
        node.type == "method_invocation"
        and _HARDENING.search(ctx.compact(node))
        and not _conditional(node, factory, scope)
        for node in walk(scope)
    )


def _factory_kind(node: Node, ctx: TSContext) -> str | None:
    if node.type == "object_creation_expression":
        return _CONSTRUCTED.get(type_name(node, ctx))
    name = method(node, ctx)
    obj = receiver(node)
    if name not in _CREATORS or obj is None:
        return None
    return _FACTORIES.get(ctx.text(obj).rsplit(".", 1)[-1])


def _chain_end(node: Node) -> Node:
    """The last call of ``DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(in)``."""
    while node.parent is not None and node.parent.type == "method_invocation" and receiver(node.parent) == node:
        node = node.parent
    return node


def _scope(node: Node, ctx: TSContext) -> Node | None:
    """Where the factory can be configured: its method when it is kept in a local variable, else its class."""
    func = method_of(node)
    parent = node.parent
    while parent is not None and parent.type in ("parenthesized_expression", "cast_expression"):
        parent = parent.parent
    if func is None or parent is None:
        return class_of(node)
    if parent.type == "variable_declarator" and ancestor(parent, ("field_declaration",)) is None:
        return func
    if parent.type == "assignment_expression":
        target = parent.child_by_field_name("left")
        decl = declaration(ctx.text(target), node, ctx) if target is not None and target.type == "identifier" else None
        if decl is not None and method_of(decl.node) == func:
            return func  # a local declared earlier in the method
    return class_of(node)


@ts_rule(
    id="JAVA-XXE-001",
    title="XML parser with external entities enabled",
    cwe=611,
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    languages=("java",),
    query=calls("^(" + "|".join(sorted(_CREATORS)) + ")$") + " " + creations("(SAXBuilder|SAXReader)$"),
    why="""Assistants parse uploaded or posted XML with DocumentBuilderFactory.newInstance(), SAXParserFactory,
    XMLInputFactory or TransformerFactory as the tutorials show, and the JDK defaults still resolve DOCTYPEs and
    external entities. A document with <!ENTITY x SYSTEM "file:///etc/passwd"> reads server files into the response,
    reaches internal URLs (SSRF), or exhausts memory with nested entities (billion laughs). Hardening that only
    runs inside an if (a "strict mode" flag) leaves the default path open.""",
    fix="""Right after creating the factory call factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl",
    true) (DOM/SAX), set XMLInputFactory.SUPPORT_DTD and IS_SUPPORTING_EXTERNAL_ENTITIES to false (StAX), and set
    XMLConstants.ACCESS_EXTERNAL_DTD / ACCESS_EXTERNAL_STYLESHEET to "" (Transformer/Schema factories).""",
)
def java_xxe(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    node: Node = captures["call"][0]
    kind = _factory_kind(node, ctx)
    if kind is None:
        return
    end = _chain_end(node)
    if (end == node or method(end, ctx) in _CONFIGURABLE) and _hardened(_scope(end, ctx), node, ctx):
        return
    if not _reads_outside_xml(kind, ctx):
        return
    yield ctx.hit(
        node,
        f"{kind} created without disabling DTDs/external entities; an uploaded document can read local files (XXE)",
    )
