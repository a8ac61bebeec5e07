"""Archives and compressed streams: entry names joined into paths without a containment check (GO-ZIPSLIP-001),
and decompressed data copied without a size limit (GO-DECOMPRESS-001)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.go.common import CALL, FUNCTIONS, bound_values, function_of, imports, is_test, package_call, unwrap
from slopguard.rules.go.web import is_handler
from slopguard.rules.shared.trees import walk

_ARCHIVES = frozenset({"archive/zip", "archive/tar"})
_ENTRY_TYPES = re.compile(r"\*?(?:zip\.File|tar\.Header|zip\.FileHeader)\b")
_ENTRY_FIELDS = frozenset({"Name", "Linkname"})
_WRITERS = re.compile(r"\bos\.(?:Create|OpenFile|WriteFile|MkdirAll|Mkdir|Symlink|Link|Rename)\(|\bioutil\.WriteFile\(")
# Checks of the joined path (strings.HasPrefix(target, dest), filepath.Rel, filepath.IsLocal) or of the name.
_PATH_CHECK = re.compile(
    r"HasPrefix|filepath\.Rel|\.Rel\(|IsLocal|\"\.\.\"|(?i:inside|within|contain|safe|valid|escape)"
)
_NAME_CHECK = re.compile(r"IsLocal|\"\.\.\"|IsAbs|(?i:inside|within|safe|valid|escape|traversal)")
# A test that is true for a bad name: a negated safety check (!filepath.IsLocal(n)), a '..' or absolute-path test.
_NEGATIVE_TEST = re.compile(
    r"!\s*(?:[\w.]+\.)?(?:IsLocal|\w*(?i:inside|within|safe|valid)\w*)\(|\"\.\.\"|IsAbs|(?i:escape|traversal)"
)
_EXIT_CALL = re.compile(r"^(?:panic|log\.Fatal\w*|os\.Exit|t\.Fatal\w*)\(")


def _range_over_files(ctx: TSContext, name: str, fn: Node) -> bool:
    """``for _, f := range zr.File`` (or ``r.Reader.File``) binds ``name`` in ``fn``."""
    for node in walk(fn):
        if node.type != "range_clause":
            continue
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        names = [ctx.text(n) for n in (left.named_children if left is not None else [])]
        if name in names and right is not None and ctx.compact(right).endswith(".File"):
            return True
    return False


def _entry_variable(ctx: TSContext, name: str, fn: Node) -> bool:
    """``name`` holds an archive entry: a range over a zip's File list, a tar reader's Next(), or a parameter of
    type *zip.File / *tar.Header."""
    if _range_over_files(ctx, name, fn):
        return True
    for value, _ in bound_values(ctx, name, fn):
        if ctx.compact(value).endswith(".Next()"):
            return True
    params = fn.child_by_field_name("parameters")
    for param in params.named_children if params is not None else []:
        names = [ctx.text(n) for n in param.children_by_field_name("name")]
        if name in names and _ENTRY_TYPES.match(ctx.compact(param.child_by_field_name("type"))):
            return True
    return False


def _entry_name(ctx: TSContext, node: Node, fn: Node, depth: int = 0) -> Node | None:
    """The ``f.Name`` / ``hdr.Name`` inside a path part (through calls and local variables), unless reduced by
    filepath.Base to its last element."""
    node = unwrap(node)
    if depth > 4:
        return None
    if node.type == "call_expression":
        callee = ctx.compact(node.child_by_field_name("function"))
        if callee in ("filepath.Base", "path.Base"):
            return None
        return next((e for a in ctx.arguments(node) if (e := _entry_name(ctx, a, fn, depth + 1)) is not None), None)
    if node.type == "selector_expression" and ctx.text(node.child_by_field_name("field")) in _ENTRY_FIELDS:
        operand = unwrap(node.child_by_field_name("operand") or node)
        if operand.type == "selector_expression" and ctx.text(operand.child_by_field_name("field")) == "FileHeader":
            operand = unwrap(operand.child_by_field_name("operand") or operand)
        if operand.type == "identifier" and _entry_variable(ctx, ctx.text(operand), fn):
            return node
        return None
    if node.type == "identifier":
        for value, _ in bound_values(ctx, ctx.text(node), fn):
            found = _entry_name(ctx, value, fn, depth + 1)
            if found is not None:
                return found
        return None
    if node.type == "binary_expression":
        for side in (node.child_by_field_name("left"), node.child_by_field_name("right")):
            found = _entry_name(ctx, side, fn, depth + 1) if side is not None else None
            if found is not None:
                return found
    return None


def holds_entry_name(ctx: TSContext, path: Node) -> bool:
    """Whether the file path ``path`` carries an archive entry's name: GO-ZIPSLIP-001's flaw, not GO-PATH-001's."""
    fn = function_of(path)
    return fn is not None and _entry_name(ctx, path, fn) is not None


