"""JS-EVAL-001: eval, new Function, string setTimeout/setInterval, vm.run* and mathjs.evaluate on non-constant
code."""

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
from slopguard.rules.javascript.common import enclosing_function, imported, resolved_call, string_value, unwrap

_GLOBALS = ("", "window.", "globalThis.", "global.", "self.")
_EVAL = frozenset(g + "eval" for g in _GLOBALS)
_FUNCTION = frozenset(g + "Function" for g in _GLOBALS)
_TIMERS = frozenset(g + t for g in _GLOBALS for t in ("setTimeout", "setInterval", "setImmediate"))
_VM = frozenset({"runInNewContext", "runInThisContext", "runInContext", "compileFunction", "Script"})
_EXPRESSION_LANGUAGES = {"mathjs": frozenset({"evaluate", "compile", "eval"})}  # module -> evaluating functions
# ``widget.settings.onLoad``, ``el.dataset.callback``: a value read from stored or serialised data (JSON holds no
# functions), so a timer given it gets a string to evaluate. The data word sits inside the path, under an object
# the code was handed: ``this.settings.x`` and a bare ``settings.x`` are a plugin's own options.
_STORED_DATA = frozenset(
    {"settings", "config", "configuration", "preferences", "prefs", "dataset", "json", "payload", "attributes",
     "metadata"}
)  # fmt: skip


def _code_argument(ctx: TSContext, call: Node, name: str) -> tuple[Node, str] | None:
    """The argument holding code, and how the call is named in the message."""
    args = ctx.arguments(call)
    if not args:
        return None
    if name in _EVAL:
        return args[0], "eval()"
    if name in _FUNCTION:
        return args[-1], "new Function()"  # the body is the last argument
    if name in _TIMERS:
        return args[0], f"{name.rsplit('.', 1)[-1]}() with a string"
    if not ctx.memo("js.eval.modules", lambda: any(m.encode() in ctx.source for m in ("vm", *_EXPRESSION_LANGUAGES))):
        return None  # the file names neither vm nor an expression language's module (most files)
    head, _, tail = name.rpartition(".")
    module = imported(ctx, head) if head else imported(ctx, name)
    if module is not None and module[0] == "vm" and (tail if head else module[1]) in _VM:
        return args[0], f"vm.{tail or module[1]}()"
    found = resolved_call(ctx, call)
    if found is not None and found[1] in _EXPRESSION_LANGUAGES.get(found[0], ()):
        return args[0], f"{found[0]} {found[1]}()"
    return None


@ts_rule(
    id="JS-EVAL-001",
    title="eval/new Function/string timer on non-constant code",
    cwe=95,
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    languages=("javascript", "typescript"),
    query="[(call_expression) (new_expression)] @call",
    why="""Assistants evaluate a formula, a filter expression or a JSON-ish config with eval(), new
    Function('return ' + expr) or setTimeout(codeString), and Node's vm module looks like a sandbox but is not
    one; mathjs.evaluate(req.query.expr) hands the client an expression language with a history of sandbox
    escapes. Whoever controls the string runs JavaScript in the page (XSS) or in the server process: reading
    files, environment secrets, spawning shells.""",
    fix="""Parse data with JSON.parse, evaluate arithmetic with a small parser (e.g. expr-eval, mathjs in safe
    mode), pass functions, not strings, to setTimeout/setInterval, and never treat vm as a security boundary.""",
)
def dynamic_code(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    call: Node = captures["call"][0]
    found = _code_argument(ctx, call, ctx.call_name(call))
    if found is None:
        return
    code, label = found
    code = unwrap(code)
    if code.type in ("arrow_function", "function_expression", "function"):
        return
    flow = ctx.flow(code)
    timer = label.endswith("with a string")
    if timer and not (flow.text or flow.built or string_value(ctx, code) is not None):
        if _stored_setting(ctx, code):
            yield ctx.hit(
                call,
                f"{label.split(' ', 1)[0]} is given {ctx.compact(code)}, read from stored data: JSON holds no "
                "functions, so a string there is evaluated as code; look the handler up in a map of functions",
                severity=Severity.MEDIUM,
                confidence=Confidence.LOW,
            )
        return  # setTimeout(callback, ms): a function reference, not code
    if not flow.dynamic:
        if timer and string_value(ctx, code) is not None:
            yield ctx.hit(
                call,
                f"{label} is evaluated as code (implied eval); pass a function instead",
                severity=Severity.LOW,
                confidence=Confidence.MEDIUM,
            )
        return
    severity, confidence = grade(flow, Severity.HIGH)
    yield ctx.hit(call, f"{label} runs code built from {describe(flow)}", severity=severity, confidence=confidence)


def _stored_setting(ctx: TSContext, code: Node) -> bool:
    """``widget.settings.onLoad``: a member path with a stored-data word inside it, not under ``this``, and not
    checked to be a function first (``typeof widget.settings.onLoad === "function"``)."""
    if code.type != "member_expression":
        return False
    parts = ctx.compact(code).split(".")
    if len(parts) < 3 or parts[0] == "this" or not _STORED_DATA.intersection(parts[1:-1]):
        return False
    if not all(re.fullmatch(r"[\w$]+", p) for p in parts):
        return False  # calls or subscripts in the path: not a plain read
    fn = enclosing_function(code)
    scope = ctx.text(fn) if fn is not None else ""
    return not re.search(rf"typeof\s+\(?\s*{re.escape(ctx.text(code))}\s*\)?\s*[!=]==?\s*['\"]function", scope)
