"""JS-TLS-001: TLS certificate checks switched off (rejectUnauthorized: false, NODE_TLS_REJECT_UNAUTHORIZED=0,
strictSSL: false, a checkServerIdentity that accepts every host)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.javascript.common import FUNCTIONS, is_test_path, string_value, unwrap
from slopguard.rules.shared.trees import walk

_OFF = frozenset({"false", "0", "!1"})
_ENV_SWITCH = re.compile(
    r"^process\.env(?:\.NODE_TLS_REJECT_UNAUTHORIZED|\[['\"`]NODE_TLS_REJECT_UNAUTHORIZED['\"`]\])$"
)
# A database connection's ssl options: the same flaw, but the path is usually a provider's private network.
_DATABASE_SSL = re.compile(r"^(?:ssl|tls|dialectOptions|ssl_options|sslOptions)$")


def _switched_off(ctx: TSContext, value: Node) -> bool:
    value = unwrap(value)
    return ctx.compact(value) in _OFF or string_value(ctx, value) == "0"


def _accepts_any_host(ctx: TSContext, value: Node) -> bool:
    """``checkServerIdentity: () => undefined`` / ``() => {}``: Node's host name check replaced by a no-op."""
    value = unwrap(value)
    if value.type not in FUNCTIONS:
        return False
    body = value.child_by_field_name("body")
    if body is None:
        return False
    if body.type != "statement_block":
        return ctx.compact(body) in ("undefined", "null", "void0")
    returns = [n for n in walk(body) if n.type == "return_statement"]
    throws = any(n.type == "throw_statement" for n in walk(body))
    return not throws and all(
        ctx.compact(r) in ("return;", "return", "returnundefined;", "returnundefined") for r in returns
    )


def _key(ctx: TSContext, key: Node) -> str:
    text = string_value(ctx, key)
    return text if text is not None else ctx.text(key)


def _in_database_ssl(ctx: TSContext, pair: Node) -> bool:
    """``ssl: { rejectUnauthorized: false }`` in a database client's options (pg, Sequelize, TypeORM, Prisma)."""
    holder = pair.parent
    outer = holder.parent if holder is not None else None
    key = outer.child_by_field_name("key") if outer is not None and outer.type == "pair" else None
    return key is not None and bool(_DATABASE_SSL.match(_key(ctx, key)))


@ts_rule(
    id="JS-TLS-001",
    title="TLS certificate verification disabled",
    cwe=295,
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    languages=("javascript", "typescript"),
    query="""
      ((pair key: [(property_identifier) (string)] @key value: (_) @value) @pair
        (#match? @key "rejectUnauthorized|strictSSL|checkServerIdentity"))
      ((assignment_expression left: [(member_expression) (subscript_expression)] @left right: (_) @value) @assign
        (#match? @left "rejectUnauthorized|NODE_TLS_REJECT_UNAUTHORIZED"))
    """,
    why="""When a request fails with "self signed certificate" or "unable to verify the first certificate",
    assistants pass rejectUnauthorized: false to https.Agent, axios, got or a database pool, set
    process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0' (which turns checking off for the whole process), or
    strictSSL: false to request. The client then accepts any certificate: anyone on the network path can
    impersonate the server and read or change the traffic, credentials and tokens included.""",
    fix="""Keep certificate checks on; trust a private or self-signed CA by passing it as ca:
    fs.readFileSync('ca.pem') (or NODE_EXTRA_CA_CERTS), and use the provider's CA bundle for database TLS.""",
)
def insecure_tls(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    if is_test_path(ctx.path):
        return  # test servers use self-signed certificates
    value: Node = captures["value"][0]
    if "assign" in captures:
        left = ctx.compact(captures["left"][0])
        if _ENV_SWITCH.match(left) and _switched_off(ctx, value):
            yield ctx.hit(
                captures["assign"][0],
                "NODE_TLS_REJECT_UNAUTHORIZED=0 turns off certificate checks for every TLS connection of the process",
            )
        elif left.endswith(".rejectUnauthorized") and _switched_off(ctx, value):
            yield ctx.hit(captures["assign"][0], "rejectUnauthorized = false: any certificate is accepted")
        return
    pair: Node = captures["pair"][0]
    key = _key(ctx, captures["key"][0])
    if key in ("rejectUnauthorized", "strictSSL") and _switched_off(ctx, value):
        if _in_database_ssl(ctx, pair):
            yield ctx.hit(
                pair,
                "database TLS accepts any certificate (rejectUnauthorized: false); pass the provider's CA as ca",
                severity=Severity.MEDIUM,
            )
            return
        yield ctx.hit(pair, f"{key}: false accepts any certificate: the connection can be intercepted")
    elif key == "checkServerIdentity" and _accepts_any_host(ctx, value):
        yield ctx.hit(pair, "checkServerIdentity accepts every host: a certificate for any site passes")
