"""PY-SECRET-001: secrets hard-coded under a secret-sounding name (known token formats are SEC-TOKEN-001's)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from slopguard.core.finding import Confidence, Severity
from slopguard.core.secrets import find_tokens
from slopguard.engine.hit import Hit, hit_at
from slopguard.engine.python.context import PyContext
from slopguard.engine.registry import python_rule
from slopguard.rules.python.common import method_name
from slopguard.rules.python.names import speaking_name, target_name
from slopguard.rules.shared.secrets import (
    could_hold_url_password,
    env_read,
    grade_secret,
    secret_kind,
    secret_noun,
    url_message,
    url_password,
)

_ENV_GETTERS = frozenset({"os.environ.get", "os.getenv", "os.environ.setdefault", "environ.get", "getenv"})
_ENV_RECEIVER = re.compile(r"(?i)environ|\benv\b|config|settings|secrets")
_BASIC_AUTH = re.compile(r"(?:^|\.)(?:HTTPBasicAuth|HTTPDigestAuth|BasicAuth|DigestAuth)$")


def _literal(e: ast.expr | None) -> str | None:
    if isinstance(e, ast.Constant):
        if isinstance(e.value, str):
            return e.value
        if isinstance(e.value, bytes):
            return e.value.decode("latin-1")
    return None


def _raw(value_node: ast.expr, ctx: PyContext) -> str:
    """The literal as written, without prefix and quotes (so escapes are redacted too)."""
    seg = ctx.segment(value_node)
    match = re.fullmatch(r"(?is)[rbuf]*('''|\"\"\"|'|\")(.*)\1", seg)
    return match.group(2) if match else ""


def _known_token(value: str, node: ast.expr, ctx: PyContext) -> bool:
    """The literal holds a known token format: SEC-TOKEN-001 reports it, with the kind of credential."""
    if find_tokens(value):
        return True
    line = node.lineno
    if node.end_lineno != line or not 0 < line <= len(ctx.lines):
        return False
    start, end = node.col_offset, node.end_col_offset or node.col_offset
    return any(t.start < end and start < t.end for t in find_tokens(ctx.lines[line - 1]))


def _check(name: str | None, value_node: ast.expr | None, at: ast.AST, ctx: PyContext, how: str) -> Iterator[Hit]:
    value = _literal(value_node)
    if name is None or value is None or value_node is None:
        return
    kind = secret_kind(name)
    if kind is None and not could_hold_url_password(value):
        return  # the common case, decided before the token search: under other names only a URL login counts
    if _known_token(value, value_node, ctx):
        return
    confidence = grade_secret(kind, name, value, name.isupper()) if kind is not None else None
    if kind is None or confidence is None:
        password = url_password(value)
        if password is not None:
            yield hit_at(at, url_message(how, name), confidence=Confidence.HIGH, secrets=(password,))
        return
    what = secret_noun(kind)
    yield hit_at(
        at,
        f"hard-coded {what} {how} '{name}'; read it from the environment or a secret store at run time",
        confidence=confidence,
        secrets=tuple(s for s in (value, _raw(value_node, ctx)) if s),
    )


@python_rule(
    id="PY-SECRET-001",
    title="Hard-coded secret",
    cwe=798,
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    nodes=(
        ast.Assign,
        ast.AnnAssign,
        ast.Call,
        ast.Dict,
        ast.Compare,
        ast.BoolOp,
        ast.FunctionDef,
        ast.AsyncFunctionDef,
    ),
    why="""Assistants make examples run by pasting the key, password or SECRET_KEY straight into the code
    ('your-secret-key', 'changeme', a real token from the prompt) and the file is committed as is. Anyone who
    can read the repository, a wheel, a container image or a stack trace gets the credential: they log in to
    the database, call the paid API, or forge session cookies and password-reset links signed with the key.""",
    fix="""Load secrets at run time: os.environ["SECRET_KEY"] (fail when unset, no literal default), a .env file
    kept out of version control, or a secret manager; rotate any credential that was committed.""",
)
def hardcoded_secret(node: ast.AST, ctx: PyContext) -> Iterator[Hit]:
    # Only a literal can be a hard-coded secret: most nodes are left at a type test or two.
    if isinstance(node, ast.Call):
        if node.args or node.keywords:
            yield from _call(node, ctx)
    elif isinstance(node, ast.Assign):
        if _literal(node.value) is not None:
            for target in node.targets:
                yield from _check(target_name(target), node.value, node, ctx, "assigned to")
    elif isinstance(node, ast.AnnAssign):
        if _literal(node.value) is not None:
            yield from _check(target_name(node.target), node.value, node, ctx, "assigned to")
    elif isinstance(node, ast.Dict):
        for key, value in zip(node.keys, node.values, strict=True):
            name = PyContext.string(key)
            if name is not None and isinstance(value, ast.Constant):
                yield from _check(name, value, key if key is not None else node, ctx, "stored under")
    elif isinstance(node, ast.Compare):
        if len(node.ops) == 1 and isinstance(node.ops[0], ast.Eq | ast.NotEq):
            left, right = node.left, node.comparators[0]
            if isinstance(left, ast.Constant):
                left, right = right, left
            name = speaking_name(left)
            if name is not None and secret_kind(name) in ("password", "own", "key"):
                yield from _check(name, right, node, ctx, "compared with")
    elif isinstance(node, ast.BoolOp):
        if isinstance(node.op, ast.Or) and _literal(node.values[-1]) is not None:
            variable = next((v for v in (env_read(ctx.segment(x)) for x in node.values[:-1]) if v), None)
            if variable is not None:  # os.environ.get("API_TOKEN") or "..."
                yield from _check(variable, node.values[-1], node, ctx, "used as the fallback for")
    elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        args = node.args
        positional = [*args.posonlyargs, *args.args]
        pairs = [*zip(positional[len(positional) - len(args.defaults) :], args.defaults, strict=True)]
        pairs += [(a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d is not None]
        for arg, default in pairs:
            yield from _check(arg.arg, default, default, ctx, "as the default of")


def _call(node: ast.Call, ctx: PyContext) -> Iterator[Hit]:
    qual = ctx.call_name(node)
    name = method_name(node)
    for kw in node.keywords:
        if kw.arg == "auth" and isinstance(kw.value, ast.Tuple) and len(kw.value.elts) == 2:
            yield from _check("password", kw.value.elts[1], kw.value, ctx, "passed as")
        elif kw.arg and isinstance(kw.value, ast.Constant):
            yield from _check(kw.arg, kw.value, kw.value, ctx, "passed as")
    if (len(node.args) >= 2 and _BASIC_AUTH.search(qual)) or (
        name == "login" and len(node.args) >= 2 and not node.keywords
    ):
        yield from _check("password", node.args[1], node, ctx, "passed as")
    if qual == "getattr" and len(node.args) == 3:
        yield from _check(PyContext.string(node.args[1]), node.args[2], node, ctx, "used as the fallback for")
        return
    env_name = PyContext.string(node.args[0]) if node.args else None
    if env_name is None:
        return
    receiver = ctx.dotted(node.func.value) if isinstance(node.func, ast.Attribute) else None
    env_call = qual in _ENV_GETTERS or name in ("config", "env", "get_env")
    if not (env_call or (receiver and _ENV_RECEIVER.search(receiver))):
        return
    default = node.args[1] if len(node.args) > 1 else ctx.kwarg(node, "default")
    yield from _check(env_name, default, node, ctx, "used as the fallback for")
