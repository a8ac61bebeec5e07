"""Rust unsafe code: undocumented unsafe (RUST-UNSAFE-001), transmute (RUST-TRANSMUTE-001), and slices made
from raw parts with unchecked lengths (RUST-RAWPARTS-001)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.flow import describe
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.rust.common import bound_name, comment_above, generated, item_of, lines, path_name, uses
from slopguard.rules.shared.trees import walk

_SAFETY = re.compile(r"(?i)\bsafety\b|\bsafe\s+because\b")
_STATEMENTS = ("expression_statement", "let_declaration", "match_arm", "field_initializer", "static_item",
               "const_item", "function_item", "closure_expression")  # fmt: skip


def _unsafe_token(node: Node) -> Node:
    for child in node.children:
        if child.type == "unsafe":
            return child
        if child.type == "function_modifiers":
            return _unsafe_token(child)
    return node


def _first_comment(body: Node | None) -> str:
    """The comments a block starts with."""
    found: list[str] = []
    for child in body.named_children if body is not None else []:
        if child.type not in ("line_comment", "block_comment"):
            break
        found.append(child.text.decode("utf-8", "replace") if child.text is not None else "")
    return "\n".join(found)


def _block_documented(ctx: TSContext, block: Node) -> bool:
    """A ``// SAFETY:`` comment at the start of the block, or above it or above the statement holding it."""
    inner = next((c for c in block.named_children if c.type == "block"), None)
    if _SAFETY.search(_first_comment(inner)):
        return True
    node: Node | None = block
    while node is not None:
        if comment_above(ctx, node.start_point[0], _SAFETY):
            return True
        if node.type in _STATEMENTS:
            return False
        node = node.parent
    return False


def documented(ctx: TSContext, node: Node) -> bool:
    """Whether the unsafe code around ``node`` (its unsafe block or unsafe fn) carries a safety justification."""
    parent: Node | None = node
    while parent is not None:
        if parent.type == "unsafe_block":
            return _block_documented(ctx, parent)
        if parent.type == "function_item":
            return comment_above(ctx, parent.start_point[0], _SAFETY)
        parent = parent.parent
    return False


def _in_trait_impl(fn: Node) -> bool:
    parent = fn.parent
    if parent is not None and parent.type == "declaration_list":
        parent = parent.parent
    return parent is not None and parent.type == "impl_item" and parent.child_by_field_name("trait") is not None


def is_unsafe_fn(fn: Node | None) -> bool:
    mods = next((c for c in fn.children if c.type == "function_modifiers"), None) if fn is not None else None
    return mods is not None and any(c.type == "unsafe" for c in mods.children)


