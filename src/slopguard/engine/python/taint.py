"""Intra-procedural, flow-sensitive taint tracking over one function body.

Every expression evaluates to a :class:`Flow`: how trusted the value is (constant, sanitised, unknown,
attacker-controlled) and whether it is a string assembled from non-constant pieces. Statements are walked
in order; branches are analysed on copies and joined; guards (``if x not in ALLOWED: abort()``,
``if is_safe(x):``) mark names as sanitised. Helper functions of the same module are summarised so that
``return request.args["q"]`` or ``return int(x)`` inside a helper is seen at the call site.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence
from typing import Protocol

from slopguard.engine.flow import CONST, SAFE, UNKNOWN, Flow, Level, join, operator_input, tainted
from slopguard.engine.python import knowledge as kb
from slopguard.engine.python import values as kv
from slopguard.engine.python.guards import field_key, guarded_names


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

    def __init__(
        self, ctx: ModuleFacts, body: list[ast.stmt], params: dict[str, Flow], *, unescaped: bool = False
    ) -> None:
        self.ctx = ctx
        self.unescaped = unescaped  # HTML escaping does not sanitise (for sinks outside a page)
        self.before: dict[int, Env] = {}
        self.returns: Flow = CONST
        self._jumps: list[tuple[list[Env], list[Env]]] = []  # (break, continue) states of the enclosing loops
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
            if isinstance(s.value, ast.Name) and flow is not kv.plain(flow):
                flow = env[s.value.id] = kv.plain(flow)  # two names for one list: stop tracking its items
            elif isinstance(s.value, ast.Call):
                env, _ = self._expr_stmt(ast.Expr(s.value), env)  # x = lst.pop(0) also shortens lst
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
        if isinstance(s, ast.Break | ast.Continue) and self._jumps:
            self._jumps[-1][0 if isinstance(s, ast.Break) else 1].append(env)
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
                        flow = _opened(flow)
                    self._bind(item.optional_vars, flow, inner)
            return self._block(s.body, inner)
        if isinstance(s, ast.Try | ast.TryStar):
            return self._try(s, env)
        if isinstance(s, ast.Match):
            return self._match(s, env)
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
            for stale in [k for k in env if k.startswith(f"{target.id}[")]:
                del env[stale]  # a checked field of the value the name held before
        elif isinstance(target, ast.Tuple | ast.List):
            for elt in target.elts:
                self._bind(elt.value if isinstance(elt, ast.Starred) else elt, kv.plain(flow), env)
        elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
            name = target.value.id
            env.pop(field_key(target) or "", None)
            old = self._lookup(name, env)
            key = kv.constant_slice(target.slice, lambda k: self.fold(k, env))
            entries, items = kv.entries_of(old), kv.items_of(old)
            if entries is not None and key is not kv.NOTHING and not isinstance(key, slice):
                env[name] = kv.mapping(kv.store(entries, key, flow), kv.rest_of(old))
            elif items is not None and kv.index(items, key) is not None:
                changed = list(items)
                changed[key] = flow
                env[name] = kv.sequence(changed)
            else:
                env[name] = join((kv.plain(old), flow))

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
        if not isinstance(func, ast.Attribute) or not isinstance(func.value, ast.Name):
            return env, False
        name = func.value.id
        receiver = self._lookup(name, env)
        shaped = self._mutate(receiver, func.attr, call, env)
        if shaped is not None:
            return {**env, name: shaped}, False
        if func.attr in _APPEND_METHODS or receiver is not kv.plain(receiver):
            added = join(self.eval(a, env) for a in [*call.args, *(k.value for k in call.keywords)])
            if added.level > Level.CONST or receiver is not kv.plain(receiver):
                env = {**env, name: join((kv.plain(receiver), added))}
        return env, False

    def _mutate(self, receiver: Flow, method: str, call: ast.Call, env: Env) -> Flow | None:
        """A list or mapping with known items after ``lst.append(x)``, ``lst.pop(0)``, ``conf.set(s, k, v)``."""
        args = call.args
        if call.keywords or any(isinstance(a, ast.Starred) for a in args):
            return None
        items, entries = kv.items_of(receiver), kv.entries_of(receiver)
        if items is not None:
            keys = [self.fold(a, env) for a in args]
            if method == "append" and len(args) == 1:
                return kv.sequence([*items, self.eval(args[0], env)])
            at = keys[0] if args else -1
            if method == "pop" and isinstance(at, int) and kv.index(items, at) is not None:
                return kv.sequence([f for i, f in enumerate(items) if i != at % len(items)])
            if method == "insert" and len(args) == 2 and isinstance(keys[0], int):
                changed = list(items)
                changed.insert(keys[0], self.eval(args[1], env))
                return kv.sequence(changed)
            if method == "reverse" and not args:
                return kv.sequence(items[::-1])
            if method == "clear" and not args:
                return kv.sequence([])
        if entries is not None:
            keys = [self.fold(a, env) for a in args]
            if method == "set" and len(args) == 3 and kv.NOTHING not in keys[:2]:  # ConfigParser.set(section, key, v)
                flow = self.eval(args[2], env)
                return kv.mapping(kv.store(entries, (keys[0], keys[1]), flow), kv.rest_of(receiver))
            if method == "add_section" and len(args) == 1:
                return receiver
            if method == "pop" and args and keys[0] is not kv.NOTHING:
                return kv.mapping(tuple((k, f) for k, f in entries if k != keys[0]), kv.rest_of(receiver))
        return None

    def _if(self, s: ast.If, env: dict[str, Flow]) -> tuple[dict[str, Flow], bool]:
        decided = self.fold(s.test, env)
        if decided is not kv.NOTHING:  # if 7 * 42 - num > 200: a branch that never runs adds nothing
            live, dead = (s.body, s.orelse) if decided else (s.orelse, s.body)
            self._block(dead, dict(env))
            return self._block(live, dict(env))
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
        # A `continue` leaves the body without reaching its end: what the body changes is not known at the top.
        changed = _changed_names(body)
        loop_env = {k: kv.plain(v) if k in changed else v for k, v in loop_env.items()}
        self._jumps.append(([], []))
        first, _ = self._block(body, loop_env)
        breaks, continues = self._jumps[-1]
        second, _ = self._block(body, self._join_envs([loop_env, first, *continues]))
        self._jumps.pop()
        out = self._join_envs([env, first, second, *breaks, *continues])
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

    def _match(self, s: ast.Match, env: dict[str, Flow]) -> tuple[dict[str, Flow], bool]:
        subject = self.fold(s.subject, env)
        outs: list[tuple[dict[str, Flow], bool]] = []
        chosen = False
        for case in s.cases:
            hit = None if subject is kv.NOTHING or case.guard is not None else kv.matches(case.pattern, subject)
            out = self._block(case.body, dict(env))
            if chosen or hit is False:
                continue  # never runs: analysed for its own statements only
            outs.append(out)
            chosen = hit is True
        live = [e for e, exits in outs if not exits]
        if chosen:
            return (self._join_envs(live), False) if live else (env, True)
        return self._join_envs([env, *live]), False

    @staticmethod
    def _join_envs(envs: Sequence[Mapping[str, Flow]]) -> dict[str, Flow]:
        keys: set[str] = set()
        for e in envs:
            keys.update(e)
        out: dict[str, Flow] = {}
        for k in keys:
            present = [e[k] for e in envs if k in e]
            # A name unbound on some path keeps what the other paths gave it.
            out[k] = kv.same(present)
        return out

    # ----- expressions ------------------------------------------------------------------------
    def _lookup(self, name: str, env: Env) -> Flow:
        flow = env.get(name)
        if flow is not None:
            return flow
        return self.ctx.module_constant(name) or UNKNOWN

    def eval(self, e: ast.expr, env: Env) -> Flow:
        if isinstance(e, ast.Constant):
            return kv.constant(e.value)
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
            folded = kv.fold_binary(e.op, kv.value_of(left), kv.value_of(right))
            if folded is not kv.NOTHING:
                return kv.constant(folded)
            if isinstance(e.op, ast.Mult) and any(isinstance(kv.value_of(f), str) for f in (left, right)):
                return Flow(Level.CONST, text=True)  # "\n" * count: the constant repeated, whatever the count
            flow = join((left, right))
            stringy = (left.text or right.text) and isinstance(e.op, ast.Add | ast.Mod)
            return Flow(flow.level, flow.built or (stringy and flow.dynamic), left.text or right.text, flow.origin)
        if isinstance(e, ast.Attribute):
            return self._attribute(e, env)
        if isinstance(e, ast.Subscript):
            return self._subscript(e, env)
        if isinstance(e, ast.Call):
            return self._call(e, env)
        if isinstance(e, ast.List | ast.Tuple) and not any(isinstance(x, ast.Starred) for x in e.elts):
            return kv.sequence([self.eval(x, env) for x in e.elts])
        if isinstance(e, ast.List | ast.Tuple | ast.Set):
            return kv.container(self.eval(x, env) for x in e.elts)
        if isinstance(e, ast.Dict):
            return self._dict(e, env)
        if isinstance(e, ast.IfExp):
            decided = self.fold(e.test, env)
            if decided is not kv.NOTHING:
                return self.eval(e.body if decided else e.orelse, env)
            body_env, else_env = self._guarded(e.test, env, True), self._guarded(e.test, env, False)
            return join((self.eval(e.body, body_env), self.eval(e.orelse, else_env)))
        if isinstance(e, ast.BoolOp):
            return self._boolop(e, env)
        if isinstance(e, ast.Compare):
            folded = kv.fold_compare(e.ops, [self.fold(x, env) for x in (e.left, *e.comparators)])
            return SAFE if folded is kv.NOTHING else kv.constant(folded)
        if isinstance(e, ast.UnaryOp):
            return self._unary(e, env)
        if isinstance(e, ast.Await | ast.Starred | ast.NamedExpr):
            return self.eval(e.value, env)
        if isinstance(e, ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp):
            return self._comprehension(e, env)
        return UNKNOWN

    def fold(self, e: ast.expr, env: Env) -> object:
        """The constant value of ``e`` when it is known (``kv.NOTHING`` otherwise)."""
        return kv.value_of(self.eval(e, env))

    def _subscript(self, e: ast.Subscript, env: Env) -> Flow:
        checked = env.get(field_key(e) or "")
        if checked is not None:
            return checked  # job["sha"] after re.fullmatch(..., job["sha"])
        base = self.eval(e.value, env)
        key = kv.constant_slice(e.slice, lambda k: self.fold(k, env))
        folded = kv.fold_subscript(kv.value_of(base), key)
        if folded is not kv.NOTHING:
            return kv.constant(folded)
        items, entries = kv.items_of(base), kv.entries_of(base)
        if items is not None and isinstance(key, slice):
            return kv.sequence(items[key])
        found = kv.index(items, key) if items is not None else None
        if found is None and entries is not None and key is not kv.NOTHING:
            found = kv.lookup(entries, key) or kv.rest_of(base)
        return found if found is not None else kv.plain(base)

    def _dict(self, e: ast.Dict, env: Env) -> Flow:
        keys = [self.fold(k, env) if k is not None else kv.NOTHING for k in e.keys]
        flows = [self.eval(v, env) for v in e.values]
        if kv.NOTHING in keys or not all(isinstance(k, str | int) for k in keys):
            return kv.container([*flows, *(self.eval(k, env) for k in e.keys if k is not None)])
        return kv.mapping(tuple(zip(keys, flows, strict=True)))

    def _boolop(self, e: ast.BoolOp, env: Env) -> Flow:
        flows = [self.eval(v, env) for v in e.values]
        if all(kv.known(f) for f in flows):  # `a and b` is one of its operands
            stop = (lambda v: not v) if isinstance(e.op, ast.And) else bool
            return next((f for f in flows if stop(kv.value_of(f))), flows[-1])
        return join(flows)

    def _unary(self, e: ast.UnaryOp, env: Env) -> Flow:
        operand = self.eval(e.operand, env)
        value = kv.value_of(operand)
        if isinstance(e.op, ast.Not):
            return SAFE if value is kv.NOTHING else kv.constant(not value)
        if isinstance(e.op, ast.USub) and isinstance(value, int | float):
            return kv.constant(-value)
        return kv.plain(operand)

    def _known_call(self, call: ast.Call, name: str, env: Env) -> Flow | None:
        """Calls whose result the values module knows: parsers, encoders, lookups in known containers."""
        args = _args_of(call)
        if name in kb.CONFIG_PARSERS:
            return kv.mapping((), UNKNOWN)
        if name in kb.ENCODERS and args:
            return kv.encoding(self.eval(args[0], env), SAFE)
        if name in kb.DECODERS and args:
            data = self.eval(args[0], env)
            return kv.encoded_of(data) or (CONST if data.level is Level.CONST else None)  # a constant decoded
        func = call.func
        if not isinstance(func, ast.Attribute) or args is None:
            return None
        receiver = self.eval(func.value, env)
        if func.attr in ("encode", "decode") and kv.encoded_of(receiver) is not None:
            return receiver  # the base64 text as bytes or str still decodes to the same value
        items, entries = kv.items_of(receiver), kv.entries_of(receiver)
        keys = [self.fold(a, env) for a in args]
        if items is not None and func.attr == "pop":
            return kv.index(items, keys[0] if args else -1)
        if entries is None or func.attr not in ("get", "pop") or not args or kv.NOTHING in keys:
            return None
        key = (keys[0], keys[1]) if len(args) >= 2 and kv.rest_of(receiver) is not None else keys[0]
        return kv.lookup(entries, key) or kv.rest_of(receiver)

    def _guarded(self, test: ast.expr, env: Env, when: bool) -> Env:
        """``env`` where ``test`` evaluates to ``when``: the names it proves safe marked so (``env`` itself when
        the test proves nothing, the common case)."""
        names = guarded_names(self.ctx, test, when)
        return {**env, **dict.fromkeys(names, SAFE)} if names else env

    def _comprehension(self, e: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp, env: Env) -> Flow:
        inner = dict(env)
        for gen in e.generators:
            self._bind(gen.target, self.eval(gen.iter, inner), inner)
            for test in gen.ifs:  # [c for c in cols if c in ALLOWED]
                inner.update(dict.fromkeys(guarded_names(self.ctx, test, True), SAFE))
        if isinstance(e, ast.DictComp):
            return join((self.eval(e.key, inner), self.eval(e.value, inner)))
        return self.eval(e.elt, inner)

    def _attribute(self, e: ast.Attribute, env: Env) -> Flow:
        qual = self.ctx.qualname(e)
        if qual in kb.OPERATOR_ATTRS:
            return operator_input(qual)
        if e.attr in kb.REQUEST_ATTRS and is_request_object(self.ctx, e.value, env):
            return tainted(f"request.{e.attr}")
        if e.attr in kb.SOURCE_SELF_ATTRS and isinstance(e.value, ast.Name) and e.value.id == "self":
            return tainted(f"self.{e.attr}")
        if e.attr in kb.NUMERIC_ATTRS:
            return SAFE  # upload.size, request.content_length, show.pk: numbers
        base = self.eval(e.value, env)
        return Flow(base.level, False, False, base.origin)

    def _call(self, call: ast.Call, env: Env) -> Flow:
        name = self.ctx.call_name(call)
        func = call.func
        if name in kb.OPERATOR_CALLS:
            return operator_input(f"{name}()")
        if isinstance(func, ast.Attribute) and func.attr in kb.OPERATOR_PARSE_METHODS:
            return operator_input("command-line arguments")
        shaped = self._known_call(call, name, env)
        if shaped is not None:
            return shaped
        last = name.rsplit(".", 1)[-1]
        if name in kb.HTML_ESCAPERS or kb.HTML_ESCAPER_NAME.match(last):
            if not self.unescaped:
                return SAFE
            return join(self.eval(a, env) for a in [*call.args, *(k.value for k in call.keywords)][:1])
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
            if receiver.tainted and func.attr == "get" and (_safe_type_kwarg(call) or field_key(call) in env):
                return SAFE
            if func.attr in ("format", "join", "format_map") and (receiver.text or receiver.built):
                flow = join((receiver, *args, *kwargs))
                built = flow.built or any(a.dynamic for a in (*args, *kwargs))
                return Flow(flow.level, built, True, flow.origin)
            if func.attr in _RECEIVER_ONLY_METHODS:  # d.get(key) is d's value, not the key
                return Flow(receiver.level, receiver.built, receiver.text, receiver.origin)
            if func.attr in _MODEL_PARSERS and args:  # Order.model_validate_json(body): the body's fields
                flow = join(args)
                return Flow(flow.level, False, False, flow.origin)
            if (
                not receiver.external
                and kb.LOOKUP_METHOD.match(func.attr)
                and name.split(".")[0] not in kb.HTTP_CLIENTS
            ):
                return UNKNOWN  # users.find_one(user_id): the stored record, not the key
            if receiver.external or func.attr in _PROPAGATING_METHODS:
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
                if any(a.external for a in args):
                    arg = max((a for a in args if a.external), key=lambda a: a.level)
                    level = arg.level if with_tainted.tainted else with_tainted.level  # operator input stays so
                    return Flow(level, with_tainted.built, with_tainted.text, arg.origin or base.origin)
                return base if base.level != Level.CONST or base.text else UNKNOWN
        if last in kb.LOOKUPS:
            return UNKNOWN
        args = [self.eval(a, env) for a in [*call.args, *(k.value for k in call.keywords)]]
        if not args:
            return UNKNOWN
        flow = join(args)
        if name in _TEXT_OF_ARGUMENTS:
            return flow
        return Flow(max(flow.level, Level.UNKNOWN), flow.built, False, flow.origin)


# Class methods that build a typed model from raw data (pydantic, TypeAdapter): its text fields are that data.
_MODEL_PARSERS = frozenset(
    {"model_validate", "model_validate_json", "model_validate_strings", "parse_obj", "parse_raw",
     "validate_python", "validate_json"}
)  # fmt: skip

# Functions whose result is text made only of their arguments: a constant stays a constant.
_TEXT_OF_ARGUMENTS = frozenset(
    {"str", "repr", "format", "textwrap.dedent", "textwrap.indent", "textwrap.fill", "inspect.cleandoc"}
)


def _opened(path: Flow) -> Flow:
    """A file's content: not its name's taint (a server's own file), but the operator's when they chose the file."""
    return operator_input(f"a file named by {path.origin}") if path.operator else UNKNOWN


def _changed_names(body: list[ast.stmt]) -> set[str]:
    """Names a body assigns, or whose methods it calls (``lst.append(x)``)."""
    found: set[str] = set()
    for stmt in body:
        for n in ast.walk(stmt):
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
                found.add(n.id)
            elif isinstance(n, ast.Attribute | ast.Subscript) and isinstance(n.value, ast.Name):
                found.add(n.value.id)
    return found


def _args_of(call: ast.Call) -> list[ast.expr] | None:
    if call.keywords or any(isinstance(a, ast.Starred) for a in call.args):
        return None
    return call.args


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


__all__ = ["CONST", "SAFE", "UNKNOWN", "Flow", "FunctionTaint", "Level", "guarded_names", "join", "tainted"]
