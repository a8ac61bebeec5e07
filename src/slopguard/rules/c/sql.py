"""C-SQLI-001: SQL text assembled from non-constant data and run through sqlite3, MySQL, libpq or ODBC (or a C++
wrapper's exec/query method)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.flow import Flow, join
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.c.common import COPIERS, base_name, callee, literal_like, string_value, unwrap
from slopguard.rules.c.dataflow import FunctionFacts, arg_flow, function_facts
from slopguard.rules.c.formats import BUFFER_FORMAT
from slopguard.rules.c.views import viewed_name
from slopguard.rules.shared.sql import looks_sql
from slopguard.rules.shared.trees import walk

# name -> index of the SQL text
_RUNNERS = {
    "sqlite3_exec": 1, "sqlite3_prepare": 1, "sqlite3_prepare_v2": 1, "sqlite3_prepare_v3": 1,
    "sqlite3_prepare16": 1, "sqlite3_prepare16_v2": 1, "mysql_query": 1, "mysql_real_query": 1,
    "mysql_send_query": 1, "mysql_stmt_prepare": 1, "PQexec": 1, "PQexecParams": 1, "PQsendQuery": 1,
    "PQsendQueryParams": 1, "PQprepare": 2, "PQsendPrepare": 2, "SQLExecDirect": 1, "SQLPrepare": 1,
}  # fmt: skip
# C++ wrappers (libpqxx, SQLiteCpp, Qt, MySQL Connector/C++, nanodbc): generic names, so the text must read as SQL.
_METHODS = frozenset(
    {"exec", "exec0", "exec1", "exec_params", "execute", "executeQuery", "executeUpdate", "prepare",
     "prepareStatement", "query", "execAndGet"}
)  # fmt: skip
# sqlite's own printf: %q, %Q and %w escape a string for SQL, %s and %z paste it in as it is.
_SQLITE_PRINTF = {"sqlite3_mprintf": 0, "sqlite3_snprintf": 2, "sqlite3_vmprintf": 0}
_WRITERS = COPIERS | BUFFER_FORMAT
_SQLITE_SPEC = re.compile(r"%[-+ #0!]*(?:\d+|\*)?(?:\.(?:\d+|\*))?(?:ll|l|h)?([a-zA-Z%])")
_QUERY = (
    f'((call_expression function: (_) @fn) @call (#match? @fn "^(std::|::)?({"|".join(sorted(_RUNNERS))})$"))'
    f"((call_expression function: (field_expression field: (field_identifier) @method)) @call "
    f'(#match? @method "^({"|".join(sorted(_METHODS))})$"))'
)


def _pasted(ctx: TSContext, call: Node) -> list[Node] | None:
    """The arguments sqlite3_mprintf pastes into SQL unescaped (%s, %z); None for calls that are not its family."""
    index = _SQLITE_PRINTF.get(callee(ctx, call))
    args = ctx.arguments(call)
    if index is None or len(args) <= index:
        return None
    fmt = string_value(ctx, args[index])
    if fmt is None:
        return args[index:]
    convs = [c for c in _SQLITE_SPEC.findall(fmt) if c != "%"]
    rest = args[index + 1 :]
    return [rest[i] for i, conv in enumerate(convs) if conv in "sz" and i < len(rest)]


def _assignments(ctx: TSContext, facts: FunctionFacts, name: str) -> list[Node]:
    """What a query variable is set to, grown with, or formatted from in this function."""
    found = [*facts.values.get(name, []), *facts.appends.get(name, [])]
    for call in facts.calls:
        args = ctx.arguments(call)
        if args and base_name(ctx, args[0]) == name and callee(ctx, call) in _WRITERS:
            found.append(call)
    return found


def _query_flow(ctx: TSContext, query: Node, facts: FunctionFacts) -> tuple[Flow, bool] | None:
    """How the SQL text was made: its flow and whether it was assembled from pieces (None: constant or escaped)."""
    query = unwrap(query)
    if literal_like(ctx, query):
        return None
    name = base_name(ctx, query) or viewed_name(ctx, query)
    made = [query] if query.type == "call_expression" and not name else _assignments(ctx, facts, name)
    calls = [unwrap(m) for m in made if unwrap(m).type == "call_expression"]
    printed = [p for p in (_pasted(ctx, c) for c in calls) if p is not None]
    if printed and len(printed) == len(calls):
        flow = join(arg_flow(ctx, a, facts) for pasted in printed for a in pasted)  # sqlite3_mprintf only
        return (Flow(flow.level, True, True, flow.origin), True) if flow.dynamic else None
    flow = arg_flow(ctx, query, facts)
    if name in facts.writes:  # char sql[256] = "SELECT ..."; strcat(sql, term);
        flow = join((flow, facts.writes[name]))
    built = flow.built or (bool(name) and (name in facts.writes or name in facts.appends))
    if not flow.dynamic or not (built or flow.external):
        return None
    return flow, built


def _reads_as_sql(ctx: TSContext, query: Node, facts: FunctionFacts) -> bool:
    name = base_name(ctx, query) or viewed_name(ctx, query)
    parts = [query, *(_assignments(ctx, facts, name) if name else [])]
    texts = [v for p in parts for n in walk(p) if n.type == "string_literal" and (v := string_value(ctx, n))]
    return looks_sql(" ".join(texts))


@ts_rule(
    id="C-SQLI-001",
    title="SQL query assembled from non-constant data",
    cwe=89,
    severity=Severity.HIGH,
    confidence=Confidence.MEDIUM,
    languages=("c", "cpp"),
    query=_QUERY,
    why="""Assistants build the statement with snprintf(sql, sizeof sql, "SELECT ... WHERE name = '%s'", name),
    strcat or std::string + and pass it to sqlite3_exec, sqlite3_prepare_v2, mysql_query or PQexec. A quote in
    the value ends the string literal: the attacker adds OR 1=1, UNION SELECT or a second statement and reads,
    changes or deletes other users' data.""",
    fix="""Keep the SQL constant and bind the values: sqlite3_prepare_v2 with ? placeholders and sqlite3_bind_text,
    mysql_stmt_prepare + mysql_stmt_bind_param, PQexecParams with $1; sqlite3_mprintf's %q/%Q if you must build
    text.""",
)
def c_sql_injection(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    call: Node = captures["call"][0]
    name = callee(ctx, call)
    args = ctx.arguments(call)
    facts = function_facts(ctx, call)
    method = "method" in captures
    index = 0 if method else _RUNNERS.get(name, -1)
    if index < 0 or len(args) <= index or facts is None:
        return
    query = args[index]
    made = _query_flow(ctx, query, facts)
    if made is None or (method and not _reads_as_sql(ctx, query, facts)):
        return
    flow, built = made
    runner = ctx.text(captures["method"][0]) if method else name
    if flow.tainted:
        yield ctx.hit(call, f"{runner}() runs SQL holding attacker-controlled data ({flow.origin}); bind it as a "
                      "parameter instead", confidence=Confidence.HIGH)  # fmt: skip
        return
    what = "assembled from non-constant data" if built else f"taken from {flow.origin or 'input'}"
    yield ctx.hit(call, f"{runner}() runs SQL '{ctx.text(query)[:40]}' {what}; use placeholders and bind the values")
