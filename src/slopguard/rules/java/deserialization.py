"""JAVA-DESER-001: native deserialization without a filter, Jackson default typing, XMLDecoder, SnakeYAML load."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.java.common import (
    calls,
    class_of,
    creations,
    declaration,
    declared_type,
    method,
    method_of,
    receiver,
    type_name,
    value_of,
)
from slopguard.rules.shared.trees import walk

_FILTERED = re.compile(r"setObjectInputFilter\(|ObjectInputFilter|setSerialFilter|resolveClass\(")
_SAFE_STREAMS = re.compile(r"(?i)validating|lookahead|filtered|safe|whitelist|allowlist|restricted")
_LAX_VALIDATOR = re.compile(
    r"LaissezFaireSubTypeValidator|getPolymorphicTypeValidator\(\)|allowIf(?:Base|Sub)Type\((?:Object|Serializable)"
    r"\.class\)|allowIf(?:Base|Sub)Type\(\"java\.?\"\)"
)
_SAFE_YAML = re.compile(r"SafeConstructor|LoaderOptions|new Constructor\(\s*\w+\.class")
_XSTREAM_EVERYTHING = re.compile(r'^(?:newString\[\]\{)?"(?:\*\*|\.\*|\.\+)"\}?$')
_BUFFER_READS = frozenset({"toByteArray", "size", "close", "flush", "reset"})


def _object_stream(obj: Node, ctx: TSContext) -> Node | None:
    """The ``new ObjectInputStream(...)`` behind ``ois.readObject()``, or the receiver itself when only the
    declared type says so; None for any other stream type."""
    value = value_of(obj, ctx)
    kind = declared_type(obj, ctx) or (type_name(value, ctx) if value.type == "object_creation_expression" else "")
    if kind != "ObjectInputStream":
        return None
    return value


def _own_output(node: Node, ctx: TSContext) -> bool:
    """``out.toByteArray()`` where ``out`` is a ``new ByteArrayOutputStream()`` of this method written only through
    ``new ObjectOutputStream(out)``: the bytes are this method's own serialization of its own objects."""
    if node.type != "method_invocation" or method(node, ctx) != "toByteArray" or ctx.arguments(node):
        return False
    buffer = receiver(node)
    func = method_of(node)
    if buffer is None or buffer.type != "identifier" or func is None:
        return False
    name = ctx.text(buffer)
    decl = declaration(name, buffer, ctx)
    if decl is None or decl.value is None or method_of(decl.node) != func:
        return False
    if decl.value.type != "object_creation_expression" or type_name(decl.value, ctx) != "ByteArrayOutputStream":
        return False
    return all(
        _serialization_only(use, ctx) for use in walk(func) if use.type == "identifier" and ctx.text(use) == name
    )


def _serialization_only(use: Node, ctx: TSContext) -> bool:
    """A use of the round-trip buffer that cannot put foreign bytes into it."""
    parent = use.parent
    if parent is None:
        return False
    if parent.type == "variable_declarator":
        return parent.child_by_field_name("name") == use  # its declaration, not a copy of the reference
    if parent.type == "method_invocation" and receiver(parent) == use:
        return method(parent, ctx) in _BUFFER_READS
    creation = parent.parent if parent.type == "argument_list" else None
    writer = creation is not None and creation.type == "object_creation_expression"
    return writer and creation is not None and type_name(creation, ctx) == "ObjectOutputStream"


def _round_trip(stream: Node, ctx: TSContext) -> bool:
    """``new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))`` reading back what this method just
    wrote with an ObjectOutputStream: a deep copy or a serialization test, not data from outside."""
    if stream.type != "object_creation_expression":
        return False
    args = ctx.arguments(stream)
    source = value_of(args[0], ctx) if len(args) == 1 else None
    if source is None or source.type != "object_creation_expression":
        return False
    inner = ctx.arguments(source)
    return type_name(source, ctx) == "ByteArrayInputStream" and len(inner) == 1 and _own_output(inner[0], ctx)


def _native(call: Node, ctx: TSContext) -> Hit | None:
    obj = receiver(call)
    func = method_of(call)
    if obj is None or func is None or ctx.text(func.child_by_field_name("name")) in ("readObject", "readExternal"):
        return None  # custom serialization hooks read their own fields
    stream = _object_stream(obj, ctx)
    if stream is None or _round_trip(stream, ctx):
        return None
    decl = declaration(ctx.text(obj), obj, ctx) if obj.type == "identifier" else None
    if decl is not None and decl.node.type == "formal_parameter":
        return None  # a stream handed in: serialization plumbing; the creating method is where to look
    field = decl is not None and method_of(decl.node) is None
    scope = class_of(call) if field else func
    if _FILTERED.search(ctx.text(scope)) or b"setSerialFilter(" in ctx.source:
        return None
    flow = ctx.flow(stream)
    origin = f" from {flow.origin}" if flow.tainted and flow.origin else ""
    return ctx.hit(
        call,
        f"ObjectInputStream.{method(call, ctx)}() without an ObjectInputFilter deserializes any class{origin}; "
        "gadget chains run code",
        confidence=Confidence.HIGH if flow.tainted else Confidence.MEDIUM,
    )


