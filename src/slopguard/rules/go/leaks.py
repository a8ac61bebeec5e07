"""GO-ERRLEAK-001 (error details in a 5xx response) and GO-LOG-001 (request data in printf-style logs)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.flow import describe
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.go.common import CALL, constant, function_of, imports, is_test, package_call, unwrap
from slopguard.rules.go.errors import command_output, internal_origin, server_error_written
from slopguard.rules.go.responses import response_writer
from slopguard.rules.go.web import is_consumer, is_handler, is_server_error, request_flow
from slopguard.rules.shared.trees import walk

_ERROR_NAME = re.compile(r"(?i)^(?:e|err|error|\w*err|\w*error)$")
_RESPONDERS = frozenset({"JSON", "IndentedJSON", "PureJSON", "JSONPretty", "String", "XML", "AbortWithStatusJSON",
                         "HTML", "Blob", "Data"})  # fmt: skip
_FIBER_SENDERS = frozenset({"JSON", "SendString", "Send", "XML"})
_FORMATTERS = frozenset({"Sprintf", "Sprint", "Sprintln", "Errorf"})


def _error_detail(ctx: TSContext, node: Node) -> str | None:
    """``err.Error()``, or an error formatted into the text (``fmt.Sprintf("failed: %v", err)``)."""
    for part in walk(node):
        if part.type == "identifier" and _ERROR_NAME.match(ctx.text(part)) and _printed(ctx, part):
            return ctx.text(part)  # fmt.Fprint(w, err): the writer prints err.Error()
        if part.type != "call_expression":
            continue
        callee = part.child_by_field_name("function")
        if callee is None or callee.type != "selector_expression":
            continue
        field = ctx.text(callee.child_by_field_name("field"))
        operand = callee.child_by_field_name("operand")
        if field == "Error" and not ctx.arguments(part) and _ERROR_NAME.match(ctx.text(operand).rsplit(".", 1)[-1]):
            return ctx.compact(part)
        if field in _FORMATTERS and ctx.text(operand) == "fmt":
            for arg in ctx.arguments(part)[1:]:
                if unwrap(arg).type == "identifier" and _ERROR_NAME.match(ctx.text(arg)):
                    return ctx.text(arg)
    return None


def _formatted_error(ctx: TSContext, call: Node, method: str, messages: list[Node]) -> str | None:
    """An error value the responder itself formats: gin's ``c.String(code, "failed: %v", err)`` (a format and its
    values), echo's ``echo.NewHTTPError(code, err)`` (whose handler sends err.Error())."""
    target = package_call(ctx, call)
    if target is not None and target[1] == "NewHTTPError":
        values = messages
    elif target is None and method == "String" and len(messages) >= 2 and constant(ctx, messages[0]) is not None:
        values = messages[1:]
    else:
        return None
    found = next((unwrap(v) for v in values if unwrap(v).type == "identifier" and _ERROR_NAME.match(ctx.text(v))), None)
    return ctx.text(found) if found is not None else None


def _response(ctx: TSContext, call: Node, recv: Node, method: str) -> tuple[Node | None, list[Node]] | None:
    """(status code, message arguments) of a call that answers the client, else None."""
    args = ctx.arguments(call)
    target = package_call(ctx, call)
    if target == ("net/http", "Error") and len(args) == 3:
        return args[2], [args[1]]
    if target is not None and target[1] == "NewHTTPError" and "echo" in target[0] and args:
        return args[0], args[1:]
    if target is not None and target[1] == "NewError" and "fiber" in target[0] and args:
        return args[0], args[1:]
    if target is None and recv.type == "call_expression" and method in _FIBER_SENDERS:
        callee = recv.child_by_field_name("function")
        status = ctx.arguments(recv)
        if callee is not None and ctx.text(callee).endswith(".Status") and status:
            return status[0], args
    if target is None and method in _RESPONDERS and len(args) >= 2:
        return args[0], args[1:]
    return None


def _printed(ctx: TSContext, value: Node) -> bool:
    """``fmt.Fprint(w, .., value)`` on a response writer, with ``value`` among the printed values."""
    arguments = value.parent
    call = arguments.parent if arguments is not None and arguments.type == "argument_list" else None
    if call is None:
        return False
    args = ctx.arguments(call)
    target = package_call(ctx, call)
    return (
        target is not None
        and target[0] == "fmt"
        and target[1] in ("Fprint", "Fprintln", "Fprintf")
        and len(args) >= 2
        and response_writer(ctx, args[0])
        and any(a.id == value.id for a in args[1:])
    )


