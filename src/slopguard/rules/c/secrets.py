"""C-SECRET-001: passwords, API keys and signing secrets written into C/C++ source (known token formats are
SEC-TOKEN-001's)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.core.secrets import find_tokens
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.c.common import callee, calls_to, declared_name, macro_value, string_value
from slopguard.rules.shared.secrets import (
    env_read,
    fallback_name,
    grade_secret,
    literal_secret,
    secret_kind,
    secret_noun,
    url_message,
    url_password,
)
from slopguard.rules.shared.trees import ancestor

_QUOTED = re.compile(r'^\s*"((?:[^"\\]|\\.)*)"\s*$')
_CONSTANT = re.compile(r"^k?[A-Z][A-Z0-9_]*$|^k[A-Z]\w*$")
# Database, directory and SSH logins: name -> index of the password argument.
_LOGINS = {"mysql_real_connect": 3, "mysql_connect": 3, "PQsetdbLogin": 6, "ldap_simple_bind_s": 2,
           "ldap_simple_bind": 2, "ssh_userauth_password": 2, "libssh2_userauth_password": 2,
           "sqlite3_key": 1}  # fmt: skip
# Connection strings: libpq's "host=db user=app password=...", ODBC's "DSN=x;UID=app;PWD=...": name -> index.
_CONNECTION_STRINGS = {"PQconnectdb": 0, "PQconnectStart": 0, "SQLDriverConnect": 2}
_CONNECTION_TYPES = re.compile(r"^(?:pqxx::)?(?:lazy)?connection$")
_KEYWORD_PASSWORD = re.compile(r"(?i)(?:^|[\s;])(?:password|pwd)\s*=\s*'?([^\s;']+)")
# SQLCipher's key set with SQL: sqlite3_exec(db, "PRAGMA key = 'pw';", ...), db.exec("PRAGMA rekey = ...").
_SQL_CALLS = {"sqlite3_exec": 1, "sqlite3_prepare": 1, "sqlite3_prepare_v2": 1, "sqlite3_prepare_v3": 1}
_SQL_METHODS = frozenset({"exec", "execute", "prepare"})
_KEY_PRAGMA = re.compile(r"""(?i)\bPRAGMA\s+(?:\w+\.)?(?:re)?key\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_CURL_OPTIONS = frozenset({"CURLOPT_USERPWD", "CURLOPT_PASSWORD", "CURLOPT_PROXYUSERPWD", "CURLOPT_PROXYPASSWORD"})


def _name(node: Node, ctx: TSContext) -> str:
    """``password`` for ``*password``, ``buf[]``, ``cfg.password``, ``cfg->password`` and ``.password``."""
    if node.type in ("field_expression", "field_designator"):
        field = node.child_by_field_name("field") or (node.named_children[-1] if node.named_children else None)
        return ctx.text(field) if field is not None else ""
    return declared_name(ctx, node) or ctx.text(node)


def _value(node: Node, ctx: TSContext) -> str | None:
    if node.type == "preproc_arg":
        match = _QUOTED.match(macro_value(ctx.text(node)))
        return match.group(1) if match else None
    return string_value(ctx, node)


