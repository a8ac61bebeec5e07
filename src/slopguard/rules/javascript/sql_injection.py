"""JS-SQLI-001: SQL strings built from input into mysql, pg, sqlite, knex.raw, sequelize.query or literal(),
Prisma's *Unsafe calls and query builders' where/having conditions (TypeORM, knex)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.flow import Flow
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.javascript.common import imported, receiver, resolve, unwrap
from slopguard.rules.javascript.request_data import REDIRECT_GUARD, guarded, server_input
from slopguard.rules.shared.sql import looks_sql

_SINKS = frozenset(
    {"query", "execute", "raw", "run", "all", "get", "each", "exec", "prepare", "unsafe", "$queryRawUnsafe",
     "$executeRawUnsafe", "whereRaw", "orderByRaw", "havingRaw", "joinRaw"}
)  # fmt: skip
_GENERIC = frozenset({"get", "all", "run", "each", "exec", "prepare", "execute"})
# Query builders take a condition as SQL text (TypeORM's where(`u.id = ${id}`)): a string assembled from values.
_CONDITIONS = frozenset({"where", "andWhere", "orWhere", "having", "andHaving", "orHaving"})
# A value pasted where the condition compares (`u.name = '${name}'`, "id = " + id), not an alias or a column
# name (`${alias}.deletedAt IS NULL`): what makes a condition built from a helper's parameter worth reporting.
_PASTED_VALUE = re.compile(r"""(?i)(?:[=<>]|\blike|\bin)\s*\(?\s*['"%]*\s*(?:\$\{|['"`]\s*\+)""")
_SEQUELIZE = re.compile(r"(?i)^(?:\w+\.)*sequelize$")
# Calls whose first argument is SQL text whatever it looks like (an ORDER BY fragment reads like a column name).
_RAW = frozenset({"query", "raw", "whereRaw", "orderByRaw", "havingRaw", "joinRaw", "$queryRawUnsafe",
                  "$executeRawUnsafe"})  # fmt: skip
# TypeORM pastes these arguments into the SQL as written (knex quotes them as identifiers).
_TYPEORM_CLAUSES = frozenset({"orderBy", "addOrderBy", "groupBy", "addGroupBy", "select", "addSelect"})


@ts_rule(
    id="JS-SQLI-001",
    title="SQL query built from strings",
    cwe=89,
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    languages=("javascript", "typescript"),
    query="""[
      (call_expression function: (member_expression property: (property_identifier) @method)) @call
      (call_expression function: (identifier) @method) @call
    ]""",
    why="""Assistants interpolate request values into SQL with template literals or '+' and hand the string to
    db.query(); an attacker's quote rewrites the query (data theft, login bypass, stacked statements).""",
    fix="""Use placeholders: db.query("SELECT * FROM users WHERE id = ?", [id]) (mysql), $1 (pg), knex's
    .where({id}) or .raw(sql, bindings), sequelize.query(sql, {replacements}).""",
)
def js_sql_injection(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    method = ctx.text(captures["method"][0])
    call = captures["call"][0]
    if method == "literal":
        yield from _sequelize_literal(ctx, call)
        return
    if method in _CONDITIONS:
        yield from _builder_condition(ctx, call, method)
        return
    if method in _TYPEORM_CLAUSES:
        yield from _typeorm_clause(ctx, call, method)
        return
    if method not in _SINKS or captures["method"][0].type == "identifier":
        return
    args = ctx.arguments(call)
    if not args:
        return
    query = args[0]
    if query.type in ("string",):
        return
    text = ctx.text(query)
    if query.type == "identifier":  # `const sql = "SELECT ..." + x; db.all(sql)`: the SQL is in the declaration
        text += " " + ctx.text(resolve(ctx, query))
    sql = looks_sql(text) or method in _RAW
    if not sql and query.type == "identifier" and method not in _GENERIC:
        sql = True  # cache.get(key), regex.exec(line), stmt.run(args): not SQL unless it reads like SQL
    if not sql:
        return  # decided before the value's flow is asked for: most calls of these names are not SQL at all
    flow = ctx.flow(query)
    if not (flow.built or flow.tainted):
        return
    yield _pasted(
        ctx, call, flow, f"SQL passed to {method}() is assembled from {{}}; use placeholders and bound values"
    )


def _sequelize_literal(ctx: TSContext, call: Node) -> Iterator[Hit]:
    """``Sequelize.literal(`...${x}`)`` / ``literal(req.query.sort)``: text pasted into the generated SQL."""
    obj = receiver(call)
    if obj is None:
        origin = imported(ctx, "literal")
        if origin is None or origin[0] != "sequelize":
            return
    elif not _SEQUELIZE.match(ctx.compact(obj)):
        return
    args = ctx.arguments(call)
    flow = ctx.flow(args[0]) if args else None
    if flow is None or not (flow.tainted or (flow.built and flow.dynamic)):
        return
    yield _pasted(
        ctx, call, flow, "Sequelize literal() pastes {} into the SQL unescaped; use replacements or where objects"
    )


def _builder_condition(ctx: TSContext, call: Node, method: str) -> Iterator[Hit]:
    """``qb.where(`user.id = ${id}`)``: a query builder's condition written as SQL text with values pasted in."""
    args = ctx.arguments(call)
    if not args or unwrap(args[0]).type not in ("template_string", "binary_expression", "identifier"):
        return
    flow = ctx.flow(args[0])
    if not (flow.built and flow.dynamic):
        return
    text = ctx.text(args[0])
    if unwrap(args[0]).type == "identifier":
        text = ctx.text(resolve(ctx, args[0]))
    if not looks_sql(text, condition=True) or not (flow.tainted or _PASTED_VALUE.search(text)):
        return
    advice = "use named parameters (where('u.id = :id', {{ id }}))"
    yield _pasted(ctx, call, flow, f"{method}() condition is SQL assembled from {{}}; {advice}")


def _typeorm_clause(ctx: TSContext, call: Node, method: str) -> Iterator[Hit]:
    """``qb.orderBy(req.query.sort)``: TypeORM writes a sort column or selection into the SQL as given."""
    if b"typeorm" not in ctx.source and "createQueryBuilder" not in _chain_text(ctx, call):
        return
    args = ctx.arguments(call)
    if not args or unwrap(args[0]).type in ("object", "array"):
        return  # orderBy({ "u.name": "ASC" }) and select([...]) name columns the code chose
    flow = server_input(ctx, args[0])
    if flow is None or guarded(ctx, call, args[0], REDIRECT_GUARD):
        return
    yield ctx.hit(
        call,
        f"{method}() pastes attacker-controlled data ({flow.origin}) into the SQL; pick the column from a fixed list",
    )


def _chain_text(ctx: TSContext, call: Node) -> str:
    """The text of a method chain and of the const its head names: ``qb.orderBy(x)`` after
    ``const qb = repo.createQueryBuilder('p')``."""
    head: Node | None = call
    while head is not None and head.type in ("call_expression", "member_expression", "await_expression"):
        head = (
            head.child_by_field_name("function")
            or head.child_by_field_name("object")
            or (head.named_children[0] if head.type == "await_expression" and head.named_children else None)
        )
    value = resolve(ctx, head) if head is not None and head.type == "identifier" else None
    return ctx.text(call) + " " + (ctx.text(value) if value is not None else "")


def _pasted(ctx: TSContext, call: Node, flow: Flow, message: str) -> Hit:
    """A finding whose ``message`` says where the pasted value comes from (its ``{}``): request data (high
    confidence) or a value nobody can name (medium)."""
    origin = f"attacker-controlled data ({flow.origin})" if flow.tainted else "non-constant data"
    return ctx.hit(call, message.format(origin), confidence=Confidence.HIGH if flow.tainted else Confidence.MEDIUM)
