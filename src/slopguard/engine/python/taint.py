"""Intra-procedural, flow-sensitive taint tracking over one function body.

Every expression evaluates to a :class:`Flow`: how trusted the value is (constant, sanitised, unknown,
attacker-controlled) and whether it is a string assembled from non-constant pieces. Statements are walked
in order; branches are analysed on copies and joined; guards (``if x not in ALLOWED: abort()``,
``if is_safe(x):``) mark names as sanitised. Helper functions of the same module are summarised so that
``return request.args["q"]`` or ``return int(x)`` inside a helper is seen at the call site.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol

from slopguard.engine.flow import CONST, CONST_TEXT, SAFE, UNKNOWN, Flow, Level, join, tainted
from slopguard.engine.python import knowledge as kb


class ModuleFacts(Protocol):
    """What taint tracking needs to know about the module a function lives in (``PyContext`` provides it)."""

    def call_name(self, call: ast.Call) -> str: ...

    def qualname(self, e: ast.expr) -> str | None: ...

    def is_module_call(self, func: ast.Attribute) -> bool: ...

    def module_constant(self, name: str) -> Flow | None: ...

    def helper_summary(self, name: str) -> tuple[Flow, Flow] | None: ...


Env = Mapping[str, Flow]

_RECEIVER_ONLY_METHODS = frozenset(
    {"get", "getlist", "pop", "setdefault", "items", "values", "keys", "copy", "read", "readline", "readlines"}
)
_PROPAGATING_METHODS = frozenset(
    {
        "format", "format_map", "join", "replace", "strip", "lstrip", "rstrip",
        "lower", "upper", "title", "capitalize", "casefold", "split", "rsplit", "splitlines", "partition",
        "encode", "decode", "removeprefix", "removesuffix", "ljust", "rjust", "center", "zfill", "expandtabs",
        "to_dict", "dict", "model_dump",
    }
)  # fmt: skip
_APPEND_METHODS = frozenset({"append", "extend", "insert", "add", "update", "appendleft", "setdefault"})
_OPENERS = frozenset({"open", "io.open", "codecs.open", "tempfile.NamedTemporaryFile", "tempfile.TemporaryFile"})


class FunctionTaint:
    """The taint state before every statement of one body."""

    def __init__(self, ctx: ModuleFacts, body: list[ast.stmt], params: dict[str, Flow]) -> None:
        self.ctx = ctx
        self.before: dict[int, Env] = {}
        self.returns: Flow = CONST
        self._block(body, dict(params))

    def env_at(self, stmt: ast.stmt | None) -> Env:
        if stmt is None:
            return {}
        return self.before.get(id(stmt), {})

    # ----- statements -------------------------------------------------------------------------
    def _block(self, stmts: list[ast.stmt], env: dict[str, Flow]) -> tuple[dict[str, Flow], bool]:
        for stmt in stmts:
            self.before[id(stmt)] = env
            env, exits = self._stmt(stmt, env)
            if exits:
                return env, True
        return env, False

    def _stmt(self, s: ast.stmt, env: dict[str, Flow]) -> tuple[dict[str, Flow], bool]:
        if isinstance(s, ast.Assign):
            flow = self.eval(s.value, env)
            env = dict(env)
            for t in s.targets:
                self._bind(t, flow, env)
            return env, False
        if isinstance(s, ast.AnnAssign):
            if s.value is None:
                return env, False
            env = dict(env)
            self._bind(s.target, self.eval(s.value, env), env)
            return env, False
        if isinstance(s, ast.AugAssign):
            return self._aug_assign(s, env), False
        if isinstance(s, ast.Expr):
            return self._expr_stmt(s, env)
        if isinstance(s, ast.Return):
            if s.value is not None:
                self.returns = join((self.returns, self.eval(s.value, env)))
            return env, True
        if isinstance(s, ast.Raise | ast.Continue | ast.Break):
            return env, True
        if isinstance(s, ast.If):
            return self._if(s, env)
        if isinstance(s, ast.For | ast.AsyncFor):
            loop_env = dict(env)
            self._bind(s.target, self.eval(s.iter, env), loop_env)
            return self._loop(s.body, s.orelse, env, loop_env), False
        if isinstance(s, ast.While):
            return self._loop(s.body, s.orelse, env, dict(env)), False
        if isinstance(s, ast.With | ast.AsyncWith):
            inner = dict(env)
            for item in s.items:
                if item.optional_vars is not None:
                    flow = self.eval(item.context_expr, env)
                    if isinstance(item.context_expr, ast.Call) and self.ctx.call_name(item.context_expr) in _OPENERS:
                        flow = UNKNOWN
                    self._bind(item.optional_vars, flow, inner)
            return self._block(s.body, inner)
        if isinstance(s, ast.Try | ast.TryStar):
            return self._try(s, env)
        if isinstance(s, ast.Match):
            outs = [self._block(case.body, dict(env)) for case in s.cases]
            live = [e for e, exits in outs if not exits]
            return self._join_envs([env, *live]), False
        if isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            return {**env, s.name: UNKNOWN}, False
        if isinstance(s, ast.Import | ast.ImportFrom):
            names = [(a.asname or a.name).split(".")[0] for a in s.names]
            if any(n in env for n in names):
                return {k: v for k, v in env.items() if k not in names}, False
        return env, False

    def _bind(self, target: ast.expr, flow: Flow, env: dict[str, Flow]) -> None:
        if isinstance(target, ast.Name):
            env[target.id] = flow
        elif isinstance(target, ast.Tuple | ast.List):
            for elt in target.elts:
                self._bind(elt.value if isinstance(elt, ast.Starred) else elt, flow, env)
        elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
            name = target.value.id
            env[name] = join((self._lookup(name, env), flow))

    def _aug_assign(self, s: ast.AugAssign, env: dict[str, Flow]) -> dict[str, Flow]:
        value = self.eval(s.value, env)
        if isinstance(s.target, ast.Name):
            old = self._lookup(s.target.id, env)
            merged = join((old, value))
            stringy = old.text or value.text
            built = merged.built or (stringy and isinstance(s.op, ast.Add | ast.Mod) and value.dynamic)
            env = dict(env)
            env[s.target.id] = Flow(merged.level, built, stringy, merged.origin)
        elif isinstance(s.target, ast.Subscript):
            env = dict(env)
            self._bind(s.target, value, env)
        return env

    def _expr_stmt(self, s: ast.Expr, env: dict[str, Flow]) -> tuple[dict[str, Flow], bool]:
        call = s.value
        if isinstance(call, ast.Await):
            call = call.value
        if not isinstance(call, ast.Call):
            return env, False
        if self.ctx.call_name(call) in kb.EXIT_CALLS:
            return env, True
        func = call.func
        if isinstance(func, ast.Attribute) and func.attr in _APPEND_METHODS and isinstance(func.value, ast.Name):
            added = join(self.eval(a, env) for a in [*call.args, *(k.value for k in call.keywords)])
            if added.level > Level.CONST:
                name = func.value.id
                env = {**env, name: join((self._lookup(name, env), added))}
        return env, False

    def _if(self, s: ast.If, env: dict[str, Flow]) -> tuple[dict[str, Flow], bool]:
        pos, neg = guarded_names(self.ctx, s.test, True), guarded_names(self.ctx, s.test, False)
        body_env = {**env, **dict.fromkeys(pos, SAFE)} if pos else env
        else_env = {**env, **dict.fromkeys(neg, SAFE)} if neg else env
        body_out, body_exits = self._block(s.body, dict(body_env))
        else_out, else_exits = self._block(s.orelse, dict(else_env)) if s.orelse else (else_env, False)
        if body_exits and else_exits:
            return env, True
        if body_exits:
            return dict(else_out), False
        if else_exits:
            return dict(body_out), False
        return self._join_envs([body_out, else_out]), False

    def _loop(
        self, body: list[ast.stmt], orelse: list[ast.stmt], env: dict[str, Flow], loop_env: dict[str, Flow]
    ) -> dict[str, Flow]:
        first, _ = self._block(body, loop_env)
        second, _ = self._block(body, self._join_envs([loop_env, first]))
        out = self._join_envs([env, first, second])
        if orelse:
            out, _ = self._block(orelse, out)
        return out

    def _try(self, s: ast.Try | ast.TryStar, env: dict[str, Flow]) -> tuple[dict[str, Flow], bool]:
        body_out, body_exits = self._block(s.body, dict(env))
        outs: list[dict[str, Flow]] = []
        if not body_exits:
            else_out, else_exits = self._block(s.orelse, body_out)
            if not else_exits:
                outs.append(else_out)
        start = self._join_envs([env, body_out])
        for handler in s.handlers:
            h_env = dict(start)
            if handler.name:
                h_env[handler.name] = UNKNOWN
            h_out, h_exits = self._block(handler.body, h_env)
            if not h_exits:
                outs.append(h_out)
        if not outs:
            if s.finalbody:
                self._block(s.finalbody, start)
            return env, True
        out = self._join_envs(outs)
        if s.finalbody:
            return self._block(s.finalbody, out)
        return out, False

    @staticmethod
    def _join_envs(envs: Sequence[Mapping[str, Flow]]) -> dict[str, Flow]:
        keys: set[str] = set()
        for e in envs:
            keys.update(e)
        out: dict[str, Flow] = {}
        for k in keys:
            present = [e[k] for e in envs if k in e]
            # A name unbound on some path keeps what the other paths gave it.
            out[k] = join(present)
        return out

    # ----- expressions ------------------------------------------------------------------------
    def _lookup(self, name: str, env: Env) -> Flow:
        flow = env.get(name)
        if flow is not None:
            return flow
        return self.ctx.module_constant(name) or UNKNOWN

    def eval(self, e: ast.expr, env: Env) -> Flow:
        if isinstance(e, ast.Constant):
            return CONST_TEXT if isinstance(e.value, str | bytes) else CONST
        if isinstance(e, ast.Name):
            return self._lookup(e.id, env)
        if isinstance(e, ast.JoinedStr):
            parts = [self.eval(v.value if isinstance(v, ast.FormattedValue) else v, env) for v in e.values]
            flow = join(parts)
            return Flow(flow.level, flow.built or flow.dynamic, True, flow.origin)
        if isinstance(e, ast.FormattedValue):
            return self.eval(e.value, env)
        if isinstance(e, ast.BinOp):
            left, right = self.eval(e.left, env), self.eval(e.right, env)
            flow = join((left, right))
            stringy = (left.text or right.text) and isinstance(e.op, ast.Add | ast.Mod)
            return Flow(flow.level, flow.built or (stringy and flow.dynamic), left.text or right.text, flow.origin)
        if isinstance(e, ast.Attribute):
            return self._attribute(e, env)
        if isinstance(e, ast.Subscript):
            return self.eval(e.value, env)
        if isinstance(e, ast.Call):
            return self._call(e, env)
        if isinstance(e, ast.List | ast.Tuple | ast.Set):
            return _container(self.eval(x, env) for x in e.elts)
        if isinstance(e, ast.Dict):
            return _container(self.eval(x, env) for x in [*e.values, *(k for k in e.keys if k is not None)])
        if isinstance(e, ast.IfExp):
            return join((self.eval(e.body, env), self.eval(e.orelse, env)))
        if isinstance(e, ast.BoolOp):
            return join(self.eval(v, env) for v in e.values)
        if isinstance(e, ast.Compare):
            return SAFE
        if isinstance(e, ast.UnaryOp):
            return SAFE if isinstance(e.op, ast.Not) else self.eval(e.operand, env)
        if isinstance(e, ast.Await | ast.Starred | ast.NamedExpr):
            return self.eval(e.value, env)
        if isinstance(e, ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp):
            return self._comprehension(e, env)
        return UNKNOWN

    def _comprehension(self, e: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp, env: Env) -> Flow:
        inner = dict(env)
        for gen in e.generators:
            self._bind(gen.target, self.eval(gen.iter, inner), inner)
        if isinstance(e, ast.DictComp):
            return join((self.eval(e.key, inner), self.eval(e.value, inner)))
        return self.eval(e.elt, inner)

    def _attribute(self, e: ast.Attribute, env: Env) -> Flow:
        qual = self.ctx.qualname(e)
        if qual in kb.SOURCE_ATTRS:
            return tainted(qual)
        if e.attr in kb.REQUEST_ATTRS and is_request_object(self.ctx, e.value, env):
            return tainted(f"request.{e.attr}")
        if e.attr in kb.SOURCE_SELF_ATTRS and isinstance(e.value, ast.Name) and e.value.id == "self":
            return tainted(f"self.{e.attr}")
        base = self.eval(e.value, env)
        return Flow(base.level, False, False, base.origin)

    def _call(self, call: ast.Call, env: Env) -> Flow:
        name = self.ctx.call_name(call)
        func = call.func
        if name in kb.SOURCE_CALLS:
            return tainted(f"{name}()")
        last = name.rsplit(".", 1)[-1]
        if name in kb.SANITIZERS or last in ("escape", "secure_filename", "quote") or last in kb.SANITIZER_METHODS:
            return SAFE
        if isinstance(func, ast.Attribute):
            if func.attr in kb.SANITIZER_METHODS:
                return SAFE
            if func.attr in kb.SOURCE_METHODS:
                return tainted(f".{func.attr}()")
            if func.attr in kb.REQUEST_ATTRS and is_request_object(self.ctx, func.value, env):
                return tainted(f"request.{func.attr}()")  # request.get_json(), request.body()
            receiver = self.eval(func.value, env)
            args = [self.eval(a, env) for a in call.args]
            kwargs = [self.eval(k.value, env) for k in call.keywords]
            if receiver.tainted and func.attr == "get" and _safe_type_kwarg(call):
                return SAFE
            if func.attr in ("format", "join", "format_map") and (receiver.text or receiver.built):
                flow = join((receiver, *args, *kwargs))
                built = flow.built or any(a.dynamic for a in (*args, *kwargs))
                return Flow(flow.level, built, True, flow.origin)
            if func.attr in _RECEIVER_ONLY_METHODS:  # d.get(key) is d's value, not the key
                return Flow(receiver.level, receiver.built, receiver.text, receiver.origin)
            if receiver.tainted or func.attr in _PROPAGATING_METHODS:
                flow = join((receiver, *args, *kwargs)) if func.attr in _PROPAGATING_METHODS else receiver
                return Flow(flow.level, receiver.built, receiver.text, flow.origin)
            if not self.ctx.is_module_call(func):
                return UNKNOWN
            # os.path.join(BASE, name), base64.b64decode(x), json.loads(x): a module function carries its input.
        if isinstance(func, ast.Name):
            summary = self.ctx.helper_summary(func.id)
            if summary is not None:
                args = [self.eval(a, env) for a in [*call.args, *(k.value for k in call.keywords)]]
                base, with_tainted = summary
                if base.tainted:
                    return base
                if any(a.tainted for a in args):
                    origin = next(a.origin for a in args if a.tainted)
                    return Flow(with_tainted.level, with_tainted.built, with_tainted.text, origin or base.origin)
                return base if base.level != Level.CONST or base.text else UNKNOWN
        if last in kb.LOOKUPS:
            return UNKNOWN
        args = [self.eval(a, env) for a in [*call.args, *(k.value for k in call.keywords)]]
        if not args:
            return UNKNOWN
        flow = join(args)
        if name in ("str", "repr", "format"):
            return flow
        return Flow(max(flow.level, Level.UNKNOWN), flow.built, False, flow.origin)


def _container(items: Iterable[Flow]) -> Flow:
    """A list/dict/tuple carries its items' taint but is not itself a string."""
    flow = join(items)
    return Flow(flow.level, flow.built, False, flow.origin)