def _yaml(call: Node, ctx: TSContext) -> Hit | None:
    obj = receiver(call)
    args = ctx.arguments(call)
    if obj is None or not args:
        return None
    value = value_of(obj, ctx)
    if declared_type(obj, ctx) != "Yaml" and not (
        value.type == "object_creation_expression" and type_name(value, ctx) == "Yaml"
    ):
        return None
    if value.type == "object_creation_expression" and _SAFE_YAML.search(ctx.text(value)):
        return None
    if value.type != "object_creation_expression" and obj.type == "identifier":
        decl = declaration(ctx.text(obj), obj, ctx)
        if decl is None or decl.value is None or _SAFE_YAML.search(ctx.text(decl.value)):
            return None
    flow = ctx.tainted(args[0])
    if flow is None:
        return None
    return ctx.hit(call, f"SnakeYAML {method(call, ctx)}() of request data ({flow.origin}) can instantiate any class")


def _xstream_any(call: Node, ctx: TSContext) -> Hit | None:
    """XStream's security framework switched off: ``addPermission(AnyTypePermission.ANY)``, ``"**"`` or ``".*"``."""
    args = ctx.arguments(call)
    text = ctx.compact(args[0]) if len(args) == 1 else ""
    if not (text.endswith("AnyTypePermission.ANY") or _XSTREAM_EVERYTHING.search(text)):
        return None
    return ctx.hit(call, "XStream told to accept every type: XML from outside can instantiate gadget classes")


@ts_rule(
    id="JAVA-DESER-001",
    title="Unsafe deserialization",
    cwe=502,
    severity=Severity.CRITICAL,
    confidence=Confidence.HIGH,
    languages=("java",),
    query=calls(
        "^(readObject|readUnshared|enableDefaultTyping|enableDefaultTypingAsProperty|activateDefaultTyping|"
        "activateDefaultTypingAsProperty|load|loadAll|loadAs|addPermission|allowTypesByWildcard|allowTypesByRegExp)$"
    )
    + " "
    + creations("XMLDecoder$"),
    why="""Assistants restore objects with new ObjectInputStream(request.getInputStream()).readObject(), turn on
    Jackson's enableDefaultTyping() so polymorphic JSON "just works", load YAML with new Yaml().load(body), or
    silence XStream's security warning with addPermission(AnyTypePermission.ANY).
    Each lets the sender pick the classes to instantiate: a serialized gadget chain from common libraries
    (commons-collections, Spring, Groovy) or a JSON/YAML type tag runs arbitrary code on the server.""",
    fix="""Accept JSON into fixed DTO classes; if native serialization is unavoidable install an ObjectInputFilter
    allow-list (ois.setObjectInputFilter / jdk.serialFilter). Use activateDefaultTyping only with a
    BasicPolymorphicTypeValidator allow-list, new Yaml(new SafeConstructor(new LoaderOptions())), never XMLDecoder.""",
)
def java_deserialization(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    node: Node = captures["call"][0]
    if node.type == "object_creation_expression":
        if type_name(node, ctx) == "XMLDecoder":
            args = ctx.arguments(node)
            flow = ctx.flow(args[0]) if args else None
            yield ctx.hit(
                node,
                "XMLDecoder executes the method calls written in the XML it reads; never decode untrusted XML",
                confidence=Confidence.HIGH if flow is not None and flow.tainted else Confidence.MEDIUM,
            )
        return
    name = method(node, ctx)
    hit: Hit | None = None
    if name in ("readObject", "readUnshared") and not ctx.arguments(node):
        hit = _native(node, ctx)
    elif name == "enableDefaultTyping" or name == "enableDefaultTypingAsProperty":
        hit = ctx.hit(node, "Jackson default typing lets JSON name the class to instantiate (gadget chains)")
    elif name == "activateDefaultTyping" or name == "activateDefaultTypingAsProperty":
        args = ctx.arguments(node)
        validator = value_of(args[0], ctx) if args else None
        if validator is None or _LAX_VALIDATOR.search(ctx.compact(validator)):
            hit = ctx.hit(node, "Jackson default typing with a permissive type validator accepts any class")
    elif name in ("load", "loadAll", "loadAs"):
        hit = _yaml(node, ctx)
    elif name in ("addPermission", "allowTypesByWildcard", "allowTypesByRegExp"):
        hit = _xstream_any(node, ctx)
    if hit is not None:
        yield hit
