"""PY-ZIPSLIP-001: archives unpacked without a check that their entries stay in the destination (zip slip)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit, hit_at
from slopguard.engine.python.context import PyContext
from slopguard.engine.registry import python_rule
from slopguard.rules.python.common import method_name
from slopguard.rules.python.injection_helpers import checks_before, path_guarded, resolve

_TAR_OPENERS = frozenset({"tarfile.open", "tarfile.TarFile", "tarfile.TarFile.open", "tarfile.TarFile.taropen"})
_ZIP_OPENERS = frozenset({"zipfile.ZipFile"})
# Filters that keep members inside the destination ("data", "tar", tarfile.data_filter or a filter of one's own);
# "fully_trusted" and None (the default before Python 3.14) keep nothing out.
_UNSAFE_FILTERS = frozenset({"fully_trusted", "fully_trusted_filter"})
# Methods listing an archive's entries; iterating a TarFile itself lists its members too.
_LISTINGS = frozenset({"getmembers", "getnames", "infolist", "namelist"})
# A test that keeps entry names in place: '..' or absolute names refused, the resolved path compared with the base.
_CONTAINMENT = re.compile(
    r"['\"]\.\.['\"]|\bisabs\b|\bis_absolute\b|startswith\s*\(|is_relative_to|commonpath|commonprefix"
    r"|\b_?(?:is_)?(?:safe|inside|within|contained)\w*\s*\(",
    re.IGNORECASE,
)
_WRITE_MODE = re.compile(r"[wax+]")
_ARCHIVE_WORDS = ("tarfile", "TarFile", "zipfile", "ZipFile")


@python_rule(
    id="PY-ZIPSLIP-001",
    title="Archive extracted without checking entry paths (zip slip)",
    cwe=22,
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    nodes=(ast.Call, ast.For),
    calls={"extractall", "extract", "unpack_archive"},
    why="""Assistants unpack uploads and downloaded bundles with tarfile's extractall(dest) or a loop that writes
    each entry to os.path.join(dest, member.name). Before Python 3.14 tarfile applies no filter: an entry named
    '../../home/app/.ssh/authorized_keys', an absolute name or a symlink entry writes anywhere the process can,
    which often ends in code execution (a replaced script, a cron file, a .pth file).""",
    fix="""Pass filter="data" to extractall()/extract() (and shutil.unpack_archive(), Python 3.12+), or set
    tarfile.TarFile.extraction_filter; in a loop of your own, resolve dest / name and skip the entry unless the
    result is_relative_to(dest). zipfile's extractall() already drops '..' and absolute names.""",
)
def zip_slip(node: ast.Call | ast.For, ctx: PyContext) -> Iterator[Hit]:
    if isinstance(node, ast.For):
        yield from _manual_extraction(node, ctx)
        return
    func = node.func
    if ctx.call_name(node) == "shutil.unpack_archive":
        if _unfiltered(ctx, node) and not _zip_only(ctx, node):
            yield hit_at(node, "unpack_archive() of a tar archive writes entries wherever their names point; "
                         'pass filter="data"')  # fmt: skip
        return
    if not isinstance(func, ast.Attribute) or func.attr not in ("extractall", "extract"):
        return
    if not _is_tar(ctx, func.value) or not _unfiltered(ctx, node) or _filtered_globally(ctx):
        return
    if _members_checked(ctx, node) or _checked_before(ctx, node.lineno):
        return
    yield hit_at(
        node,
        f"tarfile {func.attr}() without filter= writes entries named '../..' or '/etc/...' and symlinks outside "
        'the destination; pass filter="data"',
    )


def _is_tar(ctx: PyContext, e: ast.expr) -> bool:
    """``e`` is a TarFile: ``tarfile.open(...)``, a name bound to one (``with tarfile.open(p) as tar``), or a
    parameter annotated ``TarFile``."""
    value = resolve(ctx, e)
    if isinstance(value, ast.Call):
        return ctx.call_name(value) in _TAR_OPENERS
    if isinstance(value, ast.Name) and ctx.function is not None:
        args = ctx.function.args
        for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs]:
            if arg.arg == value.id and arg.annotation is not None:
                return "TarFile" in ast.unparse(arg.annotation)
    return False


def _is_zip(ctx: PyContext, e: ast.expr) -> bool:
    value = resolve(ctx, e)
    return isinstance(value, ast.Call) and ctx.call_name(value) in _ZIP_OPENERS


def _unfiltered(ctx: PyContext, call: ast.Call) -> bool:
    """No ``filter=``, or one that lets every member through."""
    chosen = ctx.kwarg(call, "filter")
    if chosen is None or (isinstance(chosen, ast.Constant) and chosen.value is None):
        return True
    name = chosen.value if isinstance(chosen, ast.Constant) else ast.unparse(chosen).rsplit(".", 1)[-1]
    return name in _UNSAFE_FILTERS


def _zip_only(ctx: PyContext, call: ast.Call) -> bool:
    """``unpack_archive(..., format="zip")`` or a file name ending in .zip: zipfile cleans entry names."""
    fmt = ctx.kwarg(call, "format") or (call.args[2] if len(call.args) > 2 else None)
    if isinstance(fmt, ast.Constant):
        return fmt.value == "zip"
    name = resolve(ctx, call.args[0]) if call.args else None
    text = ast.unparse(name) if name is not None else ""
    return bool(re.search(r"\.zip\b", text, re.IGNORECASE))


