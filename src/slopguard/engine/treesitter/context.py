"""Everything a tree-sitter rule may ask about its file: node text, call names, arguments, taint."""

from __future__ import annotations

import re

from tree_sitter import Node, Tree

from slopguard.engine.budget import check as check_budget
from slopguard.engine.flow import CONST, CONST_TEXT, SAFE, UNKNOWN, Flow, Level, join, operator_input, tainted
from slopguard.engine.hit import Hit
from slopguard.engine.languages import taint_spec
from slopguard.engine.memo import Memo
from slopguard.engine.treesitter.callees import Callees
from slopguard.engine.treesitter.containers import ABSENT, read_at_constant
from slopguard.engine.treesitter.folding import LOOPS, UNKNOWN_VALUE, Folder, Value
from slopguard.engine.treesitter.js_values import (
    callback_parameters,
    element_callback,
    sized,
    strips_to_word_characters,
)
from slopguard.engine.treesitter.reaching import Definition, Definitions, reaching
from slopguard.engine.treesitter.spec import Binding, LanguageSpec
from slopguard.engine.treesitter.syntax import FILLED, Syntax

_LITERALS = frozenset(
    {
        "number", "integer_literal", "decimal_integer_literal", "hex_integer_literal", "float_literal",
        "decimal_floating_point_literal", "int_literal", "number_literal", "true", "false", "null", "nil",
        "undefined", "boolean_literal", "null_literal", "boolean", "none",
    }
)  # fmt: skip
_CONTAINERS = frozenset(
    {"array", "object", "array_initializer", "composite_literal", "literal_value", "initializer_list", "pair",
     "array_expression", "tuple_expression", "struct_expression", "field_initializer_list", "spread_element"}
)  # fmt: skip
_CONDITIONALS = frozenset({"ternary_expression", "conditional_expression", "if_expression"})
_COMPARISONS = frozenset({"==", "!=", "===", "!==", "<", ">", "<=", ">=", "instanceof", "in", "&&"})
_MAX_DEPTH = 60
_INLINE_ARG = re.compile(r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)(?::[^}]*)?\}")
_CONSTANT_DECLARATION = re.compile(rb"^(?:[^=]*\b(?:final|const)\b)")
# Methods that look a record up by key: ``sessions.get(token)``, ``User.findById(id)``, ``cache.Get(k)``. What they
# return is the server's record, not the attacker's key (unless the receiver is itself request data).
_LOOKUP_METHOD = re.compile(
    r"^(?:get|fetch|find|lookup|retrieve)(?:One|First|Unique|ById|ByPk|ByKey|OrNull|OrDefault)?$", re.IGNORECASE
)


_UNSEEN = object()
# Definition values one file may derive with full loop iteration. Ordinary files need a few thousand; files with
# dozens of mutually dependent loop variables (generated parsers, bundler internals) would need millions.
_WORK_LIMIT = 20_000


def _scope_key(node: Node | None) -> int:
    return -1 if node is None else node.id


