"""JAVA-SQLI-001: SQL built by concatenation or String.format into JDBC, JPA/Hibernate or JdbcTemplate."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.flow import Flow, describe, join
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.java.common import Decl, calls, declaration, method, method_of, receiver
from slopguard.rules.java.guards import allow_listed, constant_lookup
from slopguard.rules.shared.sql import looks_sql
from slopguard.rules.shared.trees import walk

# Methods whose first argument is always SQL/JPQL/HQL.
_SQL_ONLY = frozenset(
    {"executeQuery", "executeUpdate", "executeLargeUpdate", "addBatch", "prepareStatement", "prepareCall",
     "createQuery", "createNativeQuery", "createSQLQuery", "createNamedQuery", "queryForObject", "queryForList",
     "queryForMap", "queryForRowSet", "queryForStream", "nativeQuery"}
)  # fmt: skip
# Names also used by unrelated APIs: SQL only when the receiver or the text says so.
_GENERIC = frozenset({"execute", "query", "update", "batchUpdate", "queryForLong", "queryForInt"})
_DB_RECEIVER = re.compile(
    r"(?i)(?:^|\.)(?:\w*(?:jdbc|stmt|statement|conn|connection|entitymanager|session|datasource)\w*|em|st|db)$"
)
_APPENDERS = frozenset({"append", "insert"})
_NUMERIC = frozenset(
    {"int", "long", "short", "byte", "double", "float", "boolean", "Integer", "Long", "Short", "Byte", "Double",
     "Float", "Boolean", "BigDecimal", "BigInteger", "UUID"}
)  # fmt: skip


def _single_value(decl: Decl, at: Node, ctx: TSContext) -> bool:
    """The variable keeps its initial value: a local never assigned again in its method, or a final field."""
    holder = decl.node.parent
    if decl.node.type != "variable_declarator" or holder is None:
        return False
    if holder.type == "field_declaration":
        return any(c.type == "modifiers" and "final" in ctx.text(c).split() for c in holder.children)
    func = method_of(at)
    name = ctx.text(decl.node.child_by_field_name("name"))
    return func is not None and not any(
        n.type == "assignment_expression" and ctx.text(n.child_by_field_name("left")) == name for n in walk(func)
    )


def _fixed_pieces(query: Node, ctx: TSContext) -> bool:
    """Every piece the query is assembled from is a literal, a number, or the code's own value looked up in a
    constant map: ``"... WHERE id = " + id`` with ``long id``, ``String.format("... ORDER BY %s", column)`` with
    ``column = SORT_COLUMNS.getOrDefault(sort, "created_at")``. Local variables are followed to their values."""
    stack = [(query, 0)]
    while stack:
        node, hops = stack.pop()
        if node.type == "binary_expression" and ctx.text(node.child_by_field_name("operator")) == "+":
            stack += [(c, hops) for c in (node.child_by_field_name("left"), node.child_by_field_name("right")) if c]
        elif node.type == "parenthesized_expression":
            stack += [(c, hops) for c in node.named_children]
        elif node.type == "method_invocation" and method(node, ctx) in ("format", "formatted"):
            obj = receiver(node)
            pieces = list(ctx.arguments(node)) + ([obj] if obj is not None and method(node, ctx) == "formatted" else [])
            stack += [(c, hops) for c in pieces]
        elif node.type in ("string_literal", "decimal_integer_literal") or constant_lookup(node, ctx):
            continue
        elif node.type == "identifier":
            decl = declaration(ctx.text(node), node, ctx)
            if decl is not None and decl.type in _NUMERIC:
                continue
            if decl is None or decl.value is None or hops >= 3 or not _single_value(decl, node, ctx):
                return False
            stack.append((decl.value, hops + 1))
        else:
            return False
    return True


def _builder_flow(arg: Node, ctx: TSContext) -> Flow | None:
    """``sb.toString()`` of a StringBuilder filled by ``sb.append(...)`` statements in the same method."""
    if arg.type == "identifier":
        decl = declaration(ctx.text(arg), arg, ctx)
        if decl is None or decl.value is None:
            return None
        arg = decl.value
    if arg.type != "method_invocation" or method(arg, ctx) != "toString":
        return None
    obj = receiver(arg)
    func = method_of(arg)
    if obj is None or obj.type != "identifier" or func is None:
        return None
    name = ctx.text(obj)
    decl = declaration(name, obj, ctx)
    if decl is None or decl.type.rsplit(".", 1)[-1] not in ("StringBuilder", "StringBuffer", "var"):
        return None
    flows: list[Flow] = [ctx.flow(decl.value)] if decl.value is not None else []
    for node in walk(func):
        if node.type == "method_invocation" and method(node, ctx) in _APPENDERS:
            head = node
            while head.type == "method_invocation" and receiver(head) is not None:
                head = receiver(head)  # type: ignore[assignment]
            if ctx.text(head) == name:
                flows += [ctx.flow(a) for a in ctx.arguments(node)]
    if not any(f.dynamic for f in flows):
        return None
    flow = join(flows)
    return Flow(flow.level, True, True, flow.origin)


def _sql_text(arg: Node, ctx: TSContext) -> str:
    """The text of the query expression, and of its initialiser when it is a local variable."""
    text = ctx.text(arg)
    if arg.type == "identifier":
        decl = declaration(text, arg, ctx)
        if decl is not None and decl.value is not None:
            text += " " + ctx.text(decl.value)
        func = method_of(arg)
        if func is not None:  # sql += " WHERE ..." further down
            for node in walk(func):
                if node.type == "assignment_expression" and ctx.text(node.child_by_field_name("left")) == text:
                    text += " " + ctx.text(node.child_by_field_name("right"))
    return text


@ts_rule(
    id="JAVA-SQLI-001",
    title="SQL query built from strings",
    cwe=89,
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    languages=("java",),
    query=calls("^(" + "|".join(sorted(_SQL_ONLY | _GENERIC)) + ")$"),
    why="""Assistants build JDBC, JPA and JdbcTemplate queries with '+' or String.format ("... WHERE name = '" +
    name + "'") and hand them to Statement.executeQuery, createQuery or jdbcTemplate.query; a quote in the
    request parameter rewrites the query: login bypass, dumping other users' rows, or stacked statements.""",
    fix="""Use a PreparedStatement with '?' placeholders and setString/setInt, JPA named parameters
    (setParameter("name", name)), or JdbcTemplate's query(sql, rowMapper, args...) with '?' in a constant SQL string;
    allow-list identifiers such as sort columns.""",
)
def java_sql_injection(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    call: Node = captures["call"][0]
    name = method(call, ctx)
    if name not in _SQL_ONLY and name not in _GENERIC:
        return
    args = ctx.arguments(call)
    if not args:
        return
    query = args[0]
    if query.type == "string_literal":
        return
    flow = ctx.flow(query)
    if not (flow.built or flow.tainted):
        flow = _builder_flow(query, ctx) or flow
    if not (flow.built or flow.tainted) or (not flow.tainted and _fixed_pieces(query, ctx)):
        return
    if flow.tainted and allow_listed(query, call, ctx):
        return  # if (!ALLOWED_COLUMNS.contains(sort)) throw ...; "... ORDER BY " + sort
    if name in _GENERIC:
        obj = receiver(call)
        db_receiver = obj is not None and _DB_RECEIVER.search(ctx.compact(obj)) is not None
        if not (db_receiver or looks_sql(_sql_text(query, ctx))):
            return
    yield ctx.hit(
        call,
        f"SQL passed to {name}() is assembled from {describe(flow)}; use '?' placeholders and bound parameters",
        confidence=Confidence.HIGH if flow.tainted else Confidence.MEDIUM,
    )
