"""Risk signals from one file: where it lives (path), what it imports, defines, decorates and reads (Python, by
its syntax tree), and what it contains (other languages, by regular expression)."""

from __future__ import annotations

import ast
import os
import re

from slopguard.guide.code_vocabulary import (
    ACCESS_DECORATORS,
    AUDIT,
    BUILD_NAMES,
    CALLS,
    CODE_SUFFIXES,
    COMPLIANCE,
    CONTENT,
    DEFINES,
    DOC_DIRS,
    DOC_SUFFIXES,
    IMPORTS,
    NAMES,
    PATH_DIRS,
    PII_NAMES,
    REQUEST_DATA,
    ROUTE_ATTRS,
    TEST_DIRS,
    TEST_FILE,
    UI_SUFFIXES,
    WRITE_METHODS,
    Rule,
)
from slopguard.guide.decision import Signal


def path_signals(display: str) -> tuple[list[Signal], str | None]:
    """Signals from where a file lives, and a cap note when it is test or documentation code."""
    parts = display.lower().split("/")
    name, dirs = parts[-1], parts[:-1]
    suffix = os.path.splitext(name)[1]
    signals = [Signal(*PATH_DIRS[d], f"path {d}/", "path") for d in dirs if d in PATH_DIRS]
    stem = os.path.splitext(name)[0]
    if stem in PATH_DIRS and PATH_DIRS[stem][0] in {"auth", "payment", "crypto"}:
        signals.append(Signal(PATH_DIRS[stem][0], 0.6, f"file name {name}", "path"))
    if "versions" in dirs and "alembic" in dirs:
        signals.append(Signal("db-migration", 2.0, "path alembic/versions/", "path"))
    if name in BUILD_NAMES or ".github" in dirs:
        signals.append(Signal("build", 1.0, f"build file {name}", "path"))
    if suffix == ".ipynb":
        signals.append(Signal("data-analysis", 1.0, "notebook", "path"))
    if suffix in UI_SUFFIXES:
        signals.append(Signal("ui-prototype", 1.0, f"{suffix} file", "path"))
    if re.match(r"^v\d+(?:_\d+)*__\w+\.sql$", name):
        signals.append(Signal("db-migration", 2.0, "Flyway migration file name", "path"))
    if TEST_DIRS.intersection(dirs) or TEST_FILE.match(name):
        signals.append(Signal("test-data", 1.0, "test file (path)", "path"))
        return signals, "test code: risk signals are context, not the verdict"
    if DOC_DIRS.intersection(dirs) or suffix in DOC_SUFFIXES:
        signals.append(Signal("docs", 1.0, "documentation file (path)", "path"))
        return signals, "documentation: risk signals are context, not the verdict"
    return signals, None


def _dotted(node: ast.expr, aliases: dict[str, str]) -> str:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Call):
        return _dotted(node.func, aliases)
    if isinstance(node, ast.Name):
        parts.append(aliases.get(node.id, node.id))
    return ".".join(reversed(parts))


def _module_rule(module: str) -> Rule | None:
    while module:
        if module in IMPORTS:
            return IMPORTS[module]
        module = module.rpartition(".")[0]
    return None


def _route_methods(dec: ast.expr) -> tuple[str, set[str], str] | None:
    """(decorator attr, HTTP methods, path) for a route decorator, or None."""
    call = dec if isinstance(dec, ast.Call) else None
    func = call.func if call else dec
    attr = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    if attr not in ROUTE_ATTRS or (attr != "api_view" and not isinstance(func, ast.Attribute)):
        return None
    if attr == "api_view":
        first = call.args[0] if call and call.args else None
        items = first.elts if isinstance(first, ast.List | ast.Tuple) else []
        return attr, {e.value.upper() for e in items if isinstance(e, ast.Constant) and isinstance(e.value, str)}, ""
    path = ""
    if call and call.args and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str):
        path = call.args[0].value
    methods = {attr.upper()} if attr in {"get", "post", "put", "patch", "delete"} else set()
    for kw in call.keywords if call else []:
        if kw.arg == "methods" and isinstance(kw.value, ast.List | ast.Tuple | ast.Set):
            methods |= {
                e.value.upper() for e in kw.value.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)
            }
    return attr, methods or {"GET"}, path