@ts_rule(
    id="C-SECRET-001",
    title="Hard-coded secret",
    cwe=798,
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    languages=("c", "cpp"),
    query="""
    (init_declarator declarator: (_) @name value: [(string_literal) (concatenated_string)] @value) @decl
    (preproc_def name: (identifier) @name value: (preproc_arg) @value) @decl
    (assignment_expression left: [(field_expression) (identifier)] @name right: (string_literal) @value) @decl
    (conditional_expression alternative: (string_literal) @value) @fallback
    (initializer_pair designator: (field_designator) @name value: (string_literal) @value) @decl
    """
    + calls_to(_LOGINS, _CONNECTION_STRINGS, _SQL_CALLS, {"curl_easy_setopt"})
    + """
    ((call_expression function: (field_expression field: (field_identifier) @method)) @call
     (#match? @method "^(connect|exec|execute|prepare)$"))
    (declaration type: (_) @type declarator: (init_declarator value: (_) @args)) @conn
    """,
    why="""Assistants write the admin password, API key or HMAC key of a daemon or firmware straight into the
    source (static const char *ADMIN_PASSWORD = "..."; #define API_KEY "..."). Anyone with the repository, a
    leaked build or just `strings` on the binary has the credential, and it cannot be rotated without a rebuild.""",
    fix="""Read secrets at run time from the environment (getenv), a configuration file readable only by the
    service, or the platform's secret store; fail at start-up when they are missing.""",
)
def c_hardcoded_secret(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    if "call" in captures or "conn" in captures:
        yield from _login_secret(captures, ctx)
        return
    if "fallback" in captures:
        yield from _env_fallback(ctx, captures["fallback"][0], captures["value"][0])
        return
    decl: Node = captures["decl"][0]
    name = _name(captures["name"][0], ctx)
    if decl.type == "assignment_expression" and secret_kind(name) is None:
        name = _read_into(ctx, decl, name) or name  # k = getenv("API_TOKEN"); if (!k) k = "..";
    value = _value(captures["value"][0], ctx)
    if value is None or not name or find_tokens(value):
        return
    kind = secret_kind(name)
    confidence = grade_secret(kind, name, value, bool(_CONSTANT.match(name))) if kind is not None else None
    if kind is None or confidence is None:
        password = url_password(value)
        if password is not None:
            yield ctx.hit(decl, url_message("assigned to", name), confidence=Confidence.HIGH, secrets=(password,))
        return
    yield ctx.hit(
        decl,
        f"hard-coded {secret_noun(kind)} in '{name}'; read it from the environment or a secret store at run time",
        confidence=confidence,
        secrets=(value,),
    )


def _login_secret(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    """A literal password handed to a login call: mysql_real_connect(c, host, user, "pw", ...), PQconnectdb("...
    password=pw"), curl's CURLOPT_USERPWD "user:pw", driver->connect(url, user, "pw"), pqxx::connection{"..."}."""
    if "conn" in captures:
        value: Node = captures["args"][0]
        args = value.named_children if value.type in ("argument_list", "initializer_list") else []
        if _CONNECTION_TYPES.match(ctx.compact(captures["type"][0])) and args:
            yield from _in_connection_string(ctx, captures["conn"][0], args[0], "the pqxx::connection")
        return
    call: Node = captures["call"][0]
    args = ctx.arguments(call)
    name = ctx.text(captures["method"][0]) if "method" in captures else callee(ctx, call)
    if name in _SQL_CALLS or ("method" in captures and name in _SQL_METHODS):
        sql = args[_SQL_CALLS.get(name, 0)] if len(args) > _SQL_CALLS.get(name, 0) else None
        key = _KEY_PRAGMA.search(string_value(ctx, sql) or "") if sql is not None else None
        if sql is not None and key is not None:
            password = key.group(1) or key.group(2)
            yield from literal_secret(ctx, "database_password", password, sql, call, "set with PRAGMA key as", False)
    elif name == "connect":
        if len(args) == 3 and "://" in (string_value(ctx, args[0]) or ""):  # MySQL Connector/C++
            yield from literal_secret(ctx, "password", string_value(ctx, args[2]), args[2], call, "passed to "
                                      "connect() as", False)  # fmt: skip
    elif name in _LOGINS and len(args) > _LOGINS[name]:
        value = args[_LOGINS[name]]
        yield from literal_secret(ctx, "password", string_value(ctx, value), value, call, f"passed to {name}() as",
                                  False)  # fmt: skip
    elif name in _CONNECTION_STRINGS and len(args) > _CONNECTION_STRINGS[name]:
        yield from _in_connection_string(ctx, call, args[_CONNECTION_STRINGS[name]], f"the {name}()")
    elif name == "curl_easy_setopt" and len(args) == 3 and ctx.text(args[1]) in _CURL_OPTIONS:
        text = string_value(ctx, args[2])
        password = (
            text.split(":", 1)[1] if text is not None and "USERPWD" in ctx.text(args[1]) and ":" in text else text
        )
        yield from literal_secret(ctx, "password", password, args[2], call, f"set with {ctx.text(args[1])} as", False)


def _in_connection_string(ctx: TSContext, at: Node, value: Node, where: str) -> Iterator[Hit]:
    text = string_value(ctx, value)
    found = _KEYWORD_PASSWORD.search(text) if text is not None else None
    if found is not None:
        yield from literal_secret(ctx, "password", found.group(1), value, at, f"in {where} connection string as",
                                  False)  # fmt: skip


_TESTED = re.compile(r"^\(?\s*(\w+)\s*(?:!=\s*(?:NULL|nullptr|0)\s*)?\)?$")  # k, (k), k != NULL


def _read_into(ctx: TSContext, node: Node, variable: str) -> str | None:
    """The environment variable ``variable`` was read from in the function around ``node``
    (``const char *k = getenv("API_TOKEN");``), else None."""
    function = ancestor(node, ("function_definition",))
    if function is None or not variable.isidentifier():
        return None
    found = re.search(rf"\b{variable}\s*=\s*((?:std::)?(?:secure_)?getenv\s*\(\s*\"\w+\")", ctx.text(function))
    return env_read(found.group(1)) if found else None


def _env_fallback(ctx: TSContext, cond: Node, value: Node) -> Iterator[Hit]:
    """``getenv("K") ?: ".."``, ``getenv("K") ? getenv("K") : ".."``, ``k ? k : ".."`` after ``k = getenv("K")``."""
    condition, consequence = cond.child_by_field_name("condition"), cond.child_by_field_name("consequence")
    variable = env_read(" ".join(ctx.text(c) for c in (condition, consequence) if c is not None))
    tested = _TESTED.match(ctx.text(condition)) if condition is not None else None
    if variable is None and tested is not None:
        variable = _read_into(ctx, cond, tested.group(1))
    if variable is None:
        return
    parent = cond.parent
    declared = None
    target = parent.child_by_field_name("declarator") or parent.child_by_field_name("left") if parent else None
    if target is not None:  # an init_declarator or an assignment
        declared = _name(target, ctx)
    name = fallback_name(variable, declared)
    if name is not None:
        yield from literal_secret(ctx, name, string_value(ctx, value), value, cond, "used as the fallback for", False)
