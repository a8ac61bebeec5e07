"""Everything a Python rule may ask about the file it is looking at: names, taint, routes, comments."""

from __future__ import annotations

import ast
import re
from functools import cached_property

from slopguard.engine.flow import CONST_TEXT, UNKNOWN, Flow, Level, operator_input, tainted
from slopguard.engine.memo import Memo
from slopguard.engine.python import knowledge as kb
from slopguard.engine.python.fields import NOT_WALKED, child_fields
from slopguard.engine.python.routes import Route, declared_route, route_of
from slopguard.engine.python.taint import FunctionTaint

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef

_SOURCE_HINT = re.compile(
    r"request|input\s*\(|argv|stdin|\.recv|rfile|@\s*[\w.]+\.(?:route|get|post|put|patch|delete|api_route|websocket)\b"
    r"|api_view|require_(?:POST|GET|http_methods)|@\s*[\w.]*\b(?:shared_task|task|actor|job|db_task)\b"
)


class PyContext(Memo):
    """One parsed Python file. The runner updates ``function``/``statement`` as it walks the tree."""

    def __init__(self, path: str, text: str, tree: ast.Module) -> None:
        self.path = path
        self.text = text
        self.lines = text.splitlines()
        self.tree = tree
        self.imports: dict[str, str] = {}
        self.modules: set[str] = set()
        self._imported_roots: frozenset[str] | None = None
        self._call_names: dict[int, str] = {}
        self.function: FunctionNode | None = None
        self.class_of: dict[int, ast.ClassDef] = {}
        self.statement: ast.stmt | None = None
        self.has_sources = bool(_SOURCE_HINT.search(text))
        self._taint: dict[tuple[int, bool], FunctionTaint] = {}
        self._summaries: dict[str, tuple[Flow, Flow] | None] = {}
        self._routes: dict[int, Route | None] = {}
        self._resolving: set[int] = set()

    # ----- names ---------------------------------------------------------------------------------
    def record_import(self, node: ast.Import | ast.ImportFrom) -> None:
        self._imported_roots = None
        if isinstance(node, ast.Import):
            for alias in node.names:
                local = alias.asname or alias.name.split(".")[0]
                self.imports[local] = alias.name if alias.asname else local
                self.modules.add(local)
        elif node.module and node.level == 0:
            for alias in node.names:
                local = alias.asname or alias.name
                self.imports[local] = f"{node.module}.{alias.name}"
                if alias.name.islower():  # from os import path; classes are capitalised
                    self.modules.add(local)

    @property
    def imported_roots(self) -> frozenset[str]:
        """The top-level packages of what the file has imported so far (``os`` for ``os.path.join``)."""
        roots = self._imported_roots
        if roots is None:
            roots = self._imported_roots = frozenset(full.split(".", 1)[0] for full in self.imports.values())
        return roots

    def is_module_call(self, func: ast.Attribute) -> bool:
        """``os.path.join`` or ``json.loads``: a function reached through an imported module."""
        base: ast.expr = func.value
        while isinstance(base, ast.Attribute):
            base = base.value
        return isinstance(base, ast.Name) and base.id in self.modules

    def dotted(self, e: ast.expr) -> str | None:
        """``a.b.c`` for a chain of names, as written."""
        parts: list[str] = []
        while isinstance(e, ast.Attribute):
            parts.append(e.attr)
            e = e.value
        if isinstance(e, ast.Call):  # requests.Session().get -> Session().get
            inner = self.dotted(e.func)
            if inner is None:
                return None
            parts.append(inner + "()")
        elif isinstance(e, ast.Name):
            parts.append(e.id)
        else:
            return None
        return ".".join(reversed(parts))

    def qualname(self, e: ast.expr) -> str | None:
        """The dotted name with its first part resolved through this file's imports."""
        dotted = self.dotted(e)
        if dotted is None:
            return None
        head, _, rest = dotted.partition(".")
        full = self.imports.get(head)
        if full is None:
            return dotted
        return f"{full}.{rest}" if rest else full

    def call_name(self, call: ast.Call) -> str:
        """The import-resolved dotted name of the called function ('' when it has none); cached per node."""
        key = id(call)
        name = self._call_names.get(key)
        if name is None:
            name = self._call_names[key] = self.qualname(call.func) or ""
        return name

    @staticmethod
    def kwarg(call: ast.Call, name: str) -> ast.expr | None:
        for kw in call.keywords:
            if kw.arg == name:
                return kw.value
        return None

    @staticmethod
    def is_true(e: ast.expr | None) -> bool:
        return isinstance(e, ast.Constant) and e.value is True

    @staticmethod
    def is_false(e: ast.expr | None) -> bool:
        return isinstance(e, ast.Constant) and e.value is False

    @staticmethod
    def string(e: ast.expr | None) -> str | None:
        return e.value if isinstance(e, ast.Constant) and isinstance(e.value, str) else None

    def segment(self, node: ast.AST) -> str:
        """The source text of ``node`` (``ast.get_source_segment``, on lines split once per file)."""
        return source_segment(self._source_lines, node)

    @cached_property
    def _source_lines(self) -> list[str]:
        return source_lines(self.text)

    # ----- module facts --------------------------------------------------------------------------
    @cached_property
    def module_functions(self) -> dict[str, FunctionNode]:
        return {n.name: n for n in self.tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}

    @cached_property
    def _module_constants(self) -> dict[str, Flow]:
        consts: dict[str, Flow] = {}
        reassigned: set[str] = set()
        for node in self.tree.body:
            targets: list[ast.expr] = []
            value: ast.expr | None = None
            if isinstance(node, ast.Assign):
                targets, value = node.targets, node.value
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                targets, value = [node.target], node.value
            for t in targets:
                if not isinstance(t, ast.Name):
                    continue
                if t.id in consts:
                    reassigned.add(t.id)
                if value is not None and _is_literal(value):
                    consts[t.id] = CONST_TEXT if _is_text(value) else Flow(Level.CONST)
                else:
                    reassigned.add(t.id)
        return {k: v for k, v in consts.items() if k not in reassigned}

    def module_constant(self, name: str) -> Flow | None:
        return self._module_constants.get(name)

    # ----- routes and taint ----------------------------------------------------------------------
    def route_of(self, func: FunctionNode | None) -> Route | None:
        if func is None:
            return None
        key = id(func)
        if key not in self._routes:
            self._routes[key] = route_of(func, key in self.class_of)
        return self._routes[key]

    @property
    def route(self) -> Route | None:
        """The route served by the function being walked, if any."""
        return self.route_of(self.function)

    def _analysis(self, func: FunctionNode | None, unescaped: bool = False) -> FunctionTaint:
        key = (id(func) if func is not None else 0, unescaped)
        found = self._taint.get(key)
        if found is not None:
            return found
        if func is None:
            analysis = FunctionTaint(self, self.tree.body, {}, unescaped=unescaped)
        else:
            params = {a.arg: UNKNOWN for a in _all_args(func)}
            if self._command_line(func):
                params = {a.arg: operator_input(f"command-line option '{a.arg}'") for a in _all_args(func)}
            elif self._queued_task(func):
                params = {a.arg: tainted(f"task argument '{a.arg}'") for a in _all_args(func) if a.arg != "self"}
                params.update({a.arg: UNKNOWN for a in _all_args(func) if _annotation(a) in kb.SAFE_ANNOTATIONS})
            route = self.route_of(func)
            for name in route.tainted_params if route else ():
                params[name] = tainted(f"route parameter '{name}'")
            if route is None and self.has_sources:
                callers = self._tainted_by_callers(func)
                params.update({k: v for k, v in callers.items() if not params[k].tainted})
            analysis = FunctionTaint(self, func.body, params, unescaped=unescaped)
        self._taint[key] = analysis
        return analysis

    def _command_line(self, func: FunctionNode) -> bool:
        """A click/typer command, or the ``handle()`` of a Django management command: its parameters are the
        command line's values."""
        cls = self.class_of.get(id(func))
        if cls is not None and func.name in kb.COMMAND_HANDLERS:
            return any((self.dotted(b) or "").endswith("Command") for b in cls.bases)
        cli = not self.imported_roots.isdisjoint(kb.CLI_MODULES)
        for dec in func.decorator_list:
            target = dec.func if isinstance(dec, ast.Call) else dec
            qual = self.qualname(target) or ""
            if qual.split(".")[0] in kb.CLI_MODULES:
                return True
            if cli and isinstance(target, ast.Attribute) and target.attr in kb.CLI_DECORATOR_ATTRS:
                return True
        return False

    def _queued_task(self, func: FunctionNode) -> bool:
        """A Celery/dramatiq/huey/RQ task: ``@app.task``, ``@shared_task``, ``@dramatiq.actor``, ``@job(...)``."""
        if self.imported_roots.isdisjoint(kb.TASK_MODULES):
            return False
        for dec in func.decorator_list:
            target = dec.func if isinstance(dec, ast.Call) else dec
            name = (
                target.attr if isinstance(target, ast.Attribute) else target.id if isinstance(target, ast.Name) else ""
            )
            if name in kb.TASK_DECORATORS:
                return True
        return False

    @cached_property
    def call_sites(self) -> dict[str, list[tuple[ast.Call, FunctionNode | None, ast.stmt | None]]]:
        """Calls of module functions (``f(...)``) and of methods on ``self``/``cls``, by name."""
        sites: dict[str, list[tuple[ast.Call, FunctionNode | None, ast.stmt | None]]] = {}
        stack: list[tuple[ast.AST, FunctionNode | None, ast.stmt | None]] = [(self.tree, None, None)]
        push = stack.append
        while stack:
            node, func, stmt = stack.pop()
            if isinstance(node, ast.stmt):
                stmt = node
            elif isinstance(node, ast.Call):
                f = node.func
                if isinstance(f, ast.Name):
                    sites.setdefault(f.id, []).append((node, func, stmt))
                elif isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id in ("self", "cls"):
                    sites.setdefault(f.attr, []).append((node, func, stmt))
            inner = node if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) else func
            for name in child_fields(type(node)):  # ast.iter_child_nodes without its generators, or leaves
                value = getattr(node, name, None)
                if isinstance(value, list):
                    for child in value:
                        if type(child) not in NOT_WALKED and isinstance(child, ast.AST):
                            push((child, inner, stmt))
                elif type(value) not in NOT_WALKED and isinstance(value, ast.AST):
                    push((value, inner, stmt))
        return sites

    def _tainted_by_callers(self, func: FunctionNode) -> dict[str, Flow]:
        """Parameters that some caller in this module passes attacker-controlled data to."""
        key = id(func)
        if key in self._resolving:
            return {}
        self._resolving.add(key)
        try:
            method = key in self.class_of
            positional = [a.arg for a in [*func.args.posonlyargs, *func.args.args]][1 if method else 0 :]
            names = set(positional) | {a.arg for a in func.args.kwonlyargs}
            found: dict[str, Flow] = {}
            for call, caller, stmt in self.call_sites.get(func.name, []):
                if caller is func or method != isinstance(call.func, ast.Attribute):
                    continue
                analysis = self._analysis(caller)
                env = analysis.env_at(stmt)
                bound = list(zip(positional, call.args, strict=False))
                bound += [(kw.arg, kw.value) for kw in call.keywords if kw.arg in names]
                for name, arg in bound:
                    if isinstance(arg, ast.Starred) or (name in found and found[name].tainted):
                        continue
                    flow = analysis.eval(arg, env)
                    if flow.external and (name not in found or flow.tainted):
                        where = caller.name if caller is not None else "module level"
                        origin = f"{flow.origin}, passed to '{name}' by {where}()"
                        found[name] = tainted(origin) if flow.tainted else operator_input(origin)
            return found
        finally:
            self._resolving.discard(key)

    def flow(self, e: ast.expr, *, unescaped: bool = False) -> Flow:
        """What is known about ``e`` where it appears (the statement being walked). ``unescaped``: for a sink
        outside an HTML page, where HTML escaping sanitises nothing."""
        analysis = self._analysis(self.function, unescaped)
        return analysis.eval(e, analysis.env_at(self.statement))

    def flow_at(self, e: ast.expr, statement: ast.stmt) -> Flow:
        """What is known about ``e`` at another statement of the function being walked."""
        analysis = self._analysis(self.function)
        return analysis.eval(e, analysis.env_at(statement))

    def tainted(self, e: ast.expr, *, unescaped: bool = False) -> Flow | None:
        """The flow of ``e`` if it carries attacker-controlled data, else None (fast when no source exists)."""
        if not self.has_sources:
            return None
        flow = self.flow(e, unescaped=unescaped)
        return flow if flow.tainted else None

    def helper_summary(self, name: str) -> tuple[Flow, Flow] | None:
        """(return flow with unknown arguments, return flow with tainted arguments) of a module function."""
        if name in self._summaries:
            return self._summaries[name]
        func = self.module_functions.get(name)
        # A Django view is only guessed from its first parameter: ``_search_term(request)`` called here is a helper.
        if func is None or (self.route_of(func) is not None and declared_route(func)):
            return None
        self._summaries[name] = None  # recursion guard
        params = [a.arg for a in _all_args(func)]
        base = FunctionTaint(self, func.body, dict.fromkeys(params, UNKNOWN)).returns
        dirty = FunctionTaint(self, func.body, {p: tainted(f"argument '{p}'") for p in params}).returns
        self._summaries[name] = (base, dirty)
        return base, dirty

    # ----- comments ------------------------------------------------------------------------------
    @cached_property
    def comments(self) -> dict[int, str]:
        """Comment text by line number (lexed once, on demand; see :func:`python_comments`)."""
        return python_comments(self.text)


