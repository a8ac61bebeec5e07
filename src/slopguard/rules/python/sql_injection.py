"""PY-SQLI-001: SQL assembled from strings and passed to a driver, SQLAlchemy or the Django ORM."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.flow import describe, grade
from slopguard.engine.hit import Hit, hit_at
from slopguard.engine.python.context import PyContext
from slopguard.engine.registry import python_rule
from slopguard.rules.python.common import first_arg, method_name

_EXECUTE = frozenset(
    {"execute", "executemany", "executescript", "exec_driver_sql", "mogrify", "read_sql", "read_sql_query"}
)
_QUERY_FUNCS = frozenset({"sqlalchemy.text", "sqlalchemy.sql.text", "sqlalchemy.sql.expression.text", "text"})
_DJANGO = frozenset({"raw", "extra", "RawSQL"})
# Literal SQL right before an interpolated piece that makes the piece a *value* (not an identifier).
_VALUE_POSITION = re.compile(
    r"(=|<|>|\blike|\bin\s*\(|'%?|\bvalues\s*\(|\blimit|\boffset|\bbetween)\s*$",
    re.IGNORECASE,
)
# Identifiers a program takes from its own schema, not from data: Django's model metadata and backend helpers
# (``model._meta.db_table``, ``connection.ops.quote_name(...)``, ``qn(alias)``), SQLAlchemy's ``__tablename__``.
_SCHEMA_IDENTIFIER = re.compile(
    r"\b_meta\b|\bdb_table\b|__tablename__|\bconnection\.(?:ops|features)\b|\bquote_name\w*|\bqn\d?\s*\("
    r"|\b\w*seq(?:uence)?_name\s*\(|\b(?:table|column)s?\.(?:name|key|fullname)\b"
)
_PERCENT = re.compile(r"%(?:\((\w+)\))?[-#0 +]*\d*(?:\.\d+)?[sdrif]")
_BRACES = re.compile(r"\{(\w*)[^{}]*\}")
Piece = tuple[str, ast.expr]


@python_rule(
    id="PY-SQLI-001",
    title="SQL query built from strings",
    cwe=89,
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    nodes=(ast.Call,),
    calls=_EXECUTE | _DJANGO | _QUERY_FUNCS,
    why="""Assistants build SQL with f-strings, '+' or '%' because it reads naturally and passes tests with
    friendly input. An attacker sends a quote and rewrites the query: dumps tables, bypasses the login check
    (' OR '1'='1), or with stacked queries changes data.""",
    fix="""Pass values as parameters: cur.execute("SELECT ... WHERE name = %s", (name,)) or
    text("... WHERE name = :name").bindparams(name=name); allow-list identifiers such as column names.""",
)
def sql_injection(node: ast.Call, ctx: PyContext) -> Iterator[Hit]:
    name = method_name(node)
    if name in _EXECUTE or name in _DJANGO:
        query = first_arg(node, "sql") if name != "extra" else _extra_arg(node)
    elif ctx.call_name(node) in _QUERY_FUNCS:
        if ctx.call_name(node) == "text" and "sqlalchemy" not in ctx.text:
            return
        query = first_arg(node)
    else:
        return
    if query is None or (isinstance(query, ast.Call) and ctx.call_name(query) in _QUERY_FUNCS):
        return  # text(f"...") is reported at the text() call itself
    flow = ctx.flow(query, unescaped=True)
    if flow.tainted and (flow.built or not isinstance(query, ast.Constant)):
        yield hit_at(node, f"SQL passed to {name}() is assembled from {describe(flow)}; use bound parameters")
    elif flow.built and _value_interpolated(ctx, query, depth=0):
        severity, confidence = grade(flow, Severity.HIGH) if flow.operator else (None, Confidence.MEDIUM)
        yield hit_at(
            node,
            f"SQL passed to {name}() interpolates {describe(flow)}; use bound parameters",
            severity=severity,
            confidence=confidence,
        )


def _value_interpolated(ctx: PyContext, query: ast.expr, depth: int) -> bool:
    """Whether a dynamic piece lands where SQL expects a value (after '=', a quote, LIKE, IN ( ...)."""
    for before, piece in _pieces(ctx, query, depth):
        flow = ctx.flow(piece, unescaped=True)
        if not flow.dynamic or (not flow.external and _schema_identifier(ctx, piece, depth)):
            continue
        if _VALUE_POSITION.search(before) or (flow.built and depth < 3 and _value_interpolated(ctx, piece, depth + 1)):
            return True
    return False


def _schema_identifier(ctx: PyContext, piece: ast.expr, depth: int) -> bool:
    """A piece built only from the program's own schema names (see ``_SCHEMA_IDENTIFIER``)."""
    parts = _pieces(ctx, piece, depth + 1) if depth < 3 else []
    if parts:
        dynamic = [p for _, p in parts if ctx.flow(p, unescaped=True).dynamic]
        return all(_schema_identifier(ctx, p, depth + 1) for p in dynamic)
    if isinstance(piece, ast.Name) and depth < 3:
        values = _definitions(ctx, piece.id)
        return bool(values) and all(_schema_identifier(ctx, v, depth + 1) for v in values)
    return bool(_SCHEMA_IDENTIFIER.search(ctx.segment(piece)))


def _pieces(ctx: PyContext, e: ast.expr, depth: int) -> list[Piece]:
    if isinstance(e, ast.JoinedStr):
        out: list[Piece] = []
        text = ""
        for v in e.values:
            if isinstance(v, ast.FormattedValue):
                out.append((text, v.value))
            elif isinstance(v, ast.Constant):
                text += str(v.value)
        return out
    if isinstance(e, ast.BinOp) and isinstance(e.op, ast.Add):
        return _concat(e)
    if isinstance(e, ast.BinOp) and isinstance(e.op, ast.Mod):
        fmt = ctx.string(e.left)
        return _percent(fmt, e.right) if fmt is not None else []
    if isinstance(e, ast.Call) and isinstance(e.func, ast.Attribute) and e.func.attr == "format":
        fmt = ctx.string(e.func.value)
        return _braces(fmt, e) if fmt is not None else []
    if isinstance(e, ast.Name) and depth < 3:
        return [p for value in _definitions(ctx, e.id) for p in _pieces(ctx, value, depth + 1)]
    return []


def _concat(e: ast.BinOp) -> list[Piece]:
    operands: list[ast.expr] = []
    stack: list[ast.expr] = [e]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            stack += [node.right, node.left]
        else:
            operands.append(node)
    out: list[Piece] = []
    text = ""
    for op in operands:
        if isinstance(op, ast.Constant) and isinstance(op.value, str):
            text += op.value
        else:
            out.append((text, op))
    return out


def _percent(fmt: str, right: ast.expr) -> list[Piece]:
    out: list[Piece] = []
    args = right.elts if isinstance(right, ast.Tuple) else [right]
    keyed = {ctx_key: v for ctx_key, v in zip(_dict_keys(right), _dict_values(right), strict=False)}
    for i, m in enumerate(_PERCENT.finditer(fmt.replace("%%", "  "))):
        before = fmt[: m.start()]
        if m.group(1) and keyed:
            value = keyed.get(m.group(1))
        elif isinstance(right, ast.Dict):
            value = None
        else:
            value = args[i] if i < len(args) else None
        if value is not None:
            out.append((before, value))
    return out


def _dict_keys(e: ast.expr) -> list[str]:
    if not isinstance(e, ast.Dict):
        return []
    return [k.value if isinstance(k, ast.Constant) and isinstance(k.value, str) else "" for k in e.keys]


def _dict_values(e: ast.expr) -> list[ast.expr]:
    return list(e.values) if isinstance(e, ast.Dict) else []


def _braces(fmt: str, call: ast.Call) -> list[Piece]:
    out: list[Piece] = []
    keywords = {kw.arg: kw.value for kw in call.keywords if kw.arg}
    auto = 0
    for m in _BRACES.finditer(fmt):
        field = m.group(1)
        value: ast.expr | None
        if field.isdigit():
            index = int(field)
            value = call.args[index] if index < len(call.args) else None
        elif field:
            value = keywords.get(field)
        else:
            value = call.args[auto] if auto < len(call.args) else None
            auto += 1
        if value is not None:
            out.append((fmt[: m.start()], value))
    return out


def _definitions(ctx: PyContext, name: str) -> list[ast.expr]:
    """Values assigned to ``name`` earlier in the enclosing function (plain and augmented assignments)."""
    scope: ast.AST = ctx.function or ctx.tree
    limit = ctx.statement.lineno if ctx.statement else 10**9
    found: list[ast.expr] = []
    for node in ast.walk(scope):
        if getattr(node, "lineno", limit) >= limit:
            continue
        if (isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets)) or (
            isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name) and node.target.id == name
        ):
            found.append(node.value)
    return found


def _extra_arg(node: ast.Call) -> ast.expr | None:
    for kw in node.keywords:
        if kw.arg in ("where", "select", "tables", "order_by") and isinstance(kw.value, ast.List | ast.Tuple):
            for elt in kw.value.elts:
                if not isinstance(elt, ast.Constant):
                    return elt
    return None
