"""The shape of a parsed file in any tree-sitter language: node text, calls and their arguments, enclosing
functions, and the bindings (declarations, assignments, appends) a function makes."""

from __future__ import annotations

from tree_sitter import Node, Tree

from slopguard.engine.treesitter.kinds import Kinds
from slopguard.engine.treesitter.spec import Binding, LanguageSpec

# Methods that add their argument to the receiver (string builders, lists, buffers).
_GROWERS = frozenset(
    {"append", "add", "push", "put", "insert", "addAll", "extend", "write", "push_str", "concat", "WriteString",
     "WriteByte", "WriteRune", "Write"}
)  # fmt: skip
_APPEND = Binding("<append>", "", "", augmented=True)
_NEVER = "(?!)"  # the pattern of a spec field a language leaves unset
FILLED = Binding("<filled>", "", "", augmented=True)  # ``Decode(&in)``: the value is the call that fills ``in``
_DECLARATORS = frozenset(
    {"variable_declarator", "init_declarator", "let_declaration", "short_var_declaration", "var_spec", "const_spec"}
)


def _without_type_arguments(name: str) -> str:
    """``collect::<Vec<_>>`` -> ``collect::``, cut at the first ``<`` outside parentheses: a ``<`` inside a call
    in the chain is an operator (``json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode`` stays whole)."""
    if "<" not in name:
        return name
    depth = 0
    for i, char in enumerate(name):
        if char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif char == "<" and depth <= 0:
            return name[:i]
    return name


