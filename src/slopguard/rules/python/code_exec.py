"""PY-EVAL-001 and PY-DESER-001: running code or unpickling objects that come from outside the program."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.flow import describe, grade
from slopguard.engine.hit import Hit, hit_at
from slopguard.engine.python.context import PyContext
from slopguard.engine.registry import python_rule
from slopguard.rules.python.common import first_arg
from slopguard.rules.python.injection_helpers import assigned_value, resolve

_EVAL = frozenset({"eval", "exec", "compile"})
_EVAL_QUALIFIED = frozenset({f"{m}.{f}" for m in ("builtins", "__builtins__", "__builtin__") for f in _EVAL})


@python_rule(
    id="PY-EVAL-001",
    title="eval/exec/compile on non-constant input",
    cwe=95,
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    nodes=(ast.Call,),
    calls=_EVAL,
    why="""Assistants reach for eval() to turn a string into a number, a list or a dict, to build a
    'calculator' endpoint, or to call a function chosen by name. Whoever controls the string runs arbitrary
    Python in the server process: __import__('os').system(...) reads secrets, opens a shell, pivots.
    Emptying __builtins__ does not help; sandbox escapes through object.__subclasses__() are well known.""",
    fix="""Parse data with ast.literal_eval() or json.loads(); evaluate arithmetic with a small parser; map
    allowed names to functions with a dict instead of building code.""",
)
def eval_injection(node: ast.Call, ctx: PyContext) -> Iterator[Hit]:
    name = ctx.call_name(node)
    if name in _EVAL:
        if not isinstance(node.func, ast.Name) or name in ctx.module_functions:
            return
    elif name not in _EVAL_QUALIFIED:
        return
    code = first_arg(node, "source")
    if code is None or isinstance(code, ast.Constant):
        return
    compiled = resolve(ctx, code)
    if isinstance(compiled, ast.Call) and ctx.call_name(compiled).rsplit(".", 1)[-1] == "compile":
        return  # exec(compile(src, ...)): reported once, at compile()
    if _code_object(ctx, node, code) or _built_tree(ctx, compiled):
        return
    flow = ctx.flow(code, unescaped=True)
    if not flow.dynamic or (not flow.tainted and _reads_project_file(ctx, compiled)):
        return
    func = name.rsplit(".", 1)[-1]
    verb = "compiles" if func == "compile" else "runs"
    # Code from a source nobody can name is how code generators work (attrs, jinja2, namedtuple): reported a level
    # lower, like operator input; request data keeps the rule's severity.
    severity, confidence = grade(flow, Severity.HIGH)
    yield hit_at(
        node,
        f"{func}() {verb} code built from {describe(flow)}; parse data with ast.literal_eval() or json.loads()",
        severity=severity,
        confidence=confidence,
    )


_CODE_TYPES = frozenset({"types.CodeType", "CodeType"})
# Syntax trees a program assembles node by node (werkzeug's URL builders, attrs-style code generation).
_TREE_ROOTS = frozenset({"ast.Module", "ast.Expression", "ast.Interactive"})


def _code_object(ctx: PyContext, call: ast.Call, code: ast.expr) -> bool:
    """``exec(code)`` where ``code`` is declared a ``types.CodeType``: the source was compiled, and is judged,
    elsewhere (an interactive console's ``runcode``, a code cache)."""
    if not isinstance(code, ast.Name):
        return False
    for node in ast.walk(ctx.tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            if not node.lineno <= call.lineno <= (node.end_lineno or node.lineno):
                continue
            every = [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]
            declared = [a.annotation for a in every if a.arg == code.id and a.annotation is not None]
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.target.id == code.id:
            declared = [node.annotation]
        else:
            continue
        if any((ctx.qualname(a) or ctx.dotted(a) or "") in _CODE_TYPES for a in declared):
            return True
    return False


def _built_tree(ctx: PyContext, value: ast.expr) -> bool:
    """``compile(tree, ...)`` of a syntax tree the program builds from nodes: an ``ast.Module(...)`` or the tree
    of ``ast.parse`` of a constant. Its code is what the program assembled, not a string someone sent."""
    if not isinstance(value, ast.Call):
        return False
    name = ctx.qualname(value.func) or ctx.call_name(value)
    if name == "ast.fix_missing_locations" and value.args:  # returns the tree it was given
        return _built_tree(ctx, resolve(ctx, value.args[0]))
    if name in _TREE_ROOTS:
        return True
    return name == "ast.parse" and bool(value.args) and isinstance(value.args[0], ast.Constant)


_READS = frozenset({"read", "read_text", "read_bytes"})
_OPENS = frozenset({"open", "io.open", "codecs.open", "pathlib.Path", "pathlib.PurePath"})


def _reads_project_file(ctx: PyContext, code: ast.expr) -> bool:
    """``exec(open("pkg/version.py").read())`` in setup.py: the code is a file of the project itself, found
    from a constant path or next to ``__file__``."""
    if not (isinstance(code, ast.Call) and isinstance(code.func, ast.Attribute) and code.func.attr in _READS):
        return False
    opened = resolve(ctx, code.func.value)
    if isinstance(opened, ast.BinOp) and isinstance(opened.op, ast.Div):  # Path(__file__).parent / "x.py"
        return _project_path(ctx, opened)
    if not (isinstance(opened, ast.Call) and ctx.call_name(opened) in _OPENS and opened.args):
        return False
    return _project_path(ctx, opened.args[0])


def _project_path(ctx: PyContext, e: ast.expr, depth: int = 2) -> bool:
    """A path made of literals, ``__file__`` and names themselves assigned from those."""
    for node in ast.walk(e):
        if not isinstance(node, ast.Name) or node.id == "__file__" or node.id in ctx.imports:
            continue
        if ctx.module_constant(node.id) is not None:
            continue
        value = assigned_value(ctx, node.id, node.lineno)
        if value is None or depth == 0 or not _project_path(ctx, value, depth - 1):
            return False
    return True


_PICKLE_MODULES = frozenset({"pickle", "cPickle", "_pickle", "six.moves.cPickle", "dill", "cloudpickle"})
_PICKLE_FUNCS = frozenset({"load", "loads", "Unpickler"})
_PICKLE_LIKE = frozenset(
    {
        "shelve.open", "jsonpickle.decode", "jsonpickle.loads", "jsonpickle.unpickler.decode",
        "pandas.read_pickle", "joblib.load", "sklearn.externals.joblib.load",
    }
)  # fmt: skip
_OTHER = frozenset({"marshal.load", "marshal.loads"})
_TORCH_LOAD = "torch.load"
_NUMPY_LOAD = "numpy.load"
_YAML_LOAD = frozenset({"yaml.load", "yaml.load_all"})
_YAML_UNSAFE = frozenset({"yaml.unsafe_load", "yaml.unsafe_load_all", "yaml.full_load", "yaml.full_load_all"})
_SAFE_LOADERS = frozenset({"SafeLoader", "CSafeLoader", "BaseLoader", "CBaseLoader"})
_UNSAFE_LOADERS = frozenset({"Loader", "CLoader", "UnsafeLoader", "CUnsafeLoader", "FullLoader", "CFullLoader"})
_DATA_KWARGS = (
    "file",
    "data",
    "stream",
    "s",
    "string",
    "filepath_or_buffer",
    "filename",
    "f",
    "obj",
    "value",
)


@python_rule(
    id="PY-DESER-001",
    title="Unsafe deserialisation (pickle, unsafe YAML, torch.load)",
    cwe=502,
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    nodes=(ast.Call,),
    calls=_PICKLE_FUNCS | _PICKLE_LIKE | _OTHER | _YAML_LOAD | _YAML_UNSAFE | {_TORCH_LOAD, _NUMPY_LOAD},
    why="""Assistants store sessions, caches, uploaded models and job payloads with pickle (or dill, joblib,
    torch.load, pandas.read_pickle) and read YAML with yaml.load() because it is the shortest call. Unpickling
    calls any importable function named in the data (os.system via __reduce__), and yaml's full/unsafe loaders
    build arbitrary Python objects: whoever can write the bytes runs code in the process.""",
    fix="""Exchange data as JSON (json.loads) or use yaml.safe_load(); load models with
    torch.load(..., weights_only=True) or safetensors; if pickle is unavoidable, sign the bytes (hmac) and
    verify before loading.""",
)
def unsafe_deserialisation(node: ast.Call, ctx: PyContext) -> Iterator[Hit]:
    name = ctx.call_name(node)
    module, _, func = name.rpartition(".")
    pickle_like = (module in _PICKLE_MODULES and func in _PICKLE_FUNCS) or name in _PICKLE_LIKE
    if pickle_like or name in _OTHER:
        problem = f"{name}() can run code embedded in the data"
    elif name == _TORCH_LOAD:
        weights_only = ctx.kwarg(node, "weights_only")
        if ctx.is_true(weights_only) or (weights_only is not None and not ctx.is_false(weights_only)):
            return
        pickle_like = True
        how = "weights_only=False" if weights_only is not None else "no weights_only=True (unsafe before torch 2.6)"
        problem = f"torch.load() with {how} unpickles arbitrary objects"
    elif name == _NUMPY_LOAD:
        if not ctx.is_true(ctx.kwarg(node, "allow_pickle")):
            return
        pickle_like = True
        problem = "numpy.load(allow_pickle=True) unpickles arbitrary objects"
    elif name in _YAML_UNSAFE:
        problem = f"{name}() constructs arbitrary Python objects"
    elif name in _YAML_LOAD:
        loader = ctx.kwarg(node, "Loader") or (node.args[1] if len(node.args) > 1 else None)
        verdict = _loader_verdict(ctx, loader)
        if verdict is None:
            return
        problem = f"{name}() {verdict}"
    else:
        return
    data = _data_arg(node)
    if data is not None and not ctx.flow(data, unescaped=True).dynamic:
        return  # the program's own constant bytes
    flow = ctx.tainted(data, unescaped=True) if data is not None else None
    if flow is None:
        message = f"{problem}; make sure the input is trusted"
        yield hit_at(node, message, severity=Severity.MEDIUM, confidence=Confidence.MEDIUM)
        return
    severity = Severity.CRITICAL if pickle_like else Severity.HIGH
    yield hit_at(node, f"{problem}, and it reads {describe(flow)}", severity=severity, confidence=Confidence.HIGH)


def _data_arg(node: ast.Call) -> ast.expr | None:
    if node.args and not isinstance(node.args[0], ast.Starred):
        return node.args[0]
    for kw in node.keywords:
        if kw.arg in _DATA_KWARGS:
            return kw.value
    return None


def _loader_verdict(ctx: PyContext, loader: ast.expr | None) -> str | None:
    """Why a yaml.load() Loader is unsafe, or None when it is safe or cannot be told."""
    if loader is None:
        return "without a Loader uses an unsafe loader on old PyYAML (and fails on PyYAML 6)"
    if isinstance(loader, ast.Name) and loader.id not in ctx.imports:
        value = resolve(ctx, loader)
        if value is loader:
            return _local_class_verdict(ctx, loader.id)
        loader = value
    qual = ctx.qualname(loader)
    last = qual.rsplit(".", 1)[-1] if qual else ""
    if last in _SAFE_LOADERS or "SafeLoader" in ctx.segment(loader) or "BaseLoader" in ctx.segment(loader):
        return None
    if last in _UNSAFE_LOADERS:
        return f"with Loader={last} constructs arbitrary Python objects"
    return None


def _local_class_verdict(ctx: PyContext, name: str) -> str | None:
    """A loader class defined in this file is unsafe when it derives from an unsafe loader."""
    for node in ctx.tree.body:
        if isinstance(node, ast.ClassDef) and node.name == name:
            bases = {(ctx.qualname(b) or "").rsplit(".", 1)[-1] for b in node.bases}
            if bases & _UNSAFE_LOADERS and not bases & _SAFE_LOADERS:
                return f"with Loader={name} (derived from an unsafe loader) constructs arbitrary Python objects"
    return None
