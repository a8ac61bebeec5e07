"""A per-function picture of which buffers hold input, for the C/C++ rules.

C hands buffers to functions as out-parameters (``fgets(buf, ...)``, ``snprintf(cmd, ...)``), which the shared
binding-based taint engine does not follow; ``FunctionFacts`` records those writes so that ``system(cmd)`` after
``snprintf(cmd, sizeof cmd, "ls %s", argv[1])`` is seen as attacker-controlled.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tree_sitter import Node

from slopguard.engine.flow import CONST, CONST_TEXT, Flow, Level, join, tainted
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.c.cgi import CGI_BODY, cgi_program, reads_standard_input
from slopguard.rules.c.common import (
    COPIERS,
    ArrayDecl,
    array_decls,
    base_name,
    callee,
    declared_name,
    file_facts,
    function_declarator,
    function_name,
    is_macro,
    string_value,
    unwrap,
)
from slopguard.rules.c.formats import BUFFER_FORMAT, PRINTF_FORMAT, printf_specs, string_argument_indexes
from slopguard.rules.c.outparams import out_parameters
from slopguard.rules.c.readers import FILLERS, reader_parameters
from slopguard.rules.c.requests import web_origin
from slopguard.rules.c.views import buffer_name, viewed_name
from slopguard.rules.shared.trees import walk

# Calls that fill a buffer with input: name -> index of the buffer (-1: every argument after the format).
_COMPARE = frozenset({"<", "<=", ">", ">="})
# C++ input streams: ``in >> count`` reads input into ``count``.
_STREAM = re.compile(r"\b(?:std::)?(?:w?istream|w?ifstream|w?fstream|w?istringstream|w?stringstream|basic_istream)\b")
# C++ reads into a buffer: ``in.read(p, n)`` on an input stream, ``sock.receive(buffer)`` on a socket, and
# ``asio::read(sock, asio::buffer(&hdr, sizeof hdr))``; the buffer may be cast (``reinterpret_cast<char *>(&hdr)``).
_STREAM_READS = frozenset({"read", "readsome", "get", "getline"})
_SOCKET_READS = frozenset({"receive", "receive_from", "read_some"})
_FREE_READS = re.compile(r"(?:^|::)asio::read(?:_at)?$")
_PASSED = ", passed by "
_STRING_TYPE = re.compile(r"(?:^|::)(?:w?string|w?ostringstream|w?stringstream|basic_string<[^>]*>)$")


@dataclass
class FunctionFacts:
    """One function body, read once: local arrays, parameters, bindings, comparisons and what holds input."""

    arrays: dict[str, ArrayDecl] = field(default_factory=dict)
    params: set[str] = field(default_factory=set)
    variadic: bool = False
    values: dict[str, list[Node]] = field(default_factory=dict)
    comparisons: list[Node] = field(default_factory=list)
    calls: list[Node] = field(default_factory=list)
    tainted: dict[str, str] = field(default_factory=dict)
    writes: dict[str, Flow] = field(default_factory=dict)
    types: dict[str, str] = field(default_factory=dict)  # scalar locals and parameters -> type, whitespace removed
    streams: set[str] = field(default_factory=set)  # input streams: std::cin, istream parameters, ifstream locals
    appends: dict[str, list[Node]] = field(default_factory=dict)  # C++ strings grown: cmd += x, out << "a" << x
    fields: dict[str, list[Node]] = field(default_factory=dict)  # values set to members: out->count = n
    filled: dict[str, int] = field(default_factory=dict)  # handed to a call (m or &m): where the first one ends


def read_names(ctx: TSContext, node: Node) -> frozenset[str]:
    """The variables an expression reads (not the functions it calls)."""
    return frozenset(ctx.text(n) for n in walk(node) if n.type == "identifier" and not _called(n))


def _called(identifier: Node) -> bool:
    parent = identifier.parent
    return (
        parent is not None and parent.type == "call_expression" and parent.child_by_field_name("function") == identifier
    )


def array_of(ctx: TSContext, node: Node) -> ArrayDecl | None:
    """The declared array a buffer argument names: a local, a file-scope array or a struct field."""
    node = unwrap(node)
    if node.type == "field_expression":
        member = node.child_by_field_name("field")
        return file_facts(ctx).fields.get(ctx.text(member)) if member is not None else None
    name = base_name(ctx, node) if node.type == "identifier" else ""
    if not name:
        return None
    facts = function_facts(ctx, node)
    if facts is not None and (name in facts.params or (name in facts.values and name not in facts.arrays)):
        return None
    if facts is not None and name in facts.arrays:
        return facts.arrays[name]
    return file_facts(ctx).arrays.get(name)


def function_facts(ctx: TSContext, node: Node) -> FunctionFacts | None:
    func = node if node.type == "function_definition" else ctx.function_of(node)
    while func is not None and func.type != "function_definition":
        func = ctx.function_of(func)
    if func is None:
        return None
    cache: dict[int, FunctionFacts] = ctx.memo("c.functions", dict)
    if func.id not in cache:
        reading: set[int] = ctx.memo("c.reading", set)
        reading.add(func.id)
        try:
            cache[func.id] = _read_function(ctx, func)
        finally:
            reading.discard(func.id)
    return cache[func.id]


def _calls_by_name(ctx: TSContext) -> dict[str, list[Node]]:
    """Every plain call of the file by the function it calls: ``serve_raw`` -> [``serve_raw(c, t + 5)``]."""
    calls: dict[str, list[Node]] = {}
    for node in walk(ctx.tree.root_node):
        if node.type == "call_expression" and (name := callee(ctx, node)):
            calls.setdefault(name, []).append(node)
    return calls


def _passed_input(ctx: TSContext, name: str, index: int) -> str:
    """The origin of the input that every call of the file's function ``name`` passes as argument ``index``
    (``serve_raw(client, target + 5)`` after ``read(client, request, ...)``), or "" when one call passes none,
    the function is never called here, or a caller is still being read (recursion)."""
    reading: set[int] = ctx.memo("c.reading", set)
    origins = []
    for call in ctx.memo("c.calls_by_name", lambda: _calls_by_name(ctx)).get(name, []):
        caller = ctx.function_of(call)
        args = ctx.arguments(call)
        if caller is None or caller.id in reading or len(args) <= index:
            return ""
        flow = arg_flow(ctx, args[index], function_facts(ctx, call))
        if not flow.tainted or _PASSED in flow.origin:
            return ""  # one call level: input a caller itself was handed is judged in that caller
        origins.append(f"{flow.origin}{_PASSED}{function_name(ctx, call) or 'a caller'}()")
    return origins[0] if origins else ""


def _read_function(ctx: TSContext, func: Node) -> FunctionFacts:
    facts = FunctionFacts()
    declarator = function_declarator(func)
    params = declarator.child_by_field_name("parameters") if declarator is not None else None
    streams = facts.streams
    streams.update({"cin", "std::cin", "wcin", "std::wcin"})
    own_name = ctx.text(declarator.child_by_field_name("declarator")) if declarator is not None else ""
    for index, param in enumerate(params.named_children if params is not None else []):
        facts.variadic = facts.variadic or param.type == "variadic_parameter"
        names = [ctx.text(n) for n in walk(param) if n.type == "identifier"]
        facts.params.update(names)
        if names and _STREAM.search(ctx.text(param.child_by_field_name("type"))):
            streams.add(names[-1])
        _record_type(ctx, facts, param)
        if names and ctx.spec.tainted_parameter.search(ctx.text(param)):
            facts.tainted[names[-1]] = f"parameter {names[-1]}"
        elif names and own_name.isidentifier() and (origin := _passed_input(ctx, own_name, index)):
            facts.tainted[names[-1]] = origin
    body = func.child_by_field_name("body")
    for node in walk(body) if body is not None else []:
        if node.type == "declaration":
            facts.arrays.update((a.name, a) for a in array_decls(ctx, node))
            _record_type(ctx, facts, node)
            if _STREAM.search(ctx.text(node.child_by_field_name("type"))):
                for declared in node.children_by_field_name("declarator"):  # std::ifstream in(path) included
                    inner = (
                        declared.child_by_field_name("declarator") if declared.type == "function_declarator" else None
                    )
                    streams.add(declared_name(ctx, inner or declared))
        if node.type in ("init_declarator", "assignment_expression"):
            target = node.child_by_field_name("declarator" if node.type == "init_declarator" else "left")
            value = node.child_by_field_name("value" if node.type == "init_declarator" else "right")
            name = ""
            if target is not None:
                name = declared_name(ctx, target) if node.type == "init_declarator" else base_name(ctx, target)
            if target is not None and target.type == "field_expression" and value is not None:
                facts.fields.setdefault(ctx.compact(target), []).append(value)
            if name and value is not None:
                facts.values.setdefault(name, []).append(value)
                operator = node.child_by_field_name("operator")
                if operator is not None and operator.type == "+=" and _STRING_TYPE.search(facts.types.get(name, "")):
                    facts.appends.setdefault(name, []).append(value)
        elif node.type == "binary_expression":
            op = node.child_by_field_name("operator")
            if op is not None and op.type in _COMPARE:
                facts.comparisons.append(node)
            elif op is not None and op.type == ">>":
                _extract(ctx, facts, node, streams)
            elif op is not None and op.type == "<<" and node.parent is not None and node.parent.type != node.type:
                _insert(ctx, facts, node)  # the whole chain once: out << "a" << x
        elif node.type == "call_expression":
            facts.calls.append(node)
    for call in facts.calls:
        for arg in ctx.arguments(call):
            handed = unwrap(arg)
            if handed.type == "pointer_expression" and ctx.text(handed).startswith("&") and handed.named_children:
                handed = unwrap(handed.named_children[-1])
            if handed.type == "identifier":
                known = facts.filled.get(ctx.text(handed), call.end_byte)
                facts.filled[ctx.text(handed)] = min(known, call.end_byte)
    for _ in range(2):  # input reaches buffers through calls and assignments, in any order
        for call in facts.calls:
            _propagate_call(ctx, facts, call)
        for name, pieces in facts.appends.items():
            _append(ctx, facts, name, pieces)
        for name, values in facts.values.items():
            origin = next((o for v in values if (o := mentions_input(ctx, v, facts))), "")
            if origin and name not in facts.tainted:
                facts.tainted[name] = origin
    return facts


def _extract(ctx: TSContext, facts: FunctionFacts, shift: Node, streams: set[str]) -> None:
    """``in >> count`` / ``std::cin >> w >> h`` on an input stream: the right operands now hold input."""
    targets: list[Node] = []
    left: Node | None = shift
    while (
        left is not None and left.type == "binary_expression" and ctx.text(left.child_by_field_name("operator")) == ">>"
    ):
        right = left.child_by_field_name("right")
        targets += [right] if right is not None else []
        left = left.child_by_field_name("left")
    if left is None or ctx.compact(left) not in streams:
        return
    body = ctx.compact(left) in ("cin", "std::cin") and cgi_program(ctx, shift)
    for target in targets:
        if target_name := base_name(ctx, target):
            facts.tainted.setdefault(target_name, CGI_BODY if body else f"{ctx.compact(left)} >> input")


def _insert(ctx: TSContext, facts: FunctionFacts, shift: Node) -> None:
    """``out << "ping " << host`` on a string stream: the right operands are appended to ``out``."""
    pieces: list[Node] = []
    left: Node | None = shift
    while (
        left is not None and left.type == "binary_expression" and ctx.text(left.child_by_field_name("operator")) == "<<"
    ):
        right = left.child_by_field_name("right")
        pieces += [right] if right is not None else []
        left = left.child_by_field_name("left")
    name = ctx.text(left) if left is not None and left.type == "identifier" else ""
    if name and _STRING_TYPE.search(facts.types.get(name, "")):
        facts.appends.setdefault(name, []).extend(pieces)


def _read_target(ctx: TSContext, facts: FunctionFacts, call: Node) -> Node | None:
    """The buffer a C++ read fills: ``in.read(p, n)`` on an input stream, ``sock.receive(buf)``, ``asio::read``."""
    fn, args = call.child_by_field_name("function"), ctx.arguments(call)
    if fn is None or not args:
        return None
    if fn.type == "field_expression":
        method, receiver = fn.child_by_field_name("field"), fn.child_by_field_name("argument")
        name = ctx.text(method) if method is not None else ""
        stream = receiver is not None and ctx.compact(receiver) in facts.streams
        return args[0] if name in _SOCKET_READS or (name in _STREAM_READS and stream) else None
    return args[1] if len(args) > 1 and _FREE_READS.search(ctx.compact(fn)) else None


def _record_type(ctx: TSContext, facts: FunctionFacts, declaration: Node) -> None:
    type_node = declaration.child_by_field_name("type")
    for declarator in declaration.children_by_field_name("declarator") if type_node is not None else []:
        if declarator.type == "init_declarator":
            declarator = declarator.child_by_field_name("declarator") or declarator
        if declarator.type == "identifier":
            facts.types[ctx.text(declarator)] = ctx.compact(type_node)


def _propagate_call(ctx: TSContext, facts: FunctionFacts, call: Node) -> None:
    name, args = callee(ctx, call), ctx.arguments(call)
    read = _read_target(ctx, facts, call) if not name else None
    if read is not None:
        if target_name := buffer_name(ctx, read):
            facts.tainted.setdefault(target_name, f"{ctx.compact(call.child_by_field_name('function'))}() input")
    elif name in FILLERS and args:
        index = FILLERS[name]
        if name == "getline" and unwrap(args[0]).type != "pointer_expression":
            index = 1  # C++ std::getline(stream, line)
        targets = args[index : index + 1] if index >= 0 else args[1 if name in ("scanf", "wscanf") else 2 :]
        body = reads_standard_input(ctx, name, args) and cgi_program(ctx, call)  # a CGI program's POST body
        for target in targets:
            if target_name := base_name(ctx, target):
                facts.tainted.setdefault(target_name, CGI_BODY if body else f"{name}() input")
    elif len(args) > 1 and (name in COPIERS or name in BUFFER_FORMAT or name == "sscanf"):
        if name in COPIERS:
            sources, targets = args[1:2], args[:1]
        elif name == "sscanf":
            sources, targets = args[:1], args[2:]
        else:
            index = PRINTF_FORMAT[name]
            sources, targets = [*args[index : index + 1], *string_arguments(ctx, args[index:])], args[:1]
        flow = join(arg_flow(ctx, s, facts) for s in sources)
        for buffer in filter(None, (base_name(ctx, t) for t in targets)):
            facts.writes[buffer] = join((facts.writes.get(buffer, CONST), flow))
            if flow.tainted:
                facts.tainted.setdefault(buffer, flow.origin)
    elif name in (summaries := out_parameters(ctx)):  # form_value(qs, "zone", zone, sizeof zone)
        for written, sources_of in summaries[name].items():
            flow = join(arg_flow(ctx, args[i], facts) for i in sources_of if i < len(args))
            buffer = base_name(ctx, args[written]) if written < len(args) else ""
            if buffer and flow.tainted:
                facts.tainted.setdefault(buffer, flow.origin)
    if name:  # read_line(c->fd, subject, sizeof subject): a helper of this file that reads input into a buffer
        for index, origin in reader_parameters(ctx, name).items():
            if index < len(args) and (buffer := base_name(ctx, args[index])):
                facts.tainted.setdefault(buffer, origin)


def _append(ctx: TSContext, facts: FunctionFacts, name: str, pieces: list[Node]) -> None:
    """A string grown with non-constant pieces is assembled from them (and holds input when one of them does)."""
    flow = join(arg_flow(ctx, p, facts) for p in pieces)
    if flow.dynamic:
        built = Flow(flow.level, True, True, flow.origin)
        facts.writes[name] = join((facts.writes.get(name, CONST), built))
    if flow.tainted:
        facts.tainted.setdefault(name, flow.origin)


def string_arguments(ctx: TSContext, fmt_and_args: list[Node]) -> list[Node]:
    """The arguments a printf-style call prints with %s (all of them when the format is not a literal)."""
    fmt = string_value(ctx, fmt_and_args[0]) if fmt_and_args else None
    specs = printf_specs(fmt) if fmt is not None else None
    rest = fmt_and_args[1:]
    if specs is None:
        return rest
    return [rest[i] for i in string_argument_indexes(specs) if i < len(rest)]


def mentions_input(ctx: TSContext, node: Node, facts: FunctionFacts) -> str:
    """The origin of the first input-holding variable ``node`` reads (outside sanitisers and ``sizeof``)."""
    stack = [node]
    while stack:
        current = stack.pop()
        if current.type == "sizeof_expression":
            continue
        if current.type == "call_expression":
            if ctx.spec.sanitizers.search(callee(ctx, current) or ctx.call_name(current)):
                continue
            args = current.child_by_field_name("arguments")
            fn = current.child_by_field_name("function")
            stack += [c for c in (args, fn) if c is not None and c.type != "identifier"]
            continue
        if current.type == "identifier" and ctx.text(current) in facts.tainted:
            return facts.tainted[ctx.text(current)]
        stack.extend(current.named_children)
    return ""


def arg_flow(ctx: TSContext, node: Node, facts: FunctionFacts | None = None) -> Flow:
    """The shared engine's flow of a value, plus what this function copied or read into the buffer it names."""
    flow = ctx.flow(node)
    if flow.tainted and not web_origin(ctx, flow.origin):
        flow = Flow(Level.UNKNOWN, flow.built, flow.text)  # a library's own request object, not a web client's
    if flow.level == Level.UNKNOWN and is_macro(ctx, node):
        return CONST_TEXT  # a #define'd constant (or a macro from a header)
    facts = facts if facts is not None else function_facts(ctx, node)
    if flow.tainted or facts is None:
        return flow
    origin = mentions_input(ctx, node, facts)
    if origin:
        return tainted(origin)
    name = base_name(ctx, node) or viewed_name(ctx, node)
    grown = name in facts.appends  # a string declared empty (a constant) and grown afterwards
    if name in facts.writes and (flow.level >= Level.UNKNOWN or grown) and not flow.built:
        return facts.writes[name]
    if not flow.dynamic and _filled_by_call(ctx, node, facts):
        return Flow(Level.UNKNOWN, flow.built, flow.text)
    return flow


def _filled_by_call(ctx: TSContext, node: Node, facts: FunctionFacts) -> bool:
    """``node`` reads a variable declared empty (``Manifest m{};``, ``char buf[64] = {0};``) that a call was
    handed earlier (``parse_manifest(path, m)``, ``fill(&m)``): it holds what that call wrote, not a constant."""
    for name in read_names(ctx, node):
        values = facts.values.get(name, [])
        handed = facts.filled.get(name)
        empty = bool(values) and all(v.type == "initializer_list" for v in values)
        if empty and handed is not None and handed <= node.start_byte:
            return True
    return False