def python_signals(text: str) -> list[Signal]:
    """Signals from a Python file's imports, decorators, calls and request use."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return []
    out: list[Signal] = []
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                aliases[alias.asname or alias.name.split(".")[0]] = (
                    alias.name if alias.asname else alias.name.split(".")[0]
                )
                rule = _module_rule(alias.name)
                if rule:
                    out.append(Signal(*rule, f"import {alias.name}", "import"))
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                aliases[alias.asname or alias.name] = full
                named = NAMES.get(full, NAMES.get(node.module, _module_rule(full)))
                if named:
                    out.append(Signal(*named, f"from {node.module} import {alias.name}", "import"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = _dotted(node.func, aliases)
            if name in CALLS:
                out.append(Signal(*CALLS[name], f"call {name}()", "call"))
            if name.endswith((".set_cookie", ".delete_cookie")):
                out.append(Signal("session", 1.0, f"call {name.rpartition('.')[2]}()", "call"))
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "request":
            if node.attr in {"files", "FILES"}:
                out.append(Signal("file-upload", 2.0, f"request.{node.attr}", "content"))
            elif node.attr == "session":
                out.append(Signal("session", 1.5, "request.session", "content"))
        elif isinstance(node, ast.Attribute) and node.attr in {"is_staff", "is_superuser", "has_perm", "has_perms"}:
            out.append(Signal("access-control", 1.0, f".{node.attr}", "content"))
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            out += _function_signals(node, aliases)
            out += [Signal(c, w, f"defines {node.name}()", "content") for p, c, w in DEFINES if p.search(node.name)]
        elif isinstance(node, ast.ClassDef):
            bases = {_dotted(b, aliases).rpartition(".")[2] for b in node.bases}
            writes = {n.name for n in node.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}
            if bases & {"View", "APIView", "ViewSet", "ModelViewSet", "GenericAPIView", "MethodView", "FormView"} and (
                writes & {"post", "put", "patch", "delete", "create", "update", "form_valid"}
            ):
                out.append(Signal("api-input", 1.5, f"class view {node.name} handles writes", "content"))
    out += _text_extras(text, _identifiers(tree))
    if "__main__" in text and re.search(r"if\s+__name__\s*==\s*['\"]__main__['\"]", text):
        out.append(Signal("internal-script", 0.6, "runs as a script (__main__)", "content"))
    return out


def _function_signals(func: ast.FunctionDef | ast.AsyncFunctionDef, aliases: dict[str, str]) -> list[Signal]:
    out: list[Signal] = []
    reads = sorted({n.attr for n in ast.walk(func) if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name)
                    and n.value.id == "request" and n.attr in REQUEST_DATA})  # fmt: skip
    routed = False
    for dec in func.decorator_list:
        target = dec.func if isinstance(dec, ast.Call) else dec
        short = _dotted(target, aliases).rpartition(".")[2]
        if short in ACCESS_DECORATORS:
            out.append(Signal("access-control", 1.5, f"@{short} on {func.name}()", "decorator"))
        route = _route_methods(dec)
        if route is None:
            continue
        routed = True
        attr, methods, path = route
        where = f"{path!r} " if path else ""
        if methods & WRITE_METHODS:
            verbs = "/".join(sorted(methods & WRITE_METHODS))
            out.append(Signal("api-input", 1.5, f"{verbs} route {where}(@{attr} on {func.name}())", "decorator"))
        elif reads or re.search(r"<[^>]+>|\{[^}]+\}", path) or len(func.args.args) > 0:
            what = f"reads request.{', request.'.join(reads)}" if reads else "takes parameters"
            out.append(Signal("api-input", 1.5, f"route {where}{what} ({func.name}())", "decorator"))
        else:
            out.append(Signal("api-input", 0.5, f"route {where}({func.name}())", "decorator"))
    args = func.args.args
    if not routed and args and args[0].arg == "request" and set(reads) & {"POST", "GET", "body", "FILES", "data"}:
        out.append(Signal("api-input", 1.5, f"view {func.name}() reads request.{', request.'.join(reads)}", "content"))
    return out


def _text_extras(text: str, names: str | None = None) -> list[Signal]:
    """Hints from personal-data field names and compliance regimes. ``names``: the identifiers to look at
    (for Python, the names in the code, so that a regular expression or a comment is not a data field)."""
    out = []
    if pii := PII_NAMES.search(text if names is None else names):
        out.append(Signal("pii", 1.5, f"personal data field {pii.group(0)!r}", "content"))
    if audit := AUDIT.search(text if names is None else names):
        out.append(Signal("compliance", 0.8, f"audit trail {audit.group(0)!r}", "content"))
    if regime := COMPLIANCE.search(text):
        out.append(Signal("compliance", 0.6, f"mentions {regime.group(0)}", "content"))
    return out


def _identifiers(tree: ast.AST) -> str:
    """Every name, attribute, argument and keyword in the code, and string constants that look like field names."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            found.add(node.id)
        elif isinstance(node, ast.Attribute):
            found.add(node.attr)
        elif isinstance(node, ast.arg | ast.keyword) and node.arg:
            found.add(node.arg)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            found.add(node.name)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and re.fullmatch(r"\w{2,40}", node.value):
            found.add(node.value)
    return " ".join(sorted(found))


def content_signals(display: str, text: str) -> list[Signal]:
    """Signals from a file's text, by language."""
    suffix = os.path.splitext(display.lower())[1]
    if suffix in {".py", ".pyw"}:
        return python_signals(text)
    out = [Signal(c, w, e, "content") for sfx, pattern, c, w, e in CONTENT if suffix in sfx and pattern.search(text)]
    if suffix in CODE_SUFFIXES:
        out += _text_extras(text)
    return out
