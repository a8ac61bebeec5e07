"""PY-LOG-001: request data written to a log without neutralising line breaks."""

from __future__ import annotations

import ast
import re
import string
from collections.abc import Iterator

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.flow import Flow, describe
from slopguard.engine.hit import Hit, hit_at
from slopguard.engine.python import knowledge as kb
from slopguard.engine.python.context import PyContext
from slopguard.engine.registry import python_rule
from slopguard.rules.python.web_common import const_key, last_part, last_value

_LEVELS = frozenset({"debug", "info", "warning", "warn", "error", "critical", "exception", "fatal", "log"})
_LOGGER = re.compile(r"(?i)(?:^|_)(?:log|logger|logging)$")
_PERCENT = re.compile(r"%(?:\((\w+)\))?[#0\- +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?([diouxXeEfFgGcrsa%])")
_NUMERIC = frozenset("diouxXeEfFgGc")
_ESCAPING_CALLS = frozenset({"repr", "ascii", "json.dumps", "urllib.parse.quote", "html.escape", "shlex.quote"})
# Whole request containers: %s / str() of a dict, MultiDict or bytes prints repr()s, so CR/LF come out escaped.
_CONTAINERS = frozenset(
    {"args", "form", "values", "json", "files", "cookies", "headers", "GET", "POST", "META", "COOKIES", "FILES",
     "query_params", "path_params", "data", "body", "get_json", "get_data", "view_args"}
)  # fmt: skip
# user.pk, order.id, obj.uuid: keys of a stored object (numbers, UUIDs), never free text.
_ID_FIELD = re.compile(r"^(?:id|pk|uuid|count)$|_(?:id|pk)$")
_REPR_CONVERSIONS = (ord("r"), ord("a"))
_NEWLINES = ("\n", "\r", "\\n", "\\r", "\\s", "\\v", "[:space:]")


@python_rule(
    id="PY-LOG-001",
    title="Request data logged without neutralising line breaks",
    cwe=117,
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    nodes=(ast.Call,),
    calls=_LEVELS,
    why="""Assistants log what the user sent, logger.info(f"Login failed for {username}"), so the log shows
    context. An attacker puts a newline in the value and writes forged entries ("...\\nINFO Login succeeded
    for admin") that mislead investigators, hide an attack or exploit whatever parses the log.""",
    fix="""Log user input with %r / repr() or after value.replace("\\r", "\\\\r").replace("\\n", "\\\\n"), or
    use a structured (JSON) log formatter that escapes fields.""",
)
def log_injection(node: ast.Call, ctx: PyContext) -> Iterator[Hit]:
    func = node.func
    if not isinstance(func, ast.Attribute) or func.attr not in _LEVELS or not ctx.has_sources:
        return
    if not _is_logger(func.value, ctx):
        return
    index = 1 if func.attr == "log" else 0
    if len(node.args) > index and not isinstance(node.args[index], ast.Starred):
        message: ast.expr | None = node.args[index]
    else:
        message = ctx.kwarg(node, "msg")
    if message is None:
        return
    args = node.args[index + 1 :]
    flow = _message_leak(message, ctx) or _args_leak(message, args, ctx)
    if flow is not None:
        yield hit_at(
            node,
            f"{func.attr}() logs {describe(flow)} as is: a CR/LF in it forges log entries; log it with %r",
        )


def _is_logger(receiver: ast.expr, ctx: PyContext) -> bool:
    if isinstance(receiver, ast.Call):
        name = ctx.call_name(receiver)
        return name.endswith(("getLogger", "get_logger", "getChild"))
    return bool(_LOGGER.search(last_part(receiver)))


def _message_leak(message: ast.expr, ctx: PyContext) -> Flow | None:
    """Tainted text inside the message itself (f-string, '+', '%' or .format())."""
    if isinstance(message, ast.Constant):
        return None
    if isinstance(message, ast.JoinedStr):
        for part in message.values:
            if isinstance(part, ast.FormattedValue) and (flow := _fstring_part_leak(part, ctx)):
                return flow
        return None
    if isinstance(message, ast.BinOp) and isinstance(message.op, ast.Mod) and const_key(message.left) is not None:
        right = message.right
        values = list(right.elts) if isinstance(right, ast.Tuple) else [right]
        return _args_leak(message.left, values, ctx)
    if isinstance(message, ast.BinOp) and isinstance(message.op, ast.Add):
        return _message_leak(message.left, ctx) or _message_leak(message.right, ctx)
    if isinstance(message, ast.Call) and isinstance(message.func, ast.Attribute) and message.func.attr == "format":
        template = const_key(message.func.value)
        if template is not None:
            return _format_leak(template, message, ctx)
    return _leak(message, ctx)


