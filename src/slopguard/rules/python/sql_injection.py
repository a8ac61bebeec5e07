"""PY-SQLI-001: SQL assembled from strings and passed to a driver, SQLAlchemy or the Django ORM."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.python.context import PyContext
from slopguard.engine.registry import Hit, hit_at, python_rule
from slopguard.rules.python.common import describe, first_arg, method_name

_EXECUTE = frozenset({"execute", "executemany", "executescript", "exec_driver_sql", "mogrify"})
_QUERY_FUNCS = frozenset({"sqlalchemy.text", "sqlalchemy.sql.text", "sqlalchemy.sql.expression.text", "text"})
_DJANGO = frozenset({"raw", "extra", "RawSQL"})
_PANDAS = frozenset({"read_sql", "read_sql_query"})


@python_rule(
    id="PY-SQLI-001",
    title="SQL query built from strings",
    cwe=89,
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    nodes=(ast.Call,),
    why="""Assistants build SQL with f-strings, '+' or '%' because it reads naturally and passes tests with
    friendly input. An attacker sends a quote and rewrites the query: dumps tables, bypasses the login check
    (' OR '1'='1), or with stacked queries changes data.""",
    fix="""Pass values as parameters: cur.execute("SELECT ... WHERE name = %s", (name,)) or
    text("... WHERE name = :name").bindparams(name=name); allow-list identifiers such as column names.""",
)
def sql_injection(node: ast.Call, ctx: PyContext) -> Iterator[Hit]:
    name = method_name(node)
    qual = ctx.call_name(node)
    if name in _EXECUTE or name in _DJANGO or name in _PANDAS:
        query = first_arg(node, "sql") if name != "extra" else _extra_arg(node)
    elif qual in _QUERY_FUNCS and isinstance(node.func, ast.Name | ast.Attribute):
        if qual == "text" and "sqlalchemy" not in ctx.text:
            return
        query = first_arg(node)
    else:
        return
    if query is None or (isinstance(query, ast.Call) and ctx.call_name(query) in _QUERY_FUNCS):
        return  # text(f"...") is reported at the text() call itself
    flow = ctx.flow(query)
    if not (flow.built or flow.tainted):
        return
    yield hit_at(
        node,
        f"SQL passed to {name}() is assembled from {describe(flow)}; use bound parameters",
        confidence=Confidence.HIGH if flow.tainted else Confidence.MEDIUM,
    )

def _extra_arg(node: ast.Call) -> ast.expr | None:
    for kw in node.keywords:
        if kw.arg in ("where", "select", "tables", "order_by") and isinstance(kw.value, ast.List | ast.Tuple):
            for elt in kw.value.elts:
                if not isinstance(elt, ast.Constant):
                    return elt
    return None
