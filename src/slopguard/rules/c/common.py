"""What the C/C++ rules share: call queries, plain callee names, string literal values, integer constants and
``#define`` macros, and declared array sizes (locals, file-scope arrays, struct fields)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from tree_sitter import Node

from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.shared.trees import walk

PATH_MAX = 4096
BYTE_TYPES = frozenset(
    {"char", "signed char", "unsigned char", "uint8_t", "int8_t", "u_char", "u8", "BYTE", "gchar", "guchar", "char8_t"}
)  # fmt: skip
# Calls that copy their second argument into their first.
COPIERS = frozenset({"strcpy", "strncpy", "strcat", "strncat", "stpcpy", "stpncpy", "strlcpy", "strlcat", "memcpy",
                     "memmove", "wcscpy", "wcscat", "wcsncpy", "wcsncat"})  # fmt: skip
GETTEXT = frozenset({"_", "gettext", "dgettext", "dcgettext", "ngettext", "dngettext", "pgettext", "N_", "C_", "Q_"})
STRINGS = frozenset({"string_literal", "concatenated_string", "raw_string_literal"})
_WRAPPERS = frozenset({"parenthesized_expression", "cast_expression"})
_DECLARATORS = frozenset({"pointer_declarator", "reference_declarator", "array_declarator", "parenthesized_declarator"})
_MACRO = re.compile(r"^[A-Z][A-Z0-9_]*$")
_INT = re.compile(r"^(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)[uUlL]*$")
_PRODUCT = re.compile(r"^\(?\s*(\w+)\s*([*+])\s*(\w+)\s*\)?$")
_PRI = re.compile(r"^(?:PRI|SCN)([diouxX])(?:8|16|32|64|MAX|PTR|LEAST\d+|FAST\d+)$")
_QUOTED = re.compile(r'^"((?:[^"\\]|\\.)*)"$')
_ESCAPE = re.compile(r"\\(?:[0-7]{1,3}|x[0-9a-fA-F]+|.)")
_LINE_COMMENT = re.compile(r"""^((?:[^"'/]|"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|/(?!/))*)//.*$""", re.DOTALL)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "\\": "\\", '"': '"', "'": "'", "a": "\a", "e": "\x1b"}


@dataclass(frozen=True)
class ArrayDecl:
    """A fixed-size array declaration: ``char buf[64]`` -> size_text "64", size 64, byte True."""

    name: str
    size_text: str
    size: int | None
    byte: bool


@dataclass
class FileFacts:
    macros: dict[str, int] = field(default_factory=dict)
    macro_text: dict[str, str] = field(default_factory=dict)
    arrays: dict[str, ArrayDecl] = field(default_factory=dict)
    fields: dict[str, ArrayDecl | None] = field(default_factory=dict)  # None: same field name, different sizes
    read: bool = False  # filled from the file (it is stored before it is filled)


def macro_value(text: str) -> str:
    """The value of a ``#define`` as tree-sitter hands it over, without a trailing ``// comment`` (a ``/* */``
    comment is a node of its own): ``"pw" // admin`` -> ``"pw"``."""
    match = _LINE_COMMENT.match(text)
    return (match.group(1) if match else text).strip()


def calls_to(*names: Iterable[str]) -> str:
    """A query for calls of these functions, plain or as ``std::name`` / ``::name`` (checked again by callee())."""
    alternatives = "|".join(sorted({re.escape(n) for group in names for n in group}))
    return f'((call_expression function: (_) @fn) @call (#match? @fn "^(std::|::)?({alternatives})$"))'


def callee(ctx: TSContext, call: Node) -> str:
    """The plain function name: ``strcpy`` for ``strcpy(...)``, ``std::strcpy(...)``, ``::strcpy(...)``; "" for
    methods, function pointers and other namespaces."""
    fn = call.child_by_field_name("function")
    if fn is None:
        return ""
    if fn.type == "identifier":
        return ctx.text(fn)
    if fn.type == "qualified_identifier":
        text = ctx.compact(fn)
        rest = text[5:] if text.startswith("std::") else text[2:] if text.startswith("::") else ""
        return rest if rest.isidentifier() else ""
    return ""


def function_declarator(func: Node) -> Node | None:
    """The ``function_declarator`` of a function definition, under any pointer or reference declarators."""
    declarator = func.child_by_field_name("declarator")
    while declarator is not None and declarator.type != "function_declarator":
        declarator = declarator.child_by_field_name("declarator")
    return declarator


def parameter_names(ctx: TSContext, func: Node) -> list[str]:
    """The names of a function definition's parameters, in order ("" where one is unnamed)."""
    declarator = function_declarator(func)
    params = declarator.child_by_field_name("parameters") if declarator is not None else None
    children = params.named_children if params is not None else []
    return [declared_name(ctx, p.child_by_field_name("declarator") or p) for p in children]


@dataclass(frozen=True, slots=True)
class Definition:
    """A function defined in the file: its plain name, the definition, its body and its parameters' names."""

    name: str
    node: Node
    body: Node
    parameters: list[str]


def definitions(ctx: TSContext) -> list[Definition]:
    """The file's function definitions with a plain identifier for a name, in source order (computed once)."""
    return ctx.memo("c.definitions_list", lambda: list(_definitions(ctx)))


def _definitions(ctx: TSContext) -> Iterator[Definition]:
    for func in walk(ctx.tree.root_node):
        if func.type != "function_definition":
            continue
        declarator, body = function_declarator(func), func.child_by_field_name("body")
        if declarator is None or body is None or declarator.child_by_field_name("parameters") is None:
            continue
        name = declarator.child_by_field_name("declarator")
        if name is not None and ctx.text(name).isidentifier():
            yield Definition(ctx.text(name), func, body, parameter_names(ctx, func))


def function_name(ctx: TSContext, node: Node) -> str:
    """The name of the function ``node`` sits in (``check`` for ``bool Auth::check(...)``); "" for lambdas."""
    func = ctx.function_of(node)
    declarator = function_declarator(func) if func is not None else None
    name = declarator.child_by_field_name("declarator") if declarator is not None else None
    return ctx.text(name).split("::")[-1] if name is not None else ""


def unwrap(node: Node) -> Node:
    while node.type in _WRAPPERS and node.named_children:
        node = node.named_children[-1]
    return node


def base_name(ctx: TSContext, node: Node) -> str:
    """The variable a buffer argument names: ``buf``, ``&line``, ``(char *)buf``; "" for anything else."""
    node = unwrap(node)
    if node.type == "pointer_expression" and node.named_children:
        node = unwrap(node.named_children[-1])
    return ctx.text(node) if node.type == "identifier" else ""


def declared_name(ctx: TSContext, declarator: Node) -> str:
    """The name a declarator declares: ``p`` in ``*p``, ``&r``, ``buf[64]``, ``(*fp)``."""
    while declarator.type in _DECLARATORS:
        inner = declarator.child_by_field_name("declarator")
        if inner is None and not declarator.named_children:
            return ""
        declarator = inner if inner is not None else declarator.named_children[-1]
    return ctx.text(declarator) if declarator.type == "identifier" else ""


def is_macro(ctx: TSContext, node: Node) -> bool:
    node = unwrap(node)
    return node.type == "identifier" and bool(_MACRO.match(ctx.text(node)))


def is_null(ctx: TSContext, node: Node) -> bool:
    node = unwrap(node)
    return node.type in ("null", "nullptr") or ctx.text(node) in ("NULL", "0", "nullptr")


def string_value(ctx: TSContext, node: Node) -> str | None:
    """The characters of a string literal (escapes decoded, adjacent literals and PRIu64-style macros joined)."""
    node = unwrap(node)
    if node.type == "raw_string_literal":
        return "".join(ctx.text(c) for c in node.named_children if c.type == "raw_string_content")
    if node.type == "concatenated_string":
        parts = []
        for child in node.named_children:
            pri = _PRI.match(ctx.text(child)) if child.type == "identifier" else None
            part = "ll" + pri.group(1) if pri else string_value(ctx, child)
            if part is None:
                return None
            parts.append(part)
        return "".join(parts)
    if node.type == "identifier":
        quoted = _QUOTED.match(file_facts(ctx).macro_text.get(ctx.text(node), ""))
        return _ESCAPE.sub(lambda m: _ESCAPES.get(m.group(0)[1], "?"), quoted.group(1)) if quoted else None
    if node.type != "string_literal":
        return None
    out = []
    for child in node.named_children:
        text = ctx.text(child)
        out.append(_ESCAPES.get(text[1:2], "?") if child.type == "escape_sequence" else text)
    return "".join(out)


def literal_like(ctx: TSContext, node: Node) -> bool:
    """A string fixed at compile time: literals, ``_("...")`` translations, MACRO constants, ``c ? "a" : "b"``."""
    node = unwrap(node)
    if node.type in STRINGS or is_macro(ctx, node):
        return True
    if node.type == "call_expression" and callee(ctx, node) in GETTEXT:
        return any(a.type in STRINGS for a in ctx.arguments(node))
    if node.type == "conditional_expression":
        parts = [node.child_by_field_name(f) for f in ("consequence", "alternative")]
        return all(p is not None and literal_like(ctx, p) for p in parts)
    return False


def const_int(ctx: TSContext, node: Node) -> int | None:
    """An integer known at compile time: literals, ``#define`` constants, simple products and sums of them."""
    node = unwrap(node)
    if node.type == "number_literal":
        return _parse_int(ctx.text(node))
    if node.type == "identifier":
        return file_facts(ctx).macros.get(ctx.text(node))
    if node.type == "binary_expression":
        op = node.child_by_field_name("operator")
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        a = const_int(ctx, left) if left is not None else None
        b = const_int(ctx, right) if right is not None else None
        if a is None or b is None or op is None:
            return None
        return {"+": a + b, "-": a - b, "*": a * b, "/": a // b if b else None}.get(op.type)
    return None


def _parse_int(text: str, macros: dict[str, int] | None = None) -> int | None:
    text = text.strip()
    while text.startswith("(") and text.endswith(")"):
        text = text[1:-1].strip()
    if _INT.match(text):
        return int(text.rstrip("uUlL"), 0) if not re.match(r"^0[0-7]+", text) else int(text.rstrip("uUlL"), 8)
    if macros is not None and text in macros:
        return macros[text]
    product = _PRODUCT.match(text)
    if product and macros is not None:
        a, b = _parse_int(product.group(1), macros), _parse_int(product.group(3), macros)
        if a is not None and b is not None:
            return a * b if product.group(2) == "*" else a + b
    return None


def array_decls(ctx: TSContext, declaration: Node) -> Iterator[ArrayDecl]:
    """The fixed-size arrays a declaration (or struct field declaration) declares."""
    type_node = declaration.child_by_field_name("type")
    byte = type_node is not None and " ".join(ctx.text(type_node).split()) in BYTE_TYPES
    for declarator in declaration.children_by_field_name("declarator"):
        value = None
        if declarator.type == "init_declarator":
            value = declarator.child_by_field_name("value")
            declarator = declarator.child_by_field_name("declarator") or declarator
        if declarator.type != "array_declarator":
            continue
        name = declarator.child_by_field_name("declarator")
        if name is None or name.type not in ("identifier", "field_identifier"):
            continue
        size_node = declarator.child_by_field_name("size")
        if size_node is not None:
            yield ArrayDecl(ctx.text(name), ctx.compact(size_node), const_int(ctx, size_node), byte)
        elif value is not None and (literal := string_value(ctx, value)) is not None:
            yield ArrayDecl(ctx.text(name), "", len(literal.encode()) + 1, byte)


def file_facts(ctx: TSContext) -> FileFacts:
    facts = ctx.memo("c.file_facts", FileFacts)  # stored before it is filled: array sizes may name macros
    if facts.read:
        return facts
    facts.read = True
    for node in walk(ctx.tree.root_node, skip=frozenset({"compound_statement"})):
        if node.type == "preproc_def":
            name, value = node.child_by_field_name("name"), node.child_by_field_name("value")
            if name is not None and value is not None:
                text = macro_value(ctx.text(value))
                facts.macro_text[ctx.text(name)] = text
                number = _parse_int(text, facts.macros)
                if number is not None:
                    facts.macros[ctx.text(name)] = number
        elif node.type == "declaration" and ctx.function_of(node) is None:
            facts.arrays.update((a.name, a) for a in array_decls(ctx, node))
            facts.macros.update(_integer_constants(ctx, node))
        elif node.type == "field_declaration":
            for decl in array_decls(ctx, node):
                known = facts.fields.get(decl.name, decl)
                facts.fields[decl.name] = decl if known == decl else None
    return facts


def _integer_constants(ctx: TSContext, declaration: Node) -> Iterator[tuple[str, int]]:
    """``constexpr std::size_t kNameMax = 24;`` / ``static const int LIMIT = 8;`` at file or namespace scope."""
    qualifiers = {ctx.text(c) for c in declaration.children if c.type == "type_qualifier"}
    if not qualifiers & {"const", "constexpr"}:
        return
    for declarator in declaration.children_by_field_name("declarator"):
        name, value = declarator.child_by_field_name("declarator"), declarator.child_by_field_name("value")
        if declarator.type == "init_declarator" and name is not None and name.type == "identifier" and value:
            number = const_int(ctx, value)
            if number is not None:
                yield ctx.text(name), number