def _exits(block: Node | None, ctx: TSContext) -> bool:
    """A block whose last statement leaves the loop or function (return, continue, break, goto, panic, exit)."""
    while block is not None and block.named_children and block.named_children[-1].type == "statement_list":
        block = block.named_children[-1]
    last = block.named_children[-1] if block is not None and block.named_children else None
    if last is None:
        return False
    if last.type in ("return_statement", "continue_statement", "break_statement", "goto_statement"):
        return True
    return last.type == "expression_statement" and bool(_EXIT_CALL.match(ctx.text(last)))


def _guards(check: Node, header: str, use: Node, ctx: TSContext) -> bool:
    """Whether the ``if`` ``check`` protects ``use``: ``use`` runs only where the test said the name is safe
    (inside ``if filepath.IsLocal(name) {..}``, or after/in the else of ``if !filepath.IsLocal(name) { return }``)."""
    negative = bool(_NEGATIVE_TEST.search(header))
    body, other = check.child_by_field_name("consequence"), check.child_by_field_name("alternative")
    inside = body is not None and body.start_byte <= use.start_byte < body.end_byte
    if inside:
        return not negative
    if other is not None and other.start_byte <= use.start_byte < other.end_byte:
        return negative
    return negative and check.end_byte <= use.start_byte and _exits(body, ctx)


def _checked(ctx: TSContext, fn: Node, names: set[str], pattern: re.Pattern[str], use: Node | None = None) -> bool:
    """An ``if`` (initializer included) that tests one of ``names`` (or a value computed from one) with a check
    matching ``pattern``; with ``use``, only an ``if`` that guards it (see ``_guards``)."""
    derived = set(names)
    for node in walk(fn):
        if node.type in ("short_var_declaration", "assignment_statement"):
            right, left = node.child_by_field_name("right"), node.child_by_field_name("left")
            if right is not None and left is not None and any(re.search(rf"\b{re.escape(n)}\b", ctx.text(right))
                                                              for n in names):  # fmt: skip
                derived |= {ctx.text(t) for t in left.named_children}
    words = "|".join(re.escape(n) for n in sorted(derived) if n and n != "_")
    if not words:
        return False
    for node in walk(fn, skip=FUNCTIONS[2:]):
        if node.type == "if_statement":
            header = ctx.text(node.child_by_field_name("initializer")) + ctx.text(node.child_by_field_name("condition"))
            tests = re.search(rf"(?<![\w.])(?:{words})\b", header) and pattern.search(header)
            if tests and (use is None or _guards(node, header, use, ctx)):
                return True
    return False


def _target_name(ctx: TSContext, join: Node) -> str | None:
    parent = join.parent
    if parent is not None and parent.type == "expression_list" and parent.parent is not None:
        binding = parent.parent
        if binding.type in ("short_var_declaration", "assignment_statement"):
            left = binding.child_by_field_name("left")
            return ctx.text(left.named_children[0]) if left is not None and left.named_children else None
    return None