def _fstring_part_leak(part: ast.FormattedValue, ctx: PyContext) -> Flow | None:
    return None if part.conversion in _REPR_CONVERSIONS else _leak(part.value, ctx)


def _args_leak(message: ast.expr, args: list[ast.expr], ctx: PyContext) -> Flow | None:
    """Tainted %-style arguments, skipping those formatted with %r or as numbers."""
    template = const_key(message)
    conversions = [c for _, c in _PERCENT.findall(template)] if template is not None else []
    conversions = [c for c in conversions if c != "%"]
    for i, arg in enumerate(args):
        if isinstance(arg, ast.Starred):
            continue
        conv = conversions[i] if i < len(conversions) else "s"
        if conv in ("r", "a") or conv in _NUMERIC:
            continue
        if flow := _leak(arg, ctx):
            return flow
    return None


def _format_leak(template: str, call: ast.Call, ctx: PyContext) -> Flow | None:
    try:
        fields = [(name, conv) for _, name, _, conv in string.Formatter().parse(template) if name is not None]
    except ValueError:
        fields = []
    auto = 0
    for name, conv in fields:
        if conv in ("r", "a"):
            if name == "":
                auto += 1
            continue
        arg: ast.expr | None
        if name == "" or name.isdigit():
            index = auto if name == "" else int(name)
            auto += name == ""
            arg = call.args[index] if index < len(call.args) else None
        else:
            arg = ctx.kwarg(call, name.split(".")[0].split("[")[0])
        if arg is not None and not isinstance(arg, ast.Starred) and (flow := _leak(arg, ctx)):
            return flow
    return None


def _leak(e: ast.expr, ctx: PyContext, depth: int = 0) -> Flow | None:
    """The taint of ``e`` when it can still carry raw line breaks into the log."""
    flow = ctx.tainted(e)
    if flow is None or _neutral(e, ctx, depth):
        return None
    return flow


def _neutral(e: ast.expr, ctx: PyContext, depth: int) -> bool:
    if isinstance(e, ast.Dict | ast.List | ast.Tuple | ast.Set | ast.ListComp | ast.DictComp | ast.SetComp):
        return True  # containers are logged as repr()s
    if isinstance(e, ast.Attribute):
        return (e.attr in _CONTAINERS and _on_request(e.value)) or bool(_ID_FIELD.search(e.attr))
    if isinstance(e, ast.Subscript):
        return bool(_ID_FIELD.search(const_key(e.slice) or ""))  # payload["order_id"]: a key, not free text
    if isinstance(e, ast.Call):
        return _neutralising_call(e, ctx)
    if isinstance(e, ast.Name) and depth < 3:
        value = last_value(ctx, e.id)
        return value is not None and _neutral(value, ctx, depth + 1)
    if isinstance(e, ast.JoinedStr):
        parts = [v for v in e.values if isinstance(v, ast.FormattedValue) and v.conversion not in _REPR_CONVERSIONS]
        return all(_neutral(v.value, ctx, depth) for v in parts)
    return False


def _neutralising_call(call: ast.Call, ctx: PyContext) -> bool:
    name = ctx.call_name(call)
    if name in _ESCAPING_CALLS:
        return True
    if name in ("re.sub", "re.compile.sub") and call.args:
        pattern = const_key(call.args[0]) or ""
        return any(nl in pattern for nl in _NEWLINES)
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr in ("get_json", "get_data") and _on_request(func.value):
        return True  # a parsed body or bytes: %s prints their repr()
    current: ast.expr = call
    while isinstance(current, ast.Call) and isinstance(current.func, ast.Attribute):
        attr, args = current.func.attr, current.args
        first = const_key(args[0]) if args else None
        if attr == "replace" and first is not None and ("\n" in first or "\r" in first):
            return True
        if attr == "encode" and first in ("unicode_escape", "unicode-escape"):
            return True
        if attr in ("splitlines", "translate"):
            return True
        if attr == "join" and args and isinstance(args[0], ast.Call) and _neutralising_call(args[0], ctx):
            return True
        current = current.func.value
    return False


def _on_request(e: ast.expr) -> bool:
    return last_part(e) in kb.REQUEST_NAMES