class TSContext(Syntax, Memo):
    """One parsed file in a tree-sitter language."""

    def __init__(self, path: str, language: str, grammar: str, source: bytes, tree: Tree) -> None:
        self.path = path
        self.language = language
        self.grammar = grammar
        self.source = source
        self.tree = tree
        self.spec: LanguageSpec = taint_spec(grammar)
        self._envs: dict[int, dict[str, Flow]] = {}
        self._computing: set[int] = set()
        self.folder = Folder(source, self._constant_at, truncating_division=self.spec.name != "javascript")
        self._definitions: dict[int, Definitions] = {}
        self._def_flows: dict[int, dict[tuple[int, str], Flow]] = {}  # by function
        self._summaries: dict[tuple[int, tuple[Flow, ...]], Flow] = {}
        self._summarizing: set[int] = set()
        self._callees: Callees | None = None
        self._pending: dict[tuple[int, str], Flow] = {}
        self._cycles: set[tuple[int, str]] = set()
        # Values of definitions that depend on loops still being solved (the pending keys they read), dropped when
        # one of those loops' value so far changes.
        self._provisional: dict[tuple[int, str], tuple[Flow, frozenset[tuple[int, str]]]] = {}
        self._sources_at: dict[int, Flow | None] = {}
        self._work = 0  # definition values derived so far (see _WORK_LIMIT)
        self._params: dict[int, dict[str, Flow]] = {}
        self._reads: dict[int, Node | object | None] = {}
        self._top: list[tuple[Binding, Node, Node, Node]] | None = None

    # ----- findings ------------------------------------------------------------------------------
    def hit(self, node: Node, message: str, **overrides: object) -> Hit:
        (row, col), (end_row, end_col) = node.start_point, node.end_point
        return Hit(row + 1, col + 1, end_row + 1, end_col + 1, message, **overrides)  # type: ignore[arg-type]

    # ----- taint --------------------------------------------------------------------------------
    def flow(self, node: Node) -> Flow:
        """What is known about the value of ``node`` (attacker-controlled, assembled, constant ...)."""
        return self._eval(node, 0)

    def tainted(self, node: Node) -> Flow | None:
        flow = self.flow(node)
        return flow if flow.tainted else None

    def _eval(self, node: Node, depth: int) -> Flow:
        check_budget()
        if depth > _MAX_DEPTH:
            return UNKNOWN
        spec, kind = self.spec, node.type
        if kind in spec.strings:
            return CONST_TEXT
        if kind in _LITERALS:
            return CONST
        if kind in spec.templates:
            subs = [c for c in node.named_children if c.type == spec.templates[kind]]
            flow = join(self._eval(s.named_children[0], depth + 1) for s in subs if s.named_children)
            return Flow(flow.level, flow.built or flow.dynamic, True, flow.origin)
        if kind in spec.identifiers:
            name = self.text(node)
            found = spec.sources.match(name)  # argv, optarg: a global that is itself input
            source = self._source(name, found, name) if found is not None else None
            return source if source is not None else self._lookup(name, node)
        if kind in spec.wrappers:
            inner = node.named_children
            if not inner:
                return UNKNOWN
            # `x as T` / `x satisfies T` put the value first; `<T>x`, casts and `await x` put it last.
            first = kind in ("as_expression", "satisfies_expression", "non_null_expression")
            return self._eval(inner[0] if first else inner[-1], depth + 1)
        if kind in spec.members:
            source = self._source_in(node, False)
            if source is not None:
                return source
            obj = node.child_by_field_name(spec.members[kind]) if not spec.members[kind].isdigit() else None
            obj = obj or (node.named_children[0] if node.named_children else None)
            prop = node.child_by_field_name("property") if spec.name == "javascript" else None
            if obj is not None and prop is not None and self.text(prop) == "length" and self._sized(obj):
                return SAFE  # a count: `${values.length + 1}`
            base = self._eval(obj, depth + 1) if obj is not None else UNKNOWN
            return Flow(base.level, False, False, base.origin)
        if kind in spec.calls:
            return self._call(node, depth)
        if kind == "binary_expression":
            return self._binary(node, depth)
        if kind in _CONTAINERS:
            members = node.named_children
            key = node.child_by_field_name("key") if kind == "pair" else None
            if key is not None and key.type != "computed_property_name":
                members = [m for m in members if m.id != key.id]  # JavaScript `{ price: v }`: the key is a name
            flow = join(self._eval(c, depth + 1) for c in members)
            return Flow(flow.level, flow.built, False, flow.origin)
        if kind in _CONDITIONALS:
            taken = self.folder.taken(node)
            fields = ("consequence", "alternative") if taken is None else ("consequence" if taken else "alternative",)
            parts = [node.child_by_field_name(f) for f in fields]
            return join(self._eval(p, depth + 1) for p in parts if p is not None)
        if kind in ("assignment_expression", "augmented_assignment_expression"):
            right = node.child_by_field_name("right")
            return self._eval(right, depth + 1) if right is not None else UNKNOWN
        return UNKNOWN

    def _source_in(self, node: Node, call: bool) -> Flow | None:
        """The source a member expression or call reads (``req.query.id``, ``request.getParameter(...)``), if any;
        kept per node, since a large call's text is searched again each time a value flowing through it is."""
        known = self._sources_at.get(node.id, _UNSEEN)
        if known is not _UNSEEN:
            return known  # type: ignore[return-value]
        text = self.compact(node)
        found = self._source(text, self.spec.sources.search(text), text[:60] if call else text)
        self._sources_at[node.id] = found
        return found

    def _source(self, text: str, found: re.Match[str] | None, origin: str) -> Flow | None:
        """The flow of a source: operator input when what matched is the command line, the environment or the
        terminal (``process.argv``, ``os.Getenv``, ``argv``), attacker-controlled otherwise."""
        operator = self.spec.operator_sources
        if found is None:
            return operator_input(origin) if operator.match(text) else None
        return operator_input(origin) if operator.match(text[found.start() :]) else tainted(origin)

    def _binary(self, node: Node, depth: int) -> Flow:
        operator = node.child_by_field_name("operator")
        op = operator.type if operator is not None else ""
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        if left is None or right is None:
            return UNKNOWN
        if op in _COMPARISONS:
            return SAFE
        lf, rf = self._eval(left, depth + 1), self._eval(right, depth + 1)
        flow = join((lf, rf))
        stringy = op == "+" and (lf.text or rf.text or lf.built or rf.built)
        return Flow(flow.level, flow.built or bool(stringy and flow.dynamic), bool(stringy), flow.origin)

    def _call(self, node: Node, depth: int) -> Flow:
        spec = self.spec
        name = self.call_name(node)
        if spec.sanitizers.search(name):  # atoi(getenv("N")), Integer.parseInt(request.getParameter("id"))
            return SAFE
        if spec.name == "javascript" and strips_to_word_characters(name, self.arguments(node), self.text):
            return SAFE
        source = self._source_in(node, True)
        if source is not None:
            return source
        arguments = self.arguments(node)
        args = [self._eval(a, depth + 1) for a in arguments]
        if node.type == "macro_invocation":  # format!("... {name}") captures `name` from the scope
            for literal in (a for a in arguments if a.type in spec.strings):
                args += [self._lookup(m, node) for m in _INLINE_ARG.findall(self.text(literal))]
        returned = self._returned(node, arguments, args)
        if returned is not None:  # a helper defined in this file: what it returns for these arguments
            return returned
        callback = element_callback(node, name.rsplit(".", 1)[-1], arguments) if spec.name == "javascript" else None
        mapped = self._mapped(node, callback, depth) if callback is not None else None
        if mapped is not None:  # keys.map((k) => COLUMNS[k]): what the callback makes of each element
            return mapped
        stored = self._stored(node)
        if stored is not None:  # map.get("keyA") after map.put("keyA", "safe")
            return CONST if stored is ABSENT else self._eval(stored, depth + 1)  # type: ignore[arg-type]
        receiver = self._receiver(node, depth)
        if not receiver.external and self._looked_up(node, name):
            return UNKNOWN
        if spec.formatters.search(name):
            flow = join((receiver, *args))
            textual = receiver.text or any(a.text or a.built for a in args)
            return Flow(flow.level, flow.built or bool(textual and flow.dynamic), True, flow.origin)
        if receiver.external:
            return Flow(receiver.level, receiver.built, receiver.text, receiver.origin)
        flow = join(args)
        return Flow(max(flow.level, Level.UNKNOWN), False, False, flow.origin) if args else UNKNOWN

    def _looked_up(self, call: Node, name: str) -> bool:
        """``sessions.get(req.cookies.token)``: a method call that reads a record by key (see ``_LOOKUP_METHOD``)."""
        method = re.split(r"\.|::", name)[-1]
        if not _LOOKUP_METHOD.match(method) or self.spec.requests.search(name):
            return False
        if call.type == "method_invocation":
            return call.child_by_field_name("object") is not None
        fields = self.spec.calls.get(call.type)
        callee = call.child_by_field_name(fields[0]) if fields and fields[0] else None
        return callee is not None and callee.type in self.spec.members

    def _receiver(self, call: Node, depth: int) -> Flow:
        if call.type == "method_invocation":
            obj = call.child_by_field_name("object")
            return self._eval(obj, depth + 1) if obj is not None else UNKNOWN
        fields = self.spec.calls.get(call.type)
        callee = call.child_by_field_name(fields[0]) if fields and fields[0] else None
        if callee is not None and callee.type in self.spec.members:
            obj = callee.child_by_field_name(self.spec.members[callee.type])
            if obj is not None and obj.type in self.spec.identifiers and not self._bound(self.text(obj), obj):
                return CONST  # a package, class or global object (fmt.Sprintf, strings.Join, JSON.stringify)
            return self._eval(obj, depth + 1) if obj is not None else UNKNOWN
        return CONST

    def _bound(self, name: str, at: Node) -> bool:
        scope = self.function_of(at)
        while True:
            if scope is not None and self._is_local(name, scope):
                return True
            if scope is None:
                return name in self._env(scope)
            scope = self.function_of(scope)

    def _returned(self, call: Node, arguments: list[Node], args: list[Flow]) -> Flow | None:
        """What a function of this file returns when called with these argument values."""
        callee = self._function_callees().resolve(call, len(arguments))
        if callee is None:
            return None
        names = [name for name, _ in self._parameters(callee)]
        return self._summary(callee, dict(zip(names, args, strict=True))) if len(names) == len(args) else None

    def _mapped(self, call: Node, callback: Node, depth: int) -> Flow | None:
        """JavaScript ``xs.map((x, i) => ...)``: what the callback returns, its first parameter holding an
        element of the receiver and its second an index."""
        element = self._receiver(call, depth)
        bound: dict[str, Flow] = {}
        for index, param in enumerate(callback_parameters(callback)[:3]):
            flow = CONST if index == 1 else Flow(element.level, element.built, False, element.origin)
            bound.update(dict.fromkeys(self._names(param), flow))
        return self._summary(callback, bound)

    def _function_callees(self) -> Callees:
        if self._callees is None:
            self._callees = Callees(self.tree.root_node, self.spec, self.text)
        return self._callees

    def _summary(self, callee: Node, bound: dict[str, Flow]) -> Flow | None:
        """What ``callee`` returns when its parameters hold ``bound``."""
        if callee.id in self._summarizing:
            return None
        key = (callee.id, tuple(bound.values()))
        if key in self._summaries:
            return self._summaries[key]
        returns = self._function_callees().returned(callee)
        if not returns:
            return None
        saved = (self._params.get(callee.id), self._def_flows.pop(callee.id, None), self._envs.pop(callee.id, None))
        self._params[callee.id] = bound
        self._summarizing.add(callee.id)
        provisional, self._provisional = self._provisional, {}  # values under these parameters stay here
        try:
            flow = join(self._eval(r, 1) for r in returns)
        finally:
            self._provisional = provisional
            self._summarizing.discard(callee.id)
            self._def_flows.pop(callee.id, None)
            self._envs.pop(callee.id, None)
            params, defs, env = saved
            if params is not None:
                self._params[callee.id] = params
            else:
                self._params.pop(callee.id, None)
            if defs is not None:
                self._def_flows[callee.id] = defs
            if env is not None:
                self._envs[callee.id] = env
        self._summaries[key] = flow
        return flow

    def _sized(self, obj: Node) -> bool:
        """JavaScript: ``obj`` is an array or a string (a literal, ``keys.map(...)``, or a local only ever
        assigned one and grown in place), so its ``length`` is a number."""
        if self.spec.name != "javascript":
            return False
        if obj.type not in self.spec.identifiers:
            return sized(obj, self.text)
        scope = self.function_of(obj)
        found = self._definitions_of(scope).by_name.get(self.text(obj), []) if scope is not None else []
        # values.push(x) / s += x keep an array or a string one
        sizes = [sized(d.value, self.text) if d.kills else d.augmented for d in found]
        return any(d.kills for d in found) and all(sizes)

    def _stored(self, call: Node) -> Node | object | None:
        """What ``map.get("k")`` / ``list.get(1)`` reads when the container's whole life is visible."""
        if call.id not in self._reads:
            scope = self.function_of(call)
            found = None if scope is None else read_at_constant(call, scope, self._method_parts, self.folder, self.text)
            self._reads[call.id] = found
        return self._reads[call.id]

    # ----- scopes -------------------------------------------------------------------------------
    def _lookup(self, name: str, at: Node) -> Flow:
        scope = self.function_of(at)
        if scope is not None and self._is_local(name, scope):
            return self._reaching_flow(name, at, scope)
        while True:
            env = self._env(scope)
            if name in env:
                return env[name]
            if scope is None:
                return UNKNOWN
            scope = self.function_of(scope)

    # ----- flow-sensitive locals ---------------------------------------------------------------
    def _is_local(self, name: str, scope: Node) -> bool:
        defs = self._definitions_of(scope)
        return name in defs.by_name or name in defs.declared or name in self._parameter_flows(scope)

    def _reaching_flow(self, name: str, at: Node, scope: Node) -> Flow:
        """The value of a local at ``at``: the definitions that reach it, or its value on entry."""
        defs = self._definitions_of(scope)
        found, entry = reaching(defs, name, at, self.folder)
        flows = [self._definition_flow(d) for d in found]
        if entry:
            params = self._parameter_flows(scope)
            if name in params:
                flows.append(params[name])
            elif name not in defs.declared:  # a closure's variable or a field assigned here
                outer = self.function_of(scope)
                while True:
                    env = self._env(outer)
                    if name in env or outer is None:
                        flows.append(env.get(name, UNKNOWN))
                        break
                    outer = self.function_of(outer)
        return join(flows)

    def _definitions_of(self, scope: Node) -> Definitions:
        found = self._definitions.get(scope.id)
        if found is not None:
            return found
        defs = Definitions(scope)
        for binding, anchor, target, value in self._bindings(scope):
            plain = target.type in self.spec.identifiers
            operator = anchor.child_by_field_name("operator")
            augmented = binding.augmented and (operator is None or self.text(operator) != "=")
            for name in self._names(target):
                kills = plain and not augmented and anchor.type not in LOOPS
                defs.add(Definition(name, scope.id, binding, anchor, value, kills, augmented))
        defs.declared = self._declared(scope)
        defs.seal()
        self._definitions[scope.id] = defs
        defs.prune(self.folder)  # folding may look names up: the unpruned (wider) list answers meanwhile
        for found_defs in defs.ordered():  # oldest first: later definitions find earlier ones computed
            self._definition_flow(found_defs)
        return defs

    def _parameter_flows(self, scope: Node) -> dict[str, Flow]:
        found = self._params.get(scope.id)
        if found is None:
            found = self._params[scope.id] = dict(self._parameters(scope))
        return found

    def _definition_flow(self, definition: Definition) -> Flow:
        """The value a definition assigns (for ``+=``/``append``: the old value joined with the new piece)."""
        key = (definition.anchor.id, definition.name)
        memo = self._def_flows.setdefault(definition.scope, {})
        done = memo.get(key)
        if done is not None:
            return done
        if key in self._pending:  # a loop: the value so far
            self._cycles.add(key)
            return self._pending[key]
        provisional = self._provisional.get(key)
        if provisional is not None:
            # Computed while the loops it reads still had these values so far: the same answer again (re-deriving
            # it for every use inside a loop grows exponentially with the nesting of loops).
            self._cycles |= {k for k in provisional[1] if k in self._pending}
            return provisional[0]
        self._work += 1
        bounded = self._work > _WORK_LIMIT
        # Past the file's work limit, a loop's value is taken from one pass that reads the loop's own earlier
        # value as unknown (not as a constant): a bounded, still conservative answer instead of a timeout.
        self._pending[key] = UNKNOWN if bounded else CONST
        outer_cycles, flow = self._cycles, CONST
        for _ in range(1 if bounded else 3):
            self._cycles = set()
            flow = self._assigned(definition)
            if key not in self._cycles or flow == self._pending[key]:
                break
            self._pending[key] = flow
            self._forget_readers_of(key)  # what they read as the value so far is stale
        open_cycles = self._cycles - {key}
        del self._pending[key]
        if bounded:
            flow = join((flow, UNKNOWN)) if key in self._cycles else flow
            memo[key] = flow
            open_cycles = set()
        elif open_cycles:
            self._provisional[key] = (flow, frozenset(open_cycles))
        else:
            memo[key] = flow
        self._cycles = outer_cycles | open_cycles
        return flow

    def _forget_readers_of(self, key: tuple[int, str]) -> None:
        stale = [k for k, (_, reads) in self._provisional.items() if key in reads]
        for k in stale:
            del self._provisional[k]

    def _assigned(self, definition: Definition) -> Flow:
        filled = definition.binding is FILLED
        flow = self._filled_flow(definition.value) if filled else self._eval(definition.value, 1)
        if not definition.augmented:
            return flow
        old = self._lookup(definition.name, definition.anchor)
        new = join((old, flow))
        if (old.text or flow.text) and flow.dynamic:
            new = Flow(new.level, True, True, new.origin)
        return new

    def _filled_flow(self, call: Node) -> Flow:
        """What ``Decode(&in)`` / ``c.ShouldBindJSON(&in)`` writes: request data for a binder, else what the
        filler reads (its receiver and the arguments not passed by address)."""
        if self.spec.binders.search(self.call_name(call)):
            return tainted(self.compact(call)[:60])
        inputs = [a for a in self.arguments(call) if not self.text(a).startswith("&")]
        return join((self._receiver(call, 1), *(self._eval(a, 1) for a in inputs)))

    def _constant_at(self, node: Node) -> Value:
        """The constant value of the name ``node`` at that point, for folding conditions and keys."""
        name, scope = self.text(node), self.function_of(node)
        if scope is None or not self._is_local(name, scope):
            return self._constant_field(name)
        values = self._local_values(name, node, scope)
        if not values:
            return UNKNOWN_VALUE
        first = values[0]
        same = all(type(v) is type(first) and v == first for v in values)
        return first if same else UNKNOWN_VALUE

    def possible_values(self, node: Node) -> list[Value]:
        """The constants ``node`` may hold (``a1`` after ``if (win) a1 = "cmd.exe"; else a1 = "sh";``), or []."""
        value = self.folder.fold(node)
        if value is not UNKNOWN_VALUE:
            return [value]
        scope = self.function_of(node)
        if node.type not in self.spec.identifiers or scope is None or not self._is_local(self.text(node), scope):
            return []
        return self._local_values(self.text(node), node, scope)

    def _local_values(self, name: str, at: Node, scope: Node) -> list[Value]:
        defs = self._definitions_of(scope)
        found, entry = reaching(defs, name, at, self.folder)
        if (entry and name not in defs.declared) or not found or any(d.augmented for d in found):
            return []
        values = [self.folder.fold(d.value) for d in found]
        return [] if any(v is UNKNOWN_VALUE for v in values) else values

    def _constant_field(self, name: str) -> Value:
        """A ``final``/``const`` declared once outside any function (``static final int LIMIT = 10``)."""
        found = [b for b in self._top_bindings() if name in self._names(b[2])]
        if len(found) != 1 or found[0][2].type not in self.spec.identifiers:
            return UNKNOWN_VALUE
        anchor = found[0][1]
        declaration = anchor.parent.text if anchor.parent is not None else b""
        if declaration is None or not _CONSTANT_DECLARATION.search(declaration):
            return UNKNOWN_VALUE
        return self.folder.fold(found[0][3])

    def _top_bindings(self) -> list[tuple[Binding, Node, Node, Node]]:
        if self._top is None:
            self._top = self._bindings(self.tree.root_node)
        return self._top

    def _env(self, scope: Node | None) -> dict[str, Flow]:
        """Every name of a scope with all its values joined: what a nested function sees of it."""
        key = _scope_key(scope)
        found = self._envs.get(key)
        if found is not None:
            return found
        if scope is not None:
            if key in self._computing:
                return {}
            self._computing.add(key)
            env: dict[str, Flow]
            try:
                env = dict(self._parameter_flows(scope))
                for name, defs in self._definitions_of(scope).by_name.items():
                    flows = [self._definition_flow(d) for d in defs]
                    env[name] = join([*flows, env[name]] if name in env else flows)
            finally:
                self._computing.discard(key)
            self._envs[key] = env
            return env
        if key in self._computing:
            return {}
        self._computing.add(key)
        env = {}
        self._envs[key] = env
        try:
            bindings = self._bindings(self.tree.root_node)
            for _ in range(3):  # flow-insensitive: iterate to a fixpoint
                changed = False
                for binding, _anchor, target, value in bindings:
                    flow = self._eval(value, 1)
                    for name in self._names(target):
                        old = env.get(name)
                        new = join((old, flow)) if old is not None and (binding.augmented or old.tainted) else flow
                        if binding.augmented and old is not None and (old.text or flow.text) and flow.dynamic:
                            new = Flow(new.level, True, True, new.origin)
                        if old != new:
                            env[name] = new
                            changed = True
                if not changed:
                    break
        finally:
            self._computing.discard(key)
        return env

    def _parameter_source(self, name: str) -> Flow:
        origin = f"parameter '{name}'"
        return operator_input(origin) if self.spec.operator_sources.match(name) else tainted(origin)

    def _parameters(self, scope: Node) -> list[tuple[str, Flow]]:
        params = scope.child_by_field_name("parameters") or self._find_parameters(scope)
        if params is None:
            return []
        out: list[tuple[str, Flow]] = []
        children = params.named_children if params.type in self.spec.parameters else [params]
        entry = self.spec.entry_parameters(scope, self.text) if self.spec.entry_parameters else frozenset()
        for index, param in enumerate(children):
            names = self._names(param)
            if index in entry or self.spec.tainted_parameter.search(self.text(param)):
                out += [(name, self._parameter_source(name)) for name in names]
            else:
                out += [(name, UNKNOWN) for name in names]
        return out


__all__ = ["CONST", "TSContext"]
