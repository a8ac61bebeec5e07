"""Rust injection: SQL assembled with format! into sqlx/diesel/rusqlite/postgres (RUST-SQLI-001) and shell
commands assembled from input (RUST-CMDI-001)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.flow import describe, grade
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.rust.common import (
    bound_name,
    function_of,
    method,
    path_name,
    receiver,
    root_identifier,
    string_value,
    unwrap,
    uses,
)
from slopguard.rules.rust.strings import assemble
from slopguard.rules.shared.shell import is_script_flag, is_shell
from slopguard.rules.shared.sql import looks_sql
from slopguard.rules.shared.trees import any_of, walk

_PATH_SINKS = ("query", "query_as", "query_scalar", "query_with", "query_as_with", "query_scalar_with", "raw_sql",
               "sql_query", "sql")  # fmt: skip
_STRONG_METHODS = ("query_row", "query_one", "query_opt", "prepare", "prepare_cached", "execute_batch",
                   "batch_execute", "simple_query", "query_drop", "query_first", "query_iter", "query_raw")  # fmt: skip
_GENERIC_METHODS = ("execute", "query", "fetch_all", "fetch_one", "fetch_optional", "fetch", "exec", "exec_drop",
                    "exec_first", "query_map")  # fmt: skip


_SQL_QUERY = f"""
((call_expression function: (scoped_identifier name: (identifier) @name)) @call
  (#any-of? @name {any_of(_PATH_SINKS)}))
((call_expression function: (identifier) @name) @call (#any-of? @name {any_of(_PATH_SINKS)}))
((call_expression function: (generic_function function: (scoped_identifier name: (identifier) @name))) @call
  (#any-of? @name {any_of(_PATH_SINKS)}))
((call_expression function: (field_expression field: (field_identifier) @method)) @call
  (#any-of? @method {any_of(_STRONG_METHODS + _GENERIC_METHODS)}))
"""


def _path_sink(ctx: TSContext, call: Node) -> bool:
    head, _, last = path_name(ctx, call).rpartition("::")
    crate = head.split("::")[0]
    if last == "sql":
        return crate == "diesel" or ((head.endswith("dsl") or not head) and uses(ctx, "diesel"))
    if crate in ("sqlx", "diesel"):
        return True
    return not head and uses(ctx, "sqlx", "diesel")


@ts_rule(
    id="RUST-SQLI-001",
    title="SQL query assembled with format!",
    cwe=89,
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    languages=("rust",),
    query=_SQL_QUERY,
    why="""Assistants build SQL with format!("SELECT ... WHERE name = '{}'", name) and pass it to sqlx::query,
    diesel::sql_query or rusqlite's execute/query_row/prepare, because the compile-checked query! macro needs a
    database at build time. A quote in the request value rewrites the query: data theft, login bypass, and with
    batch APIs stacked statements.""",
    fix="""Keep the SQL constant and bind values: sqlx::query("... WHERE name = $1").bind(name) (or query!),
    diesel's query builder or sql_query(..).bind::<Text, _>(name), rusqlite's params![name] with ?1
    placeholders; allow-list identifiers such as column names.""",
)
def rust_sql_injection(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    call: Node = captures["call"][0]
    args = ctx.arguments(call)
    if not args:
        return
    if "name" in captures:
        if receiver(call) is not None or not _path_sink(ctx, call):
            return
        strong, sink = True, path_name(ctx, call)
    else:
        name = method(ctx, call)
        strong, sink = name in _STRONG_METHODS, f".{name}"
    flow, text = assemble(ctx, args[0])
    if not (flow.built or flow.tainted):
        return
    if not looks_sql(text) and (text.strip() or not strong):
        return  # literal text that is not SQL, or a generic name (reqwest's .query(..)) with nothing to go on
    severity, confidence = grade(flow, Severity.HIGH)
    yield ctx.hit(
        call,
        f"SQL passed to {sink}() is assembled from {describe(flow)}; bind values with placeholders instead",
        severity=severity,
        confidence=confidence,
    )


# ----- RUST-CMDI-001 -------------------------------------------------------------------------------------


def _items(ctx: TSContext, call: Node) -> list[Node]:
    """The arguments a ``.arg(x)`` / ``.args([..])`` call adds to the command line."""
    args = ctx.arguments(call)
    if not args:
        return []
    if method(ctx, call) == "arg":
        return [args[0]]
    value = unwrap(args[0])
    if value.type == "array_expression":
        return list(value.named_children)
    if value.type == "macro_invocation" and ctx.call_name(value) == "vec":
        return ctx.arguments(value)
    return [value]


def _command_calls(ctx: TSContext, new: Node) -> list[Node]:
    """``.arg``/``.args`` calls on the Command built by ``new``: chained, or on the variable it is bound to."""
    calls: list[Node] = []
    node = new
    while node.parent is not None and node.parent.type == "field_expression":
        outer = node.parent.parent
        if outer is None or outer.type != "call_expression":
            break
        if method(ctx, outer) in ("arg", "args"):
            calls.append(outer)
        node = outer
    parent = node.parent
    scope = function_of(new)
    if parent is not None and parent.type == "let_declaration" and scope is not None:
        name = bound_name(ctx, parent.child_by_field_name("pattern") or parent)
        for call in walk(scope):
            if call.type != "call_expression" or call.start_byte < parent.end_byte:
                continue
            root = root_identifier(call)
            if method(ctx, call) in ("arg", "args") and root is not None and ctx.text(root) == name:
                calls.append(call)
    return calls


@ts_rule(
    id="RUST-CMDI-001",
    title="Shell command assembled from input",
    cwe=78,
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    languages=("rust",),
    query='(call_expression function: (scoped_identifier) @path (#match? @path "Command::new$")) @new',
    why="""To run a pipeline or reuse a shell one-liner, assistants write Command::new("sh").arg("-c")
    .arg(format!("convert {} {}", input, output)). The shell parses the whole string, so a filename or
    parameter containing `; rm -rf ~`, `$(...)` or backticks runs the attacker's commands with the service's
    privileges.""",
    fix="""Run the program directly without a shell — Command::new("convert").arg(&input).arg(&output) — so each
    value stays one argument; validate values against an allow-list and never let input choose the program.""",
)
def rust_command_injection(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    new: Node = captures["new"][0]
    args = ctx.arguments(new)
    if not args:
        return
    program = string_value(ctx, args[0])
    if program is None:
        flow = ctx.flow(args[0])
        if flow.tainted:
            yield ctx.hit(new, f"the program to run comes from {describe(flow)}")
        return
    if not is_shell(program):
        return
    items = sorted(((item, call) for call in _command_calls(ctx, new) for item in _items(ctx, call)),
                   key=lambda pair: pair[0].start_byte)  # fmt: skip
    flags = [i for i, (item, _) in enumerate(items) if is_script_flag(string_value(ctx, item) or "")]
    flag = string_value(ctx, items[flags[0]][0]) if flags else ""
    for item, call in items[flags[0] + 1 :] if flags else []:
        flow, _ = assemble(ctx, item)
        if flow.built or flow.tainted:
            severity, confidence = grade(flow, Severity.HIGH)
            yield ctx.hit(
                call,
                f"{program} {flag} runs a command line assembled from {describe(flow)}; run the program directly",
                severity=severity,
                confidence=confidence,
            )
            return
