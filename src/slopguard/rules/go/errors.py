"""Where a handler's error came from, and whether a 5xx status was already written: the evidence GO-ERRLEAK-001
needs when the status alone does not say the error is internal."""

from __future__ import annotations

import re

from tree_sitter import Node

from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.go.common import function_of
from slopguard.rules.go.web import is_server_error
from slopguard.rules.shared.trees import walk

# Calls whose errors describe the server's insides: files, databases and ORMs, other services, commands.
_INTERNAL = re.compile(
    r"^(?:os|ioutil|filepath|exec|sql|sqlx|gorm|pgx|pgxpool|redis|mongo|net|tls|smtp)\.\w+"
    r"|^http\.(?:Get|Head|Post|PostForm)$"
    r"|\.(?:Query|QueryContext|QueryRow|QueryRowContext|QueryRowx|Queryx|Exec|ExecContext|Prepare|PrepareContext"
    r"|Begin|BeginTx|Commit|Rollback|Scan|StructScan|Select|Ping|PingContext|First|Find|Take|Last|Create|Save"
    r"|Updates|Delete|Raw|Pluck|Count|FindOne|InsertOne|UpdateOne|DeleteOne|Aggregate|Open|OpenFile|ReadFile"
    r"|WriteFile|ReadDir|Stat|Lstat|MkdirAll|Mkdir|Remove|RemoveAll|Rename|Do|Dial|DialContext|Output"
    r"|CombinedOutput|Run|SendMail)$"
)
_WRAPPERS = re.compile(r"^(?:fmt\.Errorf|errors\.(?:Wrap|Wrapf|WithMessage|WithStack|Join))$")
_STATUS_SETTERS = ("WriteHeader", "Status")
_ERR_BINDINGS = ("short_var_declaration", "assignment_statement", "var_spec")


def _error_name(detail: str) -> str:
    """``err`` for ``err.Error()``, ``dbErr`` for ``dbErr``."""
    return detail.split(".", 1)[0].split("(", 1)[0]


def _visible(binding: Node, at: Node) -> bool:
    """Whether ``at`` lies in the scope of ``binding`` (its block, or the ``if``/``switch`` it initialises)."""
    scope = binding.parent
    if scope is not None and scope.type == "var_declaration":
        scope = scope.parent
    return scope is not None and scope.start_byte <= at.start_byte < scope.end_byte


def internal_origin(ctx: TSContext, at: Node, detail: str) -> str | None:
    """The file, database, network or command call that last assigned the error named in ``detail`` in scope
    (``rows, err := db.Query(..)``, ``if err := os.Remove(p); err != nil``; looked through a wrapping
    ``err = fmt.Errorf("..: %w", err)``), else None."""
    name = _error_name(detail)
    fn = function_of(at)
    if fn is None or not name:
        return None
    bindings: list[Node] = []
    for node in walk(fn):
        if node.type not in _ERR_BINDINGS or node.start_byte > at.start_byte or not _visible(node, at):
            continue
        left = node.child_by_field_name("left") or node.child_by_field_name("name")
        if left is not None and name in re.findall(r"\w+", ctx.text(left)):
            bindings.append(node)
    for node in sorted(bindings, key=lambda b: b.start_byte, reverse=True):
        right = node.child_by_field_name("right") or node.child_by_field_name("value")
        values = right.named_children if right is not None and right.type == "expression_list" else [right]
        calls = [v for v in values if v is not None and v.type == "call_expression"]
        callee = ctx.compact(calls[0].child_by_field_name("function")) if calls else ""
        if _INTERNAL.search(callee):
            return callee + "()"
        if not (_WRAPPERS.search(callee) and re.search(rf"\b{re.escape(name)}\b", ctx.text(right))):
            return None
    return None


def command_output(ctx: TSContext, at: Node, value: Node) -> str | None:
    """``cmd.CombinedOutput()`` when ``value`` is (a conversion of) the output it returned (``out, err :=
    exec.Command(..).CombinedOutput()`` and then ``string(out)``): a failed command's error text, its stderr."""
    fn = function_of(at)
    names = {ctx.text(n) for n in walk(value) if n.type == "identifier"}
    if fn is None or not names:
        return None
    for node in walk(fn):
        if node.start_byte >= at.start_byte:
            break
        if node.type not in _ERR_BINDINGS or not _visible(node, at):
            continue
        left = node.child_by_field_name("left") or node.child_by_field_name("name")
        right = node.child_by_field_name("right") or node.child_by_field_name("value")
        targets = left.named_children if left is not None and left.type == "expression_list" else [left]
        values = right.named_children if right is not None and right.type == "expression_list" else [right]
        call = values[0] if len(values) == 1 else None
        if (
            call is not None
            and call.type == "call_expression"
            and targets[0] is not None
            and ctx.text(targets[0]) in names
            and ctx.compact(call.child_by_field_name("function")).endswith(".CombinedOutput")
        ):
            return "CombinedOutput()"
    return None


def server_error_written(ctx: TSContext, at: Node) -> bool:
    """Whether the enclosing block already wrote a 5xx status (``w.WriteHeader(http.StatusInternalServerError)``)
    before ``at``."""
    block = at.parent
    while block is not None and block.type != "block":
        block = block.parent
    if block is None:
        return False
    for node in walk(block):
        if node.type != "call_expression" or node.start_byte > at.start_byte:
            continue
        callee = node.child_by_field_name("function")
        field = (
            callee.child_by_field_name("field") if callee is not None and callee.type == "selector_expression" else None
        )
        args = ctx.arguments(node)
        if (
            field is not None
            and ctx.text(field) in ("WriteHeader", "Status")
            and args
            and is_server_error(ctx, args[0])
        ):
            return True
    return False