def _written_error(ctx: TSContext, call: Node, recv: Node, method: str) -> str | None:
    """The error detail a call writes straight into the response body (``fmt.Fprintf(w, "db: %v", err)``,
    ``w.Write([]byte(err.Error()))``, ``json.NewEncoder(w).Encode(..err.Error()..)``) after a 5xx status, or
    taken from a file, database or network call; else None."""
    args = ctx.arguments(call)
    target = package_call(ctx, call)
    if target is not None and target[0] == "fmt" and method in ("Fprintf", "Fprint", "Fprintln"):
        values = args[1:] if len(args) >= 2 and response_writer(ctx, args[0]) else []
    elif target == ("io", "WriteString"):
        values = args[1:] if len(args) == 2 and response_writer(ctx, args[0]) else []
    elif target is None and method in ("Write", "WriteString") and len(args) == 1 and response_writer(ctx, recv):
        values = args
    elif target is None and method == "Encode" and recv.type == "call_expression" and len(args) == 1:
        encoder = ctx.arguments(recv)
        made = package_call(ctx, recv)
        values = args if made is not None and made[1] == "NewEncoder" and encoder and response_writer(
            ctx, encoder[0]) else []  # fmt: skip
    else:
        return None
    detail = next((d for v in values if (d := _error_detail(ctx, v)) is not None), None)
    if detail is None or not is_handler(ctx, call):
        return None
    if server_error_written(ctx, call):
        return detail
    origin = internal_origin(ctx, call, detail)
    return f"{detail} (from {origin})" if origin is not None else None