def _filtered_globally(ctx: PyContext) -> bool:
    """``tarfile.TarFile.extraction_filter = ...`` set somewhere in the file (a filter for every extraction)."""
    return "extraction_filter" in ctx.text


def _members_checked(ctx: PyContext, call: ast.Call) -> bool:
    """``members=`` passes a checked selection: a comprehension filtering names, or a helper of this file that
    tests them (``members=safe_members(tar)``)."""
    members = ctx.kwarg(call, "members")
    if members is None and method_name(call) == "extractall" and len(call.args) > 1:
        members = call.args[1]  # extractall(path, members)
    if members is None:
        return False
    value = resolve(ctx, members)
    if _CONTAINMENT.search(ast.unparse(value)):
        return True
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name):
        helper = ctx.module_functions.get(value.func.id)
        return helper is not None and bool(_CONTAINMENT.search(ast.unparse(helper)))
    return False


def _checked_before(ctx: PyContext, line: int) -> bool:
    """A test before the extraction that refuses members climbing out (``if m.name.startswith("/") or ".." in
    m.name: raise``, ``if not target.resolve().is_relative_to(dest)``)."""
    return any(_CONTAINMENT.search(ast.unparse(test)) for test in checks_before(ctx, line, assigned=False))


def _manual_extraction(loop: ast.For, ctx: PyContext) -> Iterator[Hit]:
    """``for member in tar.getmembers(): open(os.path.join(dest, member.name), "wb")`` with no check of the
    joined path: the loop writes each entry where its name says."""
    entry = loop.target
    if not isinstance(entry, ast.Name) or not _names_archives(ctx) or not _lists_entries(ctx, loop.iter):
        return
    for node in ast.walk(ast.Module(body=loop.body, type_ignores=[])):
        if not isinstance(node, ast.Call):
            continue
        target = _written_path(ctx, node)
        if target is None or not _built_from_entry(ctx, target, entry.id):
            continue
        if path_guarded(ctx, target, node.lineno) or _loop_checks(loop, node.lineno):
            continue
        if _reduced(ctx, target):
            continue
        yield hit_at(
            node,
            f"archive entry '{entry.id}' names the file written here: '../' in it climbs out of the destination; "
            "resolve the path and skip entries that are not inside it",
        )
        return


def _names_archives(ctx: PyContext) -> bool:
    """Whether the file can hold an archive object at all (tarfile/zipfile, or a TarFile/ZipFile annotation): most
    files have many loops and none over archive entries."""
    return ctx.memo("python.archives", lambda: any(word in ctx.text for word in _ARCHIVE_WORDS))


def _lists_entries(ctx: PyContext, e: ast.expr) -> bool:
    if isinstance(e, ast.Call) and isinstance(e.func, ast.Attribute) and e.func.attr in _LISTINGS:
        return _is_tar(ctx, e.func.value) or _is_zip(ctx, e.func.value)
    return _is_tar(ctx, e)


def _written_path(ctx: PyContext, call: ast.Call) -> ast.expr | None:
    """The path a call writes to: ``open(p, "wb")``, ``Path(p).write_bytes(...)``, ``shutil.copyfile(src, p)``."""
    name = ctx.call_name(call)
    if name in ("open", "builtins.open", "io.open") and call.args:
        mode = call.args[1] if len(call.args) > 1 else ctx.kwarg(call, "mode")
        if isinstance(mode, ast.Constant) and isinstance(mode.value, str) and _WRITE_MODE.search(mode.value):
            return call.args[0]
        return None
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr in ("write_bytes", "write_text"):
        return func.value
    if name in ("shutil.copyfile", "shutil.copy", "shutil.copy2", "shutil.move") and len(call.args) > 1:
        return call.args[1]
    return None


def _built_from_entry(ctx: PyContext, e: ast.expr, entry: str, depth: int = 3) -> bool:
    """``e`` joins the entry's name in: ``member.name``, ``info.filename``, or the entry itself (``namelist()``)."""
    for node in ast.walk(e):
        if isinstance(node, ast.Name):
            if node.id == entry:
                return True
            value = resolve(ctx, node, depth=1)
            if depth > 0 and value is not node and _built_from_entry(ctx, value, entry, depth - 1):
                return True
    return False


def _loop_checks(loop: ast.For, line: int) -> bool:
    """A containment test inside the loop before the write."""
    for node in ast.walk(ast.Module(body=loop.body, type_ignores=[])):
        if (
            isinstance(node, ast.If | ast.Assert | ast.While)
            and node.lineno < line
            and _CONTAINMENT.search(ast.unparse(node.test))
        ):
            return True
    return False


def _reduced(ctx: PyContext, e: ast.expr, depth: int = 3) -> bool:
    """The entry name is cut to its last component (``os.path.basename(member.name)``, ``Path(n).name``) on its
    way into the path."""
    for node in ast.walk(e):
        if isinstance(node, ast.Call) and ctx.call_name(node).rsplit(".", 1)[-1] in ("basename", "secure_filename"):
            return True
        if (
            isinstance(node, ast.Attribute)
            and node.attr == "name"
            and isinstance(node.value, ast.Call)
            and ctx.call_name(node.value) in ("pathlib.Path", "pathlib.PurePath")
        ):
            return True
        if isinstance(node, ast.Name) and depth > 0:
            value = resolve(ctx, node, depth=1)
            if value is not node and _reduced(ctx, value, depth - 1):
                return True
    return False