# A comment, or a string literal (skipped whole, so that a '#' inside it starts nothing): triple-quoted strings
# first, then one-line strings; a backslash escapes the next character (a newline too) in every kind of string.
_COMMENT_OR_STRING = re.compile(
    "|".join(
        (
            r"(#[^\r\n]*)",
            r'"""(?:[^"\\]|\\.|"(?!""))*(?:"""|\Z)',
            r"'''(?:[^'\\]|\\.|'(?!''))*(?:'''|\Z)",
            r'"(?:[^"\\\r\n]|\\.)*(?:"|$)',
            r"'(?:[^'\\\r\n]|\\.)*(?:'|$)",
        )
    ),
    re.DOTALL | re.MULTILINE,
)
_NEWLINE = re.compile(r"\r\n|\r|\n")


def python_comments(text: str) -> dict[int, str]:
    """Comment text by line number, as :mod:`tokenize` reports it, in one regular-expression pass (tokenising a
    large file costs more than analysing it). A string's prefix letters need no handling: the quote starts it."""
    found: dict[int, str] = {}
    line, counted = 1, 0
    for match in _COMMENT_OR_STRING.finditer(text):
        comment = match.group(1)
        if comment is None:
            continue
        start = match.start()
        line += len(_NEWLINE.findall(text, counted, start))
        counted = start
        found[line] = comment
    return found