@ts_rule(
    id="GO-ZIPSLIP-001",
    title="Archive entry name used as a file path without a containment check (zip slip)",
    cwe=22,
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    languages=("go",),
    query=f"""({CALL} (#eq? @method "Join"))""",
    why="""Assistants unpack uploaded zip and tar files by looping over the entries and writing each to
    filepath.Join(dest, f.Name). Entry names are chosen by whoever built the archive, and filepath.Join keeps
    '..': an entry called ../../home/app/.ssh/authorized_keys or ../bin/server overwrites files outside the
    destination, which usually ends in code execution.""",
    fix="""Refuse entries whose name is not local (if !filepath.IsLocal(f.Name) { return errBadEntry }), or join,
    clean and require strings.HasPrefix(target, filepath.Clean(dest)+string(os.PathSeparator)); skip symlink
    entries; Go 1.24's os.Root keeps every write inside the folder.""",
)
def go_zip_slip(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    call: Node = captures["call"][0]
    found = package_call(ctx, call)
    if found not in (("path/filepath", "Join"), ("path", "Join")) or is_test(ctx):
        return
    if not _ARCHIVES & set(imports(ctx).values()):
        return
    fn = function_of(call)
    if fn is None or not _WRITERS.search(ctx.text(fn)):
        return
    entry = next((e for a in ctx.arguments(call)[1:] if (e := _entry_name(ctx, a, fn)) is not None), None)
    if entry is None:
        return
    target = _target_name(ctx, call)
    if target is not None and _checked(ctx, fn, {target}, _PATH_CHECK):
        return
    root = ctx.text(unwrap(entry.child_by_field_name("operand") or entry))
    if _checked(ctx, fn, {ctx.compact(entry), root}, _NAME_CHECK, use=call):
        return
    yield ctx.hit(call, f"archive entry name {ctx.compact(entry)} joined into a path: '../' in it writes outside "
                        "the destination folder")  # fmt: skip


# ----- GO-DECOMPRESS-001 --------------------------------------------------------------------------------
_DECOMPRESSORS = {
    "compress/gzip": ("NewReader",),
    "compress/zlib": ("NewReader", "NewReaderDict"),
    "compress/flate": ("NewReader", "NewReaderDict"),
    "compress/bzip2": ("NewReader",),
    "compress/lzw": ("NewReader",),
    "github.com/klauspost/compress/gzip": ("NewReader",),
    "github.com/klauspost/compress/zstd": ("NewReader",),
    "github.com/klauspost/compress/zlib": ("NewReader",),
    "github.com/ulikunitz/xz": ("NewReader",),
    "github.com/andybalholm/brotli": ("NewReader",),
}
_READERS = {"Copy": 1, "CopyBuffer": 1, "ReadAll": 0, "ReadFrom": 0}
_UNTRUSTED = re.compile(r"\b(?:r|req|request|c\.Request)\.Body\b|\b(?:resp|res|response)\.Body\b|FormFile|"
                        r"MultipartForm|upload", re.IGNORECASE)  # fmt: skip
_SIZE_CHECK = re.compile(r"UncompressedSize|CopyN\(|(?i:max\w*(?:size|bytes))")
# io.LimitReader(gz, n): a bound only when it wraps the decompressing reader, not some other stream of the function.
_LIMITED = re.compile(r"LimitReader\(\s*(\w+)\s*,")


def _decompressor(ctx: TSContext, node: Node, fn: Node, depth: int = 0) -> Node | None:
    """The call that makes a decompressing reader behind ``node``: gzip.NewReader(..), a zip entry's Open(), a
    tar reader over a gzip stream; None for anything else (io.LimitReader(..) included)."""
    node = unwrap(node)
    if node.type == "call_expression":
        found = package_call(ctx, node)
        if found is not None and found[1] in _DECOMPRESSORS.get(found[0], ()):
            return node
        if found is not None and found == ("archive/tar", "NewReader"):
            args = ctx.arguments(node)
            return _decompressor(ctx, args[0], fn, depth + 1) if args and depth < 3 else None
        callee = node.child_by_field_name("function")
        if found is None and callee is not None and callee.type == "selector_expression":
            operand = unwrap(callee.child_by_field_name("operand") or callee)
            method = ctx.text(callee.child_by_field_name("field"))
            if method == "Open" and operand.type == "identifier" and _range_over_files(ctx, ctx.text(operand), fn):
                return node  # rc, err := f.Open() on a zip entry inflates it
        return None
    if node.type != "identifier" or depth > 3:
        return None
    for value, _ in bound_values(ctx, ctx.text(node), fn):
        found_node = _decompressor(ctx, value, fn, depth + 1)
        if found_node is not None:
            return found_node
    return None


def _size_checked(ctx: TSContext, fn: Node, reader: Node) -> bool:
    """A budget in ``fn`` (entry sizes, CopyN, a max size) or an io.LimitReader around the ``reader`` read."""
    text = ctx.text(fn)
    name = ctx.text(unwrap(reader))
    return bool(_SIZE_CHECK.search(text)) or any(m.group(1) == name for m in _LIMITED.finditer(text))


@ts_rule(
    id="GO-DECOMPRESS-001",
    title="Decompressed data read without a size limit (decompression bomb)",
    cwe=(409, 400),
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    languages=("go",),
    query=f"""({CALL} (#any-of? @method "Copy" "CopyBuffer" "ReadAll" "ReadFrom"))""",
    why="""Assistants accept gzip request bodies and unpack uploaded archives with io.Copy(dst, gz) or
    io.ReadAll(gz). A few kilobytes of gzip or deflate expand to gigabytes: one request fills the memory or the
    disk and takes the service down.""",
    fix="""Bound what is read after decompressing: io.Copy(dst, io.LimitReader(gz, maxBytes)) or
    io.CopyN(dst, gz, maxBytes) and fail when the limit is reached; for zip entries also check
    f.UncompressedSize64 against a budget before opening them.""",
)
def go_decompression_bomb(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    call: Node = captures["call"][0]
    method = ctx.text(captures["method"][0])
    found = package_call(ctx, call)
    if found is not None and found not in (("io", method), ("io/ioutil", method)):
        return
    args = ctx.arguments(call)
    index = _READERS[method]
    fn = function_of(call)
    if len(args) <= index or fn is None or is_test(ctx):
        return
    source = _decompressor(ctx, args[index], fn)
    if source is None or _size_checked(ctx, fn, args[index]):
        return
    untrusted = is_handler(ctx, fn) or bool(_UNTRUSTED.search(ctx.text(source)))
    yield ctx.hit(call, f"{method} reads everything {ctx.compact(source.child_by_field_name('function'))} "
                        "inflates: a small archive expands to gigabytes; wrap it in io.LimitReader",
                  confidence=Confidence.HIGH if untrusted else None)  # fmt: skip