class Syntax:
    """Structural questions about one parsed file; :class:`~slopguard.engine.treesitter.context.TSContext` adds
    what is known about values."""

    source: bytes
    spec: LanguageSpec
    tree: Tree
    grammar: str

    def text(self, node: Node | None) -> str:
        if node is None:
            return ""
        return self.source[node.start_byte : node.end_byte].decode("utf-8", "replace")

    def compact(self, node: Node | None) -> str:
        """The node's text without whitespace (``db .query`` -> ``db.query``)."""
        return "".join(self.text(node).split())

    def call_name(self, call: Node) -> str:
        """``db.query``, ``request.getParameter``, ``fmt.Sprintf``, ``format`` (macro), ``strcpy``. Kept per call:
        every rule that looks at calls asks for the names of the same calls."""
        known: dict[int, str] = self.__dict__.setdefault("_call_name_of", {})
        name = known.get(call.id)
        if name is None:
            name = known[call.id] = self._call_name(call)
        return name

    def _call_name(self, call: Node) -> str:
        fields = self.spec.calls.get(call.type)
        if fields is None:
            return ""
        callee = call.child_by_field_name(fields[0])
        if call.type == "method_invocation":
            obj = call.child_by_field_name("object")
            return f"{self.compact(obj)}.{self.text(callee)}" if obj is not None else self.text(callee)
        return _without_type_arguments(self.compact(callee)).removesuffix("::")

    def arguments(self, call: Node) -> list[Node]:
        """The argument nodes of a call (a new list each time; found once per call)."""
        known: dict[int, list[Node]] = self.__dict__.setdefault("_arguments_of", {})
        found = known.get(call.id)
        if found is None:
            found = known[call.id] = self._arguments(call)
        return list(found)

    def _arguments(self, call: Node) -> list[Node]:
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

    def nodes(self, *kinds: str) -> Kinds:
        """The file's named nodes of these kinds, in walk order, with the ones inside a given node on request
        (found once per file and set of kinds, by a native query rather than a walk in Python)."""
        known: dict[frozenset[str], Kinds] = self.__dict__.setdefault("_kinds", {})
        key = frozenset(kinds)
        if key not in known:
            known[key] = Kinds(self.tree.root_node, self.grammar, key)
        return known[key]

    def function_of(self, node: Node) -> Node | None:
        """The function (or method, lambda, closure) whose body holds ``node``; None at the top level. Kept per
        node: walking up the parents of a deeply nested file again for every question costs more than the scan."""
        known = self.__dict__.setdefault("_function_of", {})
        key = node.id
        if key in known:
            return known[key]  # type: ignore[no-any-return]
        parent = node.parent
        while parent is not None and parent.type not in self.spec.functions:
            parent = parent.parent
        known[key] = parent
        return parent

    def _method_parts(self, call: Node) -> tuple[Node, str, list[Node]] | None:
        """(receiver, method name, arguments) of ``obj.method(args)``."""
        if call.type == "method_invocation":
            obj, name = call.child_by_field_name("object"), call.child_by_field_name("name")
        else:
            fields = self.spec.calls.get(call.type)
            callee = call.child_by_field_name(fields[0]) if fields and fields[1] else None
            if callee is None or callee.type not in self.spec.members:
                return None
            obj = callee.child_by_field_name(self.spec.members[callee.type])
            name = callee.child_by_field_name("property") or callee.child_by_field_name("field")
        if obj is None or name is None:
            return None
        return obj, self.text(name), self.arguments(call)

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

    def _bindings(self, root: Node) -> list[tuple[Binding, Node, Node, Node]]:
        """(binding, node that binds, target, value) for every binding in ``root`` outside nested functions."""
        kinds: dict[str, Binding] = {b.kind: b for b in self.spec.bindings}
        found: list[tuple[Binding, Node, Node, Node]] = []
        stack = list(root.named_children)
        while stack:
            node = stack.pop()
            if node.type in self.spec.functions:
                continue  # a nested function has its own scope
            appended = self._appended(node)
            if appended is not None:
                found.append((_APPEND, node, *appended))
            found += [(FILLED, node, target, node) for target in self._filled(node)]
            binding = kinds.get(node.type)
            if binding is not None:
                target = node.child_by_field_name(binding.target) if binding.target else _first_named(node)
                holder = _enclosing(node, binding.scrutinee) if binding.scrutinee else node
                value = holder.child_by_field_name(binding.value) if holder is not None else None
                if target is not None and value is not None:
                    pairs = self._pairs(target, value)
                    found += [(binding, node, t, v) for t, v in pairs]
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

    def _filled(self, node: Node) -> list[Node]:
        """The variables a filler or binder call writes into: its ``&name`` arguments (see ``LanguageSpec``)."""
        spec = self.spec
        if node.type not in spec.calls or spec.fillers.pattern == spec.binders.pattern == _NEVER:
            return []  # a language without fillers: nothing to slice
        arguments = node.child_by_field_name(spec.calls[node.type][1]) if spec.calls[node.type][1] else None
        if arguments is None or b"&" not in self.source[arguments.start_byte : arguments.end_byte]:
            return []
        name = self.call_name(node)
        if not (self.spec.fillers.search(name) or self.spec.binders.search(name)):
            return []
        targets: list[Node] = []
        for argument in self.arguments(node):
            inner = argument.named_children
            if self.text(argument).startswith("&") and len(inner) == 1 and inner[0].type in self.spec.identifiers:
                targets.append(inner[0])
        return targets

    @staticmethod
    def _pairs(target: Node, value: Node) -> list[tuple[Node, Node]]:
        """Go's ``a, b := x, y`` and Rust's ``let (a, b) = (x, y)`` bind pairwise; everything else binds the
        whole target to the value."""
        if target.type == "tuple_pattern" and value.type == "tuple_expression":
            lefts = [c for c in target.children if c.type not in ("(", ")", ",")]  # ``_`` is not a named node
            rights = value.named_children
            if len(lefts) == len(rights):
                return list(zip(lefts, rights, strict=True))
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

    def _declared(self, scope: Node) -> set[str]:
        """Names declared in the function (``String bar;`` included): on entry they hold nothing."""
        kinds = {b.kind: b.target for b in self.spec.bindings if b.kind in _DECLARATORS}
        names: set[str] = set()
        stack = list(scope.named_children)
        while stack:
            node = stack.pop()
            if node.type in self.spec.functions:
                continue
            field = kinds.get(node.type)
            target = node.child_by_field_name(field) if field is not None else None
            if target is not None:
                names.update(self._names(target))
            stack.extend(node.named_children)
        return names


def _first_named(node: Node) -> Node | None:
    return node.named_children[0] if node.named_children else None


def _enclosing(node: Node, kind: str, levels: int = 3) -> Node | None:
    """The nearest ancestor of ``kind`` at most ``levels`` up (a match arm's pattern -> its match)."""
    parent = node.parent
    while parent is not None and levels > 0:
        if parent.type == kind:
            return parent
        parent, levels = parent.parent, levels - 1
    return None


__all__ = ["FILLED", "Syntax"]