@ts_rule(
    id="RUST-UNSAFE-001",
    title="unsafe code without a SAFETY justification",
    cwe=(758, 676),
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    languages=("rust",),
    query='(unsafe_block) @block (function_item (function_modifiers "unsafe")) @fn (impl_item "unsafe") @impl',
    why="""Assistants reach for `unsafe { ... }` to silence the borrow checker, read through raw pointers or call
    FFI, and never say why it is sound. Undocumented unsafe is where use-after-free, aliasing violations,
    out-of-bounds reads and data races enter a Rust program (undefined behaviour the compiler then optimises
    around), and reviewers cannot check an invariant nobody wrote down.""",
    fix="""Prefer a safe API; where unsafe is needed, keep the block minimal and put a `// SAFETY:` comment directly
    above it stating why every requirement of the unsafe operation holds (document `unsafe fn` callers'
    obligations in a `/// # Safety` section).""",
)
def rust_undocumented_unsafe(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    if generated(ctx):
        return
    if "block" in captures:
        block: Node = captures["block"][0]
        if not _block_documented(ctx, block):
            yield ctx.hit(_unsafe_token(block), "unsafe block without a `// SAFETY:` comment saying why it is sound")
    elif "fn" in captures:
        fn: Node = captures["fn"][0]
        body = fn.child_by_field_name("body")
        if _in_trait_impl(fn) or comment_above(ctx, fn.start_point[0], _SAFETY) or _SAFETY.search(_first_comment(body)):
            return
        name = ctx.text(fn.child_by_field_name("name"))
        yield ctx.hit(_unsafe_token(fn), f"unsafe fn {name} without a `/// # Safety` section for its callers")
    elif "impl" in captures:
        impl: Node = captures["impl"][0]
        row = impl.start_point[0]
        while row > 0 and re.match(r"\s*unsafe\s+impl\b.*\{\s*\}\s*(?://.*)?$", lines(ctx)[row - 1]):
            row -= 1  # one comment above `unsafe impl Send ..{}` and `unsafe impl Sync ..{}` covers both
        if not comment_above(ctx, row, _SAFETY):
            yield ctx.hit(_unsafe_token(impl), "unsafe impl without a `// SAFETY:` comment on why the contract holds")


def _std_path(ctx: TSContext, call: Node, module: str, names: tuple[str, ...]) -> str | None:
    """``transmute`` for ``std::mem::transmute::<A, B>(x)`` / ``mem::transmute(x)`` / an imported ``transmute(x)``."""
    name = path_name(ctx, call)
    head, _, last = name.rpartition("::")
    if last not in names:
        return None
    if head in (module, f"std::{module}", f"core::{module}", f"::std::{module}", f"::core::{module}"):
        return last
    if head == "" and uses(ctx, module) and re.search(rf"\b{last}\b", _use_text(ctx)):
        return last
    return None


def _use_text(ctx: TSContext) -> str:
    return " ".join(ctx.text(n) for n in ctx.tree.root_node.named_children if n.type == "use_declaration")


_CALLEE = "[(identifier) (scoped_identifier) (generic_function)]"


@ts_rule(
    id="RUST-TRANSMUTE-001",
    title="std::mem::transmute",
    cwe=(843, 758),
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    languages=("rust",),
    query=f'(call_expression function: {_CALLEE} @fn (#match? @fn "transmute")) @call',
    why="""Assistants use mem::transmute to turn bytes into structs, integers into enums or floats, lifetimes into
    'static, and &T into &mut T. Any value that is not a valid bit pattern for the target type (an enum
    discriminant, a bool, a reference) is instant undefined behaviour, and extending a lifetime gives a
    dangling reference — memory corruption that attacker-shaped input can trigger.""",
    fix="""Use the checked conversions: f32::from_bits/to_bits, u32::from_ne_bytes, TryFrom for enums,
    bytemuck::cast/zerocopy for plain-old-data, pointer .cast::<T>(); never transmute lifetimes or & to &mut.""",
)
def rust_transmute(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    if generated(ctx):
        return
    call: Node = captures["call"][0]
    name = _std_path(ctx, call, "mem", ("transmute", "transmute_copy"))
    if name is None:
        return
    if documented(ctx, call):
        yield ctx.hit(call, f"mem::{name} reinterprets bits without any check; prefer a checked conversion",
                      severity=Severity.LOW)  # fmt: skip
    else:
        yield ctx.hit(call, f"mem::{name} in unsafe code with no SAFETY comment; use a checked conversion")


# ----- RUST-RAWPARTS-001 -----------------------------------------------------------------------------
_BOUNDED_CALLS = re.compile(
    r"(?:^|\.|::)(?:len|capacity|count|size_of|size_of_val|align_of|min|clamp|saturating_sub|count_ones|get_len|"
    r"checked_\w+|try_into|try_from)$"
)
_ALLOCATORS = re.compile(r"(?:Layout::array|Layout::from_size_align\w*|with_capacity|alloc\w*|reserve\w*|resize)$")
_SELF = re.compile(r"^\(?\*?self\b")
_COMPARISON = frozenset({"<", "<=", ">", ">=", "==", "!="})
_CHECK_MACROS = frozenset({"assert", "debug_assert", "assert_eq", "assert_ne", "debug_assert_eq", "ensure", "bail"})


def _terms(ctx: TSContext, node: Node) -> list[str]:
    """Values a length is computed from that need a bound: identifiers and fields, not `.len()`, consts, sizes."""
    if node.type in ("integer_literal", "primitive_type", "type_arguments") or _SELF.match(ctx.compact(node)):
        return []  # a field of self or what a method of self returns: an invariant its type maintains
    if node.type in ("identifier", "field_expression", "parenthesized_expression", "unary_expression"):
        text = ctx.compact(node)
        if text.rsplit(".", 1)[-1].isupper():
            return []
        if node.type in ("identifier", "field_expression"):
            return [text]
    if node.type == "call_expression" and _BOUNDED_CALLS.search(ctx.call_name(node).rstrip(":")):
        return []
    if node.type == "scoped_identifier":
        return [] if ctx.text(node.child_by_field_name("name")).isupper() else [ctx.compact(node)]
    if node.type == "call_expression" and ctx.call_name(node).endswith(("::from", ".into")):
        args = node.child_by_field_name("arguments")
        return [t for a in (args.named_children if args is not None else []) for t in _terms(ctx, a)]
    if node.type == "call_expression":
        return [ctx.compact(node)]  # a value read from elsewhere: header.len.get(endian), ffi::column_bytes(..)
    return [t for child in node.named_children for t in _terms(ctx, child)]


def _pattern_names(ctx: TSContext, pattern: Node | None) -> set[str]:
    """``len`` for the patterns ``len``, ``mut len`` and ``(ptr, len, _)``."""
    if pattern is None:
        return set()
    return {ctx.text(n) for n in walk(pattern) if n.type == "identifier"} | {bound_name(ctx, pattern)}


def _checked(ctx: TSContext, term: str, fn: Node, before: int, depth: int = 0) -> bool:
    """Whether ``term`` is compared, asserted, clamped or derived from a bounded value before ``before``."""
    word = re.compile(rf"(?<![\w.]){re.escape(term)}(?!\w)")
    for node in walk(fn):
        if node.start_byte >= before:
            continue
        kind = node.type
        if kind == "binary_expression":
            op = node.child_by_field_name("operator")
            if op is not None and op.type in _COMPARISON and word.search(ctx.compact(node)):
                zero = {ctx.text(node.child_by_field_name(f)) for f in ("left", "right")} & {
                    "0",
                    "0usize",
                    "null",
                }
                if op.type in ("<", "<=", ">", ">=") or not zero:
                    return True
        elif kind == "macro_invocation" and ctx.call_name(node) in _CHECK_MACROS and word.search(ctx.compact(node)):
            return True
        elif kind == "call_expression" and _ALLOCATORS.search(ctx.call_name(node)) and word.search(ctx.compact(node)):
            return True  # the buffer was allocated with this length
        elif kind == "match_expression" and word.search(ctx.compact(node.child_by_field_name("value"))):
            return True  # match len { 1..=7 => .. }
        elif kind == "let_declaration" and term in _pattern_names(ctx, node.child_by_field_name("pattern")):
            value = node.child_by_field_name("value")
            if value is not None and depth < 3:
                free = _terms(ctx, value)
                if not free or all(_checked(ctx, t, fn, node.start_byte, depth + 1) for t in free):
                    return True
    return False


def _read_from_slice(ctx: TSContext, term: str, fn: Node, before: int) -> bool:
    """Whether the length ``term`` is read out of a slice's bytes (``data[0] as usize``,
    ``u32::from_le_bytes([data[0], ..])``): a header of the data being parsed, whose real size ``.len()`` was at
    hand and was not consulted. No caller's contract covers that."""
    for node in walk(fn):
        if node.start_byte >= before or node.type != "let_declaration":
            continue
        if term not in _pattern_names(ctx, node.child_by_field_name("pattern")):
            continue
        value = node.child_by_field_name("value")
        indexed = [n for n in walk(value) if n.type == "index_expression"] if value is not None else []
        if any(n.named_children and n.named_children[0].type == "identifier" for n in indexed):
            return True
    return False


def _capacity_parameter(ctx: TSContext, pointer: Node, fn: Node) -> str | None:
    """``out_cap`` for the raw pointer parameter ``out`` of ``fn(.., out: *mut u8, out_cap: usize)``: the size of
    the caller's buffer, passed next to it."""
    while pointer.type in ("type_cast_expression", "parenthesized_expression") and pointer.named_children:
        pointer = pointer.named_children[0]
    params = fn.child_by_field_name("parameters")
    if pointer.type != "identifier" or params is None:
        return None
    name = ctx.text(pointer)
    typed = {
        bound_name(ctx, p.child_by_field_name("pattern") or p): ctx.compact(p.child_by_field_name("type"))
        for p in params.named_children
        if p.type == "parameter"
    }
    if not typed.get(name, "").startswith("*"):
        return None
    size = re.compile(rf"^{re.escape(name)}_?(?:cap|capacity|len|size|max|bytes)$")
    return next((p for p, t in typed.items() if size.match(p) and not t.startswith("*")), None)


def _capacity_unused(ctx: TSContext, capacity: str, length: Node, fn: Node, before: int) -> bool:
    """Whether the buffer's capacity plays no part in the length: absent from it, and before the call used only
    in tests against zero (``out_cap == 0``)."""
    word = re.compile(rf"(?<![\w.]){re.escape(capacity)}(?!\w)")
    if word.search(ctx.compact(length)):
        return False
    body = fn.child_by_field_name("body")
    for node in walk(body) if body is not None else []:
        if node.start_byte >= before or node.type != "identifier" or ctx.text(node) != capacity:
            continue
        test = node.parent
        if test is None or test.type != "binary_expression" or ctx.text(test.child_by_field_name("operator")) not in (
                "==", "!=") or not {ctx.text(test.child_by_field_name(f)) for f in ("left", "right")} & {
                "0", "0usize"}:  # fmt: skip
            return False
    return True


@ts_rule(
    id="RUST-RAWPARTS-001",
    title="slice::from_raw_parts with an unchecked length",
    cwe=(119, 787),
    severity=Severity.HIGH,
    confidence=Confidence.MEDIUM,
    languages=("rust",),
    query=f'(call_expression function: {_CALLEE} @fn (#match? @fn "from_raw_parts")) @call',
    why="""Assistants write `slice::from_raw_parts(ptr, len)` for FFI buffers and packet parsing with `len` taken
    straight from a parameter, a header field or a C caller, never checked against the allocation. A length
    larger than the buffer makes a slice over neighbouring memory: out-of-bounds reads (information leaks) and,
    with from_raw_parts_mut, out-of-bounds writes an attacker can steer.""",
    fix="""Check the pointer for null and bound the length against the real allocation (or a protocol maximum)
    before building the slice, ideally keep a safe slice from the start and index it with .get(..len), and put
    a `// SAFETY:` comment stating the invariant.""",
)
def rust_raw_parts(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    if generated(ctx):
        return
    call: Node = captures["call"][0]
    name = _std_path(ctx, call, "slice", ("from_raw_parts", "from_raw_parts_mut"))
    args = ctx.arguments(call)
    item = item_of(call)
    if name is None or len(args) != 2 or item is None:
        return
    unchecked = [t for t in dict.fromkeys(_terms(ctx, args[1])) if not _checked(ctx, t, item, call.start_byte)]
    capacity = _capacity_parameter(ctx, args[0], item)
    if not unchecked and capacity is not None and _capacity_unused(ctx, capacity, args[1], item, call.start_byte):
        if not (is_unsafe_fn(item) or documented(ctx, call)):
            message = f"{name} takes its length from `{ctx.compact(args[1])}`, never checked against `{capacity}`"
            yield ctx.hit(call, f"{message}, the size of the caller's buffer")
        return
    if not unchecked:
        return
    if (is_unsafe_fn(item) or documented(ctx, call)) and not any(
        _read_from_slice(ctx, t, item, call.start_byte) for t in unchecked
    ):
        return  # an unsafe fn hands the length contract to its callers; a SAFETY comment states why it holds
    flow = ctx.flow(args[1])
    origin = f" ({describe(flow)})" if flow.tainted else ""
    yield ctx.hit(
        call,
        f"{name} trusts the length `{unchecked[0]}`{origin}, which is never checked against the buffer",
        confidence=Confidence.HIGH if flow.tainted else Confidence.MEDIUM,
    )
