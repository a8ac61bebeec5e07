"""JS-SQLI-001: SQL strings built from input into mysql, pg, sqlite, knex.raw or sequelize.query."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.javascript.common import resolve
from slopguard.rules.shared.sql import looks_sql

_SINKS = frozenset(
    {"query", "execute", "raw", "run", "all", "get", "each", "exec", "prepare", "unsafe", "$queryRawUnsafe",
     "$executeRawUnsafe", "whereRaw", "orderByRaw", "havingRaw", "joinRaw"}
)  # fmt: skip
_GENERIC = frozenset({"get", "all", "run", "each", "exec", "prepare", "execute"})


@ts_rule(
    id="JS-SQLI-001",
    title="SQL query built from strings",
    cwe=89,
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    languages=("javascript", "typescript"),
    query="(call_expression function: (member_expression property: (property_identifier) @method)) @call",
    why="""Assistants interpolate request values into SQL with template literals or '+' and hand the string to
    db.query(); an attacker's quote rewrites the query (data theft, login bypass, stacked statements).""",
    fix="""Use placeholders: db.query("SELECT * FROM users WHERE id = ?", [id]) (mysql), $1 (pg), knex's
    .where({id}) or .raw(sql, bindings), sequelize.query(sql, {replacements}).""",
)
def js_sql_injection(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    method = ctx.text(captures["method"][0])
    if method not in _SINKS:
        return
    call = captures["call"][0]
    args = ctx.arguments(call)
    if not args:
        return
    query = args[0]
    flow = ctx.flow(query)
    if not (flow.built or flow.tainted) or query.type in ("string",):
        return
    text = ctx.text(query)
    if query.type == "identifier":  # `const sql = "SELECT ..." + x; db.all(sql)`: the SQL is in the declaration
        text += " " + ctx.text(resolve(ctx, query))
    sql = looks_sql(text) or method in ("query", "raw", "whereRaw", "$queryRawUnsafe")
    if not sql and query.type == "identifier" and method not in _GENERIC:
        sql = True  # cache.get(key), regex.exec(line), stmt.run(args): not SQL unless it reads like SQL
    if not sql:
        return
    origin = f"attacker-controlled data ({flow.origin})" if flow.tainted else "non-constant data"
    yield ctx.hit(
        call,
        f"SQL passed to {method}() is assembled from {origin}; use placeholders and bound values",
        confidence=Confidence.HIGH if flow.tainted else Confidence.MEDIUM,
    )
