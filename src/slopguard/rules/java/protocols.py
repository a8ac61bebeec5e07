"""JAVA-TLS-002: SSLContext or sockets pinned to SSL 3 / TLS 1.0 / TLS 1.1."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.java.common import calls, constant, method, receiver
from slopguard.rules.shared.trees import walk

_OUTDATED = re.compile(r"(?i)^(?:SSL|SSLv[23]|SSLv2Hello|TLSv1|TLSv1\.1)$")
_PROTOCOL_SETTERS = frozenset({"setEnabledProtocols", "setProtocol", "protocols", "setSslProtocol"})


def _outdated(node: Node, ctx: TSContext) -> list[str]:
    """The outdated protocol names among the string constants in ``node`` (an array, a list or one string)."""
    found = [constant(n, ctx) for n in walk(node) if n.type in ("string_literal", "identifier", "field_access")]
    return [v for v in found if v is not None and _OUTDATED.match(v)]


@ts_rule(
    id="JAVA-TLS-002",
    title="Outdated SSL/TLS protocol version",
    cwe=327,
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    languages=("java",),
    query=calls("^(getInstance|" + "|".join(sorted(_PROTOCOL_SETTERS)) + ")$"),
    why="""Assistants copy SSLContext.getInstance("SSL") or "TLSv1" from old answers, or enable TLSv1/TLSv1.1 on a
    socket so that a legacy server connects. SSL 3 and TLS 1.0/1.1 have practical attacks (POODLE, BEAST) and weak
    cipher suites; a network attacker can downgrade or decrypt the connection.""",
    fix="""Use SSLContext.getInstance("TLS") (the JDK negotiates the best version) or "TLSv1.3"/"TLSv1.2", and
    enable only TLSv1.2 and TLSv1.3 on sockets and clients.""",
)
def java_outdated_tls(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    call: Node = captures["call"][0]
    name = method(call, ctx)
    args = ctx.arguments(call)
    if not args:
        return
    obj = receiver(call)
    if name == "getInstance":
        if obj is None or ctx.compact(obj).rsplit(".", 1)[-1] != "SSLContext":
            return
        versions = _outdated(args[0], ctx) if constant(args[0], ctx) is not None else []
    else:
        versions = _outdated(args[0], ctx) if len(args) == 1 else []
    if versions:
        yield ctx.hit(call, f"{', '.join(dict.fromkeys(versions))} is broken; use TLS 1.2 or 1.3")