# Lines as the parser splits them (on \r\n, \r and \n only; form feeds stay), with their line ends.
_SOURCE_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def source_lines(text: str) -> list[str]:
    """The lines of ``text`` with their line ends, as the parser splits them (``ast``'s private splitter, fast)."""
    return _SOURCE_LINE.findall(text)


def source_segment(lines: list[str], node: ast.AST) -> str:
    """``ast.get_source_segment(source, node) or ""``, for the source split once by :func:`source_lines`."""
    start: int | None = getattr(node, "lineno", None)
    end: int | None = getattr(node, "end_lineno", None)
    col: int | None = getattr(node, "col_offset", None)
    end_col: int | None = getattr(node, "end_col_offset", None)
    if start is None or end is None or col is None or end_col is None:
        return ""
    if end == start:
        return lines[start - 1].encode()[col:end_col].decode()
    first = lines[start - 1].encode()[col:].decode()
    last = lines[end - 1].encode()[:end_col].decode()
    return "".join([first, *lines[start : end - 1], last])


def _all_args(func: FunctionNode) -> list[ast.arg]:
    a = func.args
    extra = [x for x in (a.vararg, a.kwarg) if x is not None]
    return [*a.posonlyargs, *a.args, *a.kwonlyargs, *extra]


def _annotation(arg: ast.arg) -> str:
    ann = arg.annotation
    return ann.id if isinstance(ann, ast.Name) else ann.attr if isinstance(ann, ast.Attribute) else ""


def _is_literal(e: ast.expr) -> bool:
    if isinstance(e, ast.Constant):
        return True
    if isinstance(e, ast.Tuple | ast.List | ast.Set):
        return all(_is_literal(x) for x in e.elts)
    if isinstance(e, ast.Dict):
        return all(k is not None and _is_literal(k) for k in e.keys) and all(_is_literal(v) for v in e.values)
    if isinstance(e, ast.Call) and isinstance(e.func, ast.Name) and e.func.id in ("frozenset", "set", "tuple"):
        return all(_is_literal(x) for x in e.args)
    if isinstance(e, ast.BinOp):
        return _is_literal(e.left) and _is_literal(e.right)
    return False


def _is_text(e: ast.expr) -> bool:
    if isinstance(e, ast.Constant):
        return isinstance(e.value, str | bytes)
    if isinstance(e, ast.BinOp):
        return _is_text(e.left) or _is_text(e.right)
    return False
