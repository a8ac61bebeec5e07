"""JAVA-ERRLEAK-001: exception messages and stack traces sent back to the client."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.java.common import (
    calls,
    declaration,
    declared_type,
    method,
    method_of,
    receiver,
    type_name,
    value_of,
)

_EXCEPTION_TYPE = re.compile(r"(?:Exception|Throwable|Error)$")
_RESPONSE_STREAM = re.compile(r"(?i)(?:response|resp|res)\w*\.(?:getWriter|getOutputStream)\(\)")
_RESPONSE_NAME = re.compile(r"(?i)^(?:response|resp|res|httpResponse|servletResponse)$")
# Calls whose argument becomes the response: ResponseEntity bodies, JAX-RS entities, servlet errors.
_BODY_CALLS = frozenset({"body", "ok", "entity", "sendError", "internalServerError", "badRequest", "of", "ofEntries"})
_WRITES = frozenset({"write", "print", "println", "printf", "format", "append"})
_RESPONSE_TYPES = frozenset({"ResponseEntity", "ErrorResponse"})
_HANDLER = re.compile(r"@(?:ExceptionHandler|(?:Get|Post|Put|Delete|Patch|Request)Mapping)\b")
_BODY_CLASS = re.compile(r"@(?:RestController|ResponseBody|RestControllerAdvice)\b")
_CAUSES = frozenset({"getCause", "getRootCause"})
# Calls that turn an exception passed to them into its text: String.valueOf(e), Objects.toString(e),
# String.format("..%s", e), "..%s".formatted(e), ExceptionUtils.getStackTrace(e), Throwables.getStackTraceAsString(e).
_TO_TEXT = frozenset(
    {"valueOf", "toString", "format", "formatted", "getStackTrace", "getMessage", "getRootCauseMessage",
     "getStackTraceAsString", "getFullStackTrace"}
)  # fmt: skip
# Calls whose argument is serialised into the response as it is (Jackson writes an exception's message, cause and
# stack trace): ResponseEntity bodies, JAX-RS entities, maps returned from a handler.
_AS_BODY = frozenset({"body", "ok", "entity", "of", "ofEntries", "put"})
_EXCEPTION_NAME = (
    "^(?:e\\d?|ex\\d?|exc|err|t|th|throwable|cause|failure|fault|problem|\\w*[Ee]xc?|\\w*[Ee]xception|\\w*[Ee]rror"
    "|\\w*[Ff]ailure)$"
)


def _is_exception(node: Node | None, ctx: TSContext) -> bool:
    while node is not None and node.type == "method_invocation" and method(node, ctx) in _CAUSES:
        node = receiver(node)  # e.getCause().getMessage()
    if node is None or node.type != "identifier":
        return False
    decl = declaration(ctx.text(node), node, ctx)
    if decl is not None and decl.node.type == "catch_formal_parameter":
        return True
    return bool(_EXCEPTION_TYPE.search(declared_type(node, ctx)))


def _response_output(node: Node, ctx: TSContext) -> bool:
    text = ctx.compact(node)
    if _RESPONSE_STREAM.search(text):
        return True
    return node.type == "identifier" and bool(_RESPONSE_STREAM.search(ctx.compact(value_of(node, ctx))))


def _returns_body(ret: Node, ctx: TSContext) -> bool:
    """A return statement of an @ExceptionHandler or a handler of a @RestController/@ResponseBody class."""
    func = method_of(ret)
    if func is None:
        return False
    mods = next((c for c in func.named_children if c.type == "modifiers"), None)
    if mods is None or not _HANDLER.search(ctx.text(mods)):
        return False
    kind = ctx.compact(func.child_by_field_name("type"))
    if kind.startswith(("ResponseEntity", "Map", "String", "Response", "ProblemDetail", "ErrorResponse")) is False:
        return False
    cls = func.parent.parent if func.parent is not None else None
    cls_mods = next((c for c in cls.named_children if c.type == "modifiers"), None) if cls is not None else None
    body_class = cls_mods is not None and bool(_BODY_CLASS.search(ctx.text(cls_mods)))
    return body_class or "@ResponseBody" in ctx.text(mods) or kind.startswith(("ResponseEntity", "Response"))


def _reaches_response(node: Node, ctx: TSContext) -> bool:
    current = node
    while current.parent is not None:
        parent = current.parent
        if parent.type == "argument_list" and parent.parent is not None:
            call = parent.parent
            if call.type == "object_creation_expression" and type_name(call, ctx) in _RESPONSE_TYPES:
                return True
            if call.type == "method_invocation":
                name, obj = method(call, ctx), receiver(call)
                if name in _WRITES and obj is not None and _response_output(obj, ctx):
                    return True
                if name == "sendError" and obj is not None and _RESPONSE_NAME.match(ctx.text(obj)):
                    return True
                if name in _BODY_CALLS - {"sendError", "of", "ofEntries"} and obj is not None:
                    return True  # ResponseEntity.status(..).body(..), Response.status(..).entity(..)
                if name not in ("of", "ofEntries", "format", "formatted", "valueOf", "concat", "put"):
                    return False  # handed to some other call: a logger, an exception, a helper
        if parent.type == "return_statement":
            return _returns_body(parent, ctx)
        if parent.type.endswith("statement") or parent.type in ("block", "lambda_expression", "variable_declarator"):
            return False
        current = parent
    return False


@ts_rule(
    id="JAVA-ERRLEAK-001",
    title="Exception details returned to the client",
    cwe=209,
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    languages=("java",),
    query=calls("^(getMessage|getLocalizedMessage|toString|printStackTrace|getStackTrace)$")
    + f"""
    (binary_expression left: (_) right: (identifier) @exc (#match? @exc "{_EXCEPTION_NAME}")) @concat
    (binary_expression left: (identifier) @exc right: (_) (#match? @exc "{_EXCEPTION_NAME}")) @concat
    (argument_list (identifier) @exc (#match? @exc "{_EXCEPTION_NAME}")) @args""",
    why="""Assistants write catch (Exception e) { return ResponseEntity.status(500).body("Error: " +
    e.getMessage()); } or e.printStackTrace(response.getWriter()). Exception texts carry SQL statements, file
    paths, class names, library versions and sometimes data from other users; attackers provoke errors on
    purpose to map the application and refine their injections.""",
    fix="""Log the exception on the server (log.error("...", e)) and return a generic message with a
    correlation id; map known exceptions to fixed client messages in an @ExceptionHandler.""",
)
def java_error_leak(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    if "exc" in captures:
        yield from _exception_as_text(captures, ctx)
        return
    call: Node = captures["call"][0]
    obj = receiver(call)
    if not _is_exception(obj, ctx):
        return
    name = method(call, ctx)
    args = ctx.arguments(call)
    if name == "printStackTrace":
        if len(args) == 1 and _response_output(args[0], ctx):
            yield ctx.hit(call, "stack trace written into the HTTP response")
        return
    if not args and _reaches_response(call, ctx):
        yield ctx.hit(call, f"exception text ({ctx.text(obj)}.{name}()) is sent to the client")


def _exception_as_text(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    """The exception object itself sent to the client: concatenated into a message (``"failed: " + e``, which
    calls toString()), converted by a helper (``String.valueOf(e)``, ``ExceptionUtils.getStackTrace(e)``) or
    serialised as a body (``.body(e)``, ``Map.of("error", e)``)."""
    exc: Node = captures["exc"][0]
    if not _is_exception(exc, ctx):
        return
    start = exc
    if "concat" in captures:
        concat: Node = captures["concat"][0]
        if ctx.text(concat.child_by_field_name("operator")) != "+":
            return
        how = f"'{ctx.text(exc)}' concatenated into a message (its toString() names the exception and its text)"
    else:
        call = captures["args"][0].parent
        name = method(call, ctx) if call is not None and call.type == "method_invocation" else ""
        if name in _TO_TEXT and call is not None:
            start, how = call, f"{name}({ctx.text(exc)}) turns the exception into text"
        elif name in _AS_BODY or (call is not None and call.type == "object_creation_expression"):
            how = f"exception object '{ctx.text(exc)}' serialised (message, cause and stack trace)"
        else:
            return
    if _reaches_response(start, ctx):
        yield ctx.hit(start, f"{how}; it is sent to the client")
