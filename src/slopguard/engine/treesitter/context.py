"""Everything a tree-sitter rule may ask about its file: node text, call names, arguments, taint."""

from __future__ import annotations

import re

from tree_sitter import Node, Tree

from slopguard.engine.flow import CONST, CONST_TEXT, SAFE, UNKNOWN, Flow, Level, join, tainted
from slopguard.engine.hit import Hit
from slopguard.engine.languages import taint_spec
from slopguard.engine.memo import Memo
from slopguard.engine.treesitter.spec import Binding, LanguageSpec

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
# Methods that add their argument to the receiver (string builders, lists, buffers).
_GROWERS = frozenset(
    {"append", "add", "push", "put", "insert", "addAll", "extend", "write", "push_str", "concat", "WriteString",
     "WriteByte", "WriteRune", "Write"}
)  # fmt: skip
_INLINE_ARG = re.compile(r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)(?::[^}]*)?\}")
_APPEND = Binding("<append>", "", "", augmented=True)


def _scope_key(node: Node | None) -> int:
    return -1 if node is None else node.id


class TSContext(Memo):
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

    # ----- text and structure ------------------------------------------------------------------
    def text(self, node: Node | None) -> str:
        if node is None:
            return ""
        return self.source[node.start_byte : node.end_byte].decode("utf-8", "replace")

    def compact(self, node: Node | None) -> str:
        """The node's text without whitespace (``db .query`` -> ``db.query``)."""
        return "".join(self.text(node).split())

    def call_name(self, call: Node) -> str:
        """``db.query``, ``request.getParameter``, ``fmt.Sprintf``, ``format`` (macro), ``strcpy``."""
        fields = self.spec.calls.get(call.type)
        if fields is None:
            return ""
        callee = call.child_by_field_name(fields[0])
        if call.type == "method_invocation":
            obj = call.child_by_field_name("object")
            return f"{self.compact(obj)}.{self.text(callee)}" if obj is not None else self.text(callee)
        return self.compact(callee).split("<")[0].removesuffix("::")

    def arguments(self, call: Node) -> list[Node]:
        fields = self.spec.calls.get(call.type)
        if fields is None:
            return []
        if call.type == "macro_invocation":
            tree = next((c for c in call.named_children if c.type == "token_tree"), None)
            if tree is None:
                return []
            out: list[Node] = []
            previous = ""
            for child in tree.children:
                # `user.name`, `x.len()`, `Type::CONST`: only the first segment is a value of its own
                if child.is_named and child.type != "comment" and previous not in (".", "::"):
                    out.append(child)
                previous = child.type
            return out
        args = call.child_by_field_name(fields[1]) if fields[1] else None
        return [c for c in args.named_children if c.type != "comment"] if args is not None else []

    def function_of(self, node: Node) -> Node | None:
        parent = node.parent
        while parent is not None and parent.type not in self.spec.functions:
            parent = parent.parent
        return parent

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
            if spec.sources.match(name):  # argv, optarg: a global that is itself input
                return tainted(name)
            return self._lookup(name, node)
        if kind in spec.wrappers:
            inner = node.named_children
            if not inner:
                return UNKNOWN
            # `x as T` / `x satisfies T` put the value first; `<T>x`, casts and `await x` put it last.
            first = kind in ("as_expression", "satisfies_expression", "non_null_expression")
            return self._eval(inner[0] if first else inner[-1], depth + 1)
        if kind in spec.members:
            text = self.compact(node)
            if spec.sources.search(text):
                return tainted(text)
            obj = node.child_by_field_name(spec.members[kind]) if not spec.members[kind].isdigit() else None
            obj = obj or (node.named_children[0] if node.named_children else None)
            base = self._eval(obj, depth + 1) if obj is not None else UNKNOWN
            return Flow(base.level, False, False, base.origin)
        if kind in spec.calls:
            return self._call(node, depth)
        if kind == "binary_expression":
            return self._binary(node, depth)
        if kind in _CONTAINERS:
            flow = join(self._eval(c, depth + 1) for c in node.named_children)
            return Flow(flow.level, flow.built, False, flow.origin)
        if kind in _CONDITIONALS:
            parts = [node.child_by_field_name(f) for f in ("consequence", "alternative")]
            return join(self._eval(p, depth + 1) for p in parts if p is not None)
        if kind in ("assignment_expression", "augmented_assignment_expression"):
            right = node.child_by_field_name("right")
            return self._eval(right, depth + 1) if right is not None else UNKNOWN
        return UNKNOWN

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
        text = self.compact(node)
        name = self.call_name(node)
        if spec.sanitizers.search(name):  # atoi(getenv("N")), Integer.parseInt(request.getParameter("id"))
            return SAFE
        if spec.sources.search(text):
            return tainted(text[:60])
        arguments = self.arguments(node)
        args = [self._eval(a, depth + 1) for a in arguments]
        if node.type == "macro_invocation":  # format!("... {name}") captures `name` from the scope
            for literal in (a for a in arguments if a.type in spec.strings):
                args += [self._lookup(m, node) for m in _INLINE_ARG.findall(self.text(literal))]
        receiver = self._receiver(node, depth)
        if spec.formatters.search(name):
            flow = join((receiver, *args))
            textual = receiver.text or any(a.text or a.built for a in args)
            return Flow(flow.level, flow.built or bool(textual and flow.dynamic), True, flow.origin)
        if receiver.tainted:
            return Flow(receiver.level, receiver.built, receiver.text, receiver.origin)
        flow = join(args)
        return Flow(max(flow.level, Level.UNKNOWN), False, False, flow.origin) if args else UNKNOWN

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
            if name in self._env(scope):
                return True
            if scope is None:
                return False
            scope = self.function_of(scope)

    # ----- scopes -------------------------------------------------------------------------------
    def _lookup(self, name: str, at: Node) -> Flow:
        scope = self.function_of(at)
        while True:
            env = self._env(scope)
            if name in env:
                return env[name]
            if scope is None:
                return UNKNOWN
            scope = self.function_of(scope)

    def _env(self, scope: Node | None) -> dict[str, Flow]:
        key = _scope_key(scope)
        found = self._envs.get(key)
        if found is not None:
            return found
        if key in self._computing:
            return {}
        self._computing.add(key)
        env: dict[str, Flow] = {}
        self._envs[key] = env
        try:
            root = scope if scope is not None else self.tree.root_node
            if scope is not None:
                for name, flow in self._parameters(scope):
                    env[name] = flow
            bindings = list(self._bindings(root, scope is not None))
            for _ in range(3):  # flow-insensitive: iterate to a fixpoint
                changed = False
                for binding, target, value in bindings:
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

    def _parameters(self, scope: Node) -> list[tuple[str, Flow]]:
        params = scope.child_by_field_name("parameters") or self._find_parameters(scope)
        if params is None:
            return []
        out: list[tuple[str, Flow]] = []
        children = params.named_children if params.type in self.spec.parameters else [params]
        for param in children:
            names = self._names(param)
            if self.spec.tainted_parameter.search(self.text(param)):
                out += [(name, tainted(f"parameter '{name}'")) for name in names]
            else:
                out += [(name, UNKNOWN) for name in names]
        return out

    def _find_parameters(self, scope: Node) -> Node | None:
        """The parameter list outside the body: C/C++ keep it inside (pointer) function declarators."""
        body = scope.child_by_field_name("body")
        stack = [c for c in scope.named_children if body is None or c.id != body.id]
        depth = 0
        while stack and depth < 5:
            depth += 1
            nxt: list[Node] = []
            for node in stack:
                if node.type in self.spec.parameters:
                    return node
                nxt += node.named_children
            stack = nxt
        return None

    def _bindings(self, root: Node, inside_function: bool) -> list[tuple[Binding, Node, Node]]:
        kinds: dict[str, Binding] = {b.kind: b for b in self.spec.bindings}
        found: list[tuple[Binding, Node, Node]] = []
        stack = list(root.named_children)
        while stack:
            node = stack.pop()
            if node.type in self.spec.functions:
                continue  # a nested function has its own scope
            appended = self._appended(node)
            if appended is not None:
                found.append((_APPEND, *appended))
            binding = kinds.get(node.type)
            if binding is not None:
                target = node.child_by_field_name(binding.target)
                value = node.child_by_field_name(binding.value)
                if target is not None and value is not None:
                    pairs = self._pairs(target, value)
                    found += [(binding, t, v) for t, v in pairs]
            stack.extend(node.named_children)
        return found

    def _appended(self, node: Node) -> tuple[Node, Node] | None:
        """``sb.append(x)``, ``parts.push(x)``, ``q.push_str(&x)``: the receiver grows by the argument."""
        fields = self.spec.calls.get(node.type)
        if fields is None or node.parent is None or node.parent.type != "expression_statement":
            return None
        if node.type == "method_invocation":
            receiver, method = node.child_by_field_name("object"), self.text(node.child_by_field_name("name"))
        else:
            callee = node.child_by_field_name(fields[0])
            if callee is None or callee.type not in self.spec.members:
                return None
            receiver = callee.child_by_field_name(self.spec.members[callee.type])
            method = self.text(callee).rsplit(".", 1)[-1]
        args = self.arguments(node)
        if receiver is None or receiver.type not in self.spec.identifiers or method not in _GROWERS or not args:
            return None
        return receiver, args[-1]

    @staticmethod
    def _pairs(target: Node, value: Node) -> list[tuple[Node, Node]]:
        """Go's ``a, b := x, y`` binds pairwise; everything else binds the whole target to the value."""
        if target.type == "expression_list" and value.type == "expression_list":
            lefts, rights = target.named_children, value.named_children
            if len(lefts) == len(rights):
                return list(zip(lefts, rights, strict=True))
            return [(t, value.named_children[0]) for t in lefts] if rights else []
        return [(target, value)]

    def _names(self, target: Node) -> list[str]:
        """Identifiers bound by a target or a parameter (destructuring and patterns included)."""
        if target.type in self.spec.identifiers:
            return [self.text(target)]
        names: list[str] = []
        stack = [target]
        while stack:
            node = stack.pop()
            if node.type in ("type_identifier", "annotation", "marker_annotation", "modifiers", "type_arguments"):
                continue
            field_type = node.child_by_field_name("type")
            for child in node.named_children:
                if field_type is not None and child.id == field_type.id:
                    continue
                if child.type in self.spec.identifiers:
                    names.append(self.text(child))
                elif child.type not in self.spec.members:
                    stack.append(child)
        return names


__all__ = ["CONST", "TSContext"]