def _safe_type_kwarg(call: ast.Call) -> bool:
    for kw in call.keywords:
        if kw.arg == "type" and isinstance(kw.value, ast.Name) and kw.value.id in ("int", "float", "bool"):
            return True
    return False


def is_request_object(ctx: ModuleFacts, e: ast.expr, env: Env) -> bool:
    """``request``/``req`` (Flask's global or a view's parameter) or ``self.request``."""
    if isinstance(e, ast.Name):
        return e.id in kb.REQUEST_NAMES or ctx.qualname(e) in kb.REQUEST_NAMES
    if isinstance(e, ast.Attribute):  # self.request in class-based views, not response.request
        return e.attr == "request" and isinstance(e.value, ast.Name) and e.value.id == "self"
    return False


def _constants(e: ast.expr) -> bool:
    if isinstance(e, ast.Tuple):
        return all(_constants(x) for x in e.elts)
    return isinstance(e, ast.Constant)


def guarded_names(ctx: ModuleFacts, test: ast.expr, when: bool) -> set[str]:
    """Names proven safe when ``test`` evaluates to ``when`` (allow-lists, validators, equality)."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return guarded_names(ctx, test.operand, not when)
    if isinstance(test, ast.BoolOp):
        parts = [guarded_names(ctx, v, when) for v in test.values]
        conjunctive = isinstance(test.op, ast.And) == when
        if conjunctive:
            return set().union(*parts)
        return set.intersection(*parts) if parts else set()
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.left, ast.Call | ast.Attribute):
        # urlparse(url).hostname not in ALLOWED_HOSTS
        op = test.ops[0]
        if (isinstance(op, ast.In) and when) or (isinstance(op, ast.NotIn) and not when):
            return {
                a.id for c in ast.walk(test.left) if isinstance(c, ast.Call) for a in c.args if isinstance(a, ast.Name)
            }
        return set()
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.left, ast.Name):
        op, right = test.ops[0], test.comparators[0]
        if (isinstance(op, ast.In) and when) or (isinstance(op, ast.NotIn) and not when):
            return {test.left.id}
        is_const = isinstance(right, ast.Constant) and right.value is not None
        if is_const and ((isinstance(op, ast.Eq) and when) or (isinstance(op, ast.NotEq) and not when)):
            return {test.left.id}
        return set()
    if isinstance(test, ast.Call) and when:
        name = ctx.call_name(test)
        if name.rsplit(".", 1)[-1] in kb.NON_GUARDS:
            return set()
        names: set[str] = set()
        for arg in [*test.args, *(k.value for k in test.keywords)]:
            if isinstance(arg, ast.Name):
                names.add(arg.id)
        if isinstance(test.func, ast.Attribute) and isinstance(test.func.value, ast.Name):
            constant_prefix = test.func.attr == "startswith" and all(_constants(a) for a in test.args)
            if not constant_prefix:  # x.startswith("http") or ("/") proves nothing; x.startswith(BASE_DIR) does
                names.add(test.func.value.id)
        return names
    return set()


__all__ = ["CONST", "SAFE", "UNKNOWN", "Flow", "FunctionTaint", "Level", "guarded_names", "join", "tainted"]
