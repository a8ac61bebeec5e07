"""CGI programs: the web server hands them the request in CGI variables (``getenv("QUERY_STRING")``) and the
POST body on standard input, so in such a program ``fgets(body, sizeof body, stdin)`` reads request data, not
what an operator typed."""

from __future__ import annotations

import re

from tree_sitter import Node

from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.c.common import callee
from slopguard.rules.shared.trees import walk

CGI_BODY = "CGI request body (stdin)"
# Reads and the index of the argument naming the stream or descriptor they read from.
_STREAM_ARGUMENT = {"fgets": 2, "fgetws": 2, "fread": 3, "getline": 2, "getdelim": 3, "read": 0, "fgetc": 0,
                    "getc": 0, "fscanf": 0}  # fmt: skip
_STANDARD_INPUT = frozenset({"stdin", "0", "STDIN_FILENO", "std::cin", "cin"})
_CONSOLE_READS = frozenset({"scanf", "wscanf", "gets", "getchar"})
_BODY_VARIABLES = re.compile(r'"(?:CONTENT_LENGTH|CONTENT_TYPE|REQUEST_METHOD)"')


def cgi_program(ctx: TSContext, at: Node) -> bool:
    """The code around ``at`` is a CGI program's: its function reads a CGI request variable
    (``getenv("QUERY_STRING")``), or the file reads the variables that describe a POST body
    (``getenv("CONTENT_LENGTH")``, ``getenv("REQUEST_METHOD")``)."""
    if ctx.memo("c.cgi_body", lambda: any(_cgi_variable(ctx, n, _BODY_VARIABLES) for n in walk(ctx.tree.root_node))):
        return True
    func = ctx.function_of(at)
    return func is not None and any(_cgi_variable(ctx, n) for n in walk(func))


def reads_cgi_variables(ctx: TSContext) -> bool:
    """The file reads a CGI request variable (``getenv("QUERY_STRING")``) somewhere."""
    return ctx.memo("c.cgi_variables", lambda: any(_cgi_variable(ctx, n) for n in walk(ctx.tree.root_node)))


def _cgi_variable(ctx: TSContext, node: Node, names: re.Pattern[str] | None = None) -> bool:
    if node.type != "call_expression" or callee(ctx, node) not in ("getenv", "secure_getenv"):
        return False
    text = ctx.compact(node)
    if names is not None and not names.search(text):
        return False
    return bool(ctx.spec.sources.search(text)) and not ctx.spec.operator_sources.search(text)


def reads_standard_input(ctx: TSContext, name: str, args: list[Node]) -> bool:
    """``fgets(buf, n, stdin)``, ``fread(buf, 1, n, stdin)``, ``read(0, buf, n)``, ``std::getline(std::cin, s)``."""
    if name in _CONSOLE_READS:
        return True
    index = 0 if name == "getline" and args and args[0].type != "pointer_expression" else _STREAM_ARGUMENT.get(name)
    return index is not None and index < len(args) and ctx.compact(args[index]) in _STANDARD_INPUT