@ts_rule(
    id="GO-ERRLEAK-001",
    title="Error details returned to the client",
    cwe=209,
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    languages=("go",),
    query=f"""({CALL} (#any-of? @method "Error" "NewHTTPError" "JSON" "IndentedJSON" "PureJSON" "JSONPretty"
      "String" "XML" "AbortWithStatusJSON" "HTML" "Blob" "Data" "SendString" "Send" "Fprintf" "Fprint" "Fprintln"
      "Write" "WriteString" "Encode" "NewError"))""",
    why="""Assistants answer failures with http.Error(w, err.Error(), 500) or
    c.JSON(500, gin.H{"error": err.Error()}). Database, driver and network errors carry SQL fragments, table
    and column names, file paths, internal host names and library versions, which map the system for the next
    attack (and confirm an injection while it is being tuned).""",
    fix="""Log the error on the server with a request id and answer with a fixed message ("internal error") and
    that id; return specific text only for validation errors you wrote yourself.""",
)
def go_error_leak(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    call: Node = captures["call"][0]
    if is_test(ctx):
        return
    recv: Node = captures["recv"][0]
    method = ctx.text(captures["method"][0])
    found = _response(ctx, call, recv, method)
    if found is None:
        written = _written_error(ctx, call, recv, method)
        if written is not None:
            yield ctx.hit(call, f"{written} is written into the response; log it and answer generically")
        return
    status, messages = found
    detail = next((d for m in messages if (d := _error_detail(ctx, m)) is not None), None)
    if detail is None:
        detail = _formatted_error(ctx, call, method, messages)
    if detail is None:
        output = next((o for m in messages if (o := command_output(ctx, call, m)) is not None), None)
        if output is not None and (is_server_error(ctx, status) or package_call(ctx, call) == ("net/http", "Error")):
            yield ctx.hit(call, f"the output of a failed {output} (the command's error text) is sent to the client")
        return
    if is_server_error(ctx, status):
        yield ctx.hit(
            call, f"{detail} is sent to the client in a {ctx.text(status)} response; log it and answer generically"
        )
    elif (origin := internal_origin(ctx, call, detail)) is not None:
        yield ctx.hit(call, f"{detail} (from {origin}) is sent to the client; it names files, tables or hosts")


# ----- GO-LOG-001 ---------------------------------------------------------------------------------------------
_VERB = re.compile(r"%[-+# 0]*(?:\[\d+\])?(?:\*|\d+)?(?:\.(?:\*|\d+)?)?([a-zA-Z%])")
_STD_LOG = frozenset({"Print", "Printf", "Println", "Fatal", "Fatalf", "Fatalln", "Panic", "Panicf", "Panicln"})
_FORMAT_LOG = frozenset({"Infof", "Warnf", "Warningf", "Errorf", "Debugf", "Tracef", "Noticef", "Criticalf"})
_PLAIN_LOG = frozenset({"Info", "Warn", "Warning", "Error", "Debug", "Trace"})
_LOGGER = re.compile(r"(?i)(?:^|\.)(?:log|logger|l|lg|logrus|glog|klog)$")
_NEUTRALISED = re.compile(r"\bstrconv\.Quote|ReplaceAll\([^)]*\\[nr]|Replace\([^)]*\\[nr]|NewReplacer\(")


def _logger(ctx: TSContext, recv: Node, method: str) -> str | None:
    """'format' for printf-style calls, 'plain' for Print/Println-style, None for anything else."""
    path = imports(ctx).get(ctx.text(recv)) if recv.type == "identifier" else None
    if path is not None:
        if path == "log" and method in _STD_LOG:
            return "format" if method.endswith("f") else "plain"
        if path.endswith(("sirupsen/logrus", "golang/glog", "k8s.io/klog")):
            if method in _FORMAT_LOG or method in _STD_LOG:
                return "format" if method.endswith("f") else "plain"
            return "plain" if method in _PLAIN_LOG else None
        return None
    if not _LOGGER.search(ctx.compact(recv)):
        return None
    if method in _STD_LOG or method in _FORMAT_LOG:
        return "format" if method.endswith("f") else "plain"
    return None


_ERROR_BUILDERS = frozenset({("fmt", "Errorf"), ("errors", "New"), ("errors", "Join")})


def _call_error(ctx: TSContext, node: Node) -> bool:
    """``out, err := exec.Command(..).CombinedOutput()``, ``err := cmd.Run()``: ``err`` is the error the call
    returned, not the data it was given (unless the call builds the error from it: ``fmt.Errorf``)."""
    node = unwrap(node)
    scope = function_of(node)
    if node.type != "identifier" or scope is None or not _ERROR_NAME.match(ctx.text(node)):
        return False
    name = ctx.text(node)
    last: tuple[list[str], Node | None] | None = None
    for binding in walk(scope):  # the nearest binding before the use whose block (or if) holds the use
        holder = binding.parent
        if binding.type not in ("short_var_declaration", "assignment_statement") or holder is None:
            continue
        if not (binding.end_byte <= node.start_byte and holder.start_byte <= node.start_byte < holder.end_byte):
            continue
        left, right = binding.child_by_field_name("left"), binding.child_by_field_name("right")
        targets = [ctx.text(t) for t in left.named_children] if left is not None else []
        values = right.named_children if right is not None else []
        if name in targets:
            last = (targets, unwrap(values[0]) if len(values) == 1 else None)
    if last is None:
        return False
    targets, call = last
    if call is None or call.type != "call_expression" or (len(targets) > 1 and targets[0] == name):
        return False
    return package_call(ctx, call) not in _ERROR_BUILDERS  # fmt.Errorf("bad name %s", name) carries the data


def _risky(ctx: TSContext, node: Node) -> bool:
    return request_flow(ctx, node).tainted and not _NEUTRALISED.search(ctx.text(node)) and not _call_error(ctx, node)


@ts_rule(
    id="GO-LOG-001",
    title="Request data written to a log without neutralising line breaks",
    cwe=117,
    severity=Severity.LOW,
    confidence=Confidence.MEDIUM,
    languages=("go",),
    query=f'({CALL} (#match? @method "^(Print|Fatal|Panic|Info|Warn|Error|Debug|Trace|Notice|Critical)"))',
    why="""Assistants log failed logins and odd requests with log.Printf("login failed for %s", username).
    A username or header containing a newline writes a second, forged log line ("admin logged in") that
    misleads whoever investigates an incident and can feed fake events to log-based alerting.""",
    fix="""Log with %q (quotes and escapes control characters) or through a structured logger (log/slog, zap,
    zerolog) that encodes values; or strip \\r and \\n from the value first.""",
)
def go_log_injection(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    call: Node = captures["call"][0]
    kind = _logger(ctx, captures["recv"][0], ctx.text(captures["method"][0]))
    args = ctx.arguments(call)
    if kind is None or not args or is_test(ctx) or not (is_handler(ctx, call) or is_consumer(ctx, call)):
        return
    risky: list[Node] = []
    template = constant(ctx, args[0]) if kind == "format" else None
    if kind == "format" and template is not None:
        verbs = [v for v in _VERB.findall(template) if v != "%"]
        risky = [a for v, a in zip(verbs, args[1:], strict=False) if v in "sv" and _risky(ctx, a)]
    else:
        risky = [a for a in args if _risky(ctx, a)]
    if risky:
        flow = request_flow(ctx, risky[0])
        yield ctx.hit(call, f"{describe(flow)} is logged as is; a newline in it forges log lines (use %q)")
