"""C-WIPE-001: a password or key cleared with memset()/bzero() just before it is freed or goes out of scope, a
dead store the compiler removes (CWE-14)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.c.common import COPIERS, base_name, callee, calls_to, is_null, string_value, unwrap
from slopguard.rules.c.dataflow import FunctionFacts, function_facts
from slopguard.rules.c.formats import BUFFER_FORMAT
from slopguard.rules.shared.names import words
from slopguard.rules.shared.secrets import secret_kind
from slopguard.rules.shared.trees import walk

_CLEARS = frozenset({"memset", "bzero"})
# Calls after which the buffer is gone, and calls that do not read it.
_RELEASES = frozenset({"free", "g_free", "OPENSSL_free", "CRYPTO_free", "kfree", "vfree"})
_BLIND = _RELEASES | _CLEARS | {"sizeof"}
_SECRET_LAST = frozenset({"key", "keys", "seed", "pin", "privkey", "passphrase", "plaintext", "cleartext"})
_CREDENTIAL_TEXT = re.compile(r"(?i)authorization:|\bbearer\s|\bbasic\s|password=|passwd=|api[_-]?key[=:]|token[=:]")
_LOOPS = frozenset({"for_statement", "while_statement", "do_statement", "for_range_loop"})


def _secret_name(ctx: TSContext, buffer: Node) -> str:
    """The name of the cleared buffer when it reads as a secret: ``password``, ``&key``, ``s->aes_key``."""
    node = unwrap(buffer)
    if node.type == "pointer_expression" and node.named_children:
        node = unwrap(node.named_children[-1])
    if node.type == "field_expression":
        field = node.child_by_field_name("field")
        name = ctx.text(field) if field is not None else ""
    else:
        name = ctx.text(node) if node.type == "identifier" else ""
    ws = words(name)
    return name if ws and (secret_kind(name) is not None or ws[-1] in _SECRET_LAST) else ""


def _holds_secret(ctx: TSContext, facts: FunctionFacts, buffer: Node, clear: Node) -> str:
    """The name of a local buffer that was filled with a secret before ``clear``: formatted or copied from a
    secret-named value or a credential header (``snprintf(auth, n, "Authorization: Bearer %s", token)``),
    handed to a call that reads one into it (``read_password(line, sizeof line)``), or a heap copy of a secret
    (``char *buf = strdup(env ? env : kFallbackToken)``)."""
    name = base_name(ctx, buffer)
    if not name or name in facts.params or (name not in facts.arrays and name not in facts.values):
        return ""
    if name not in facts.arrays and any(_names_secret(ctx, v) for v in facts.values[name]):
        return name
    for call in facts.calls:
        args = ctx.arguments(call)
        if call.start_byte >= clear.start_byte or not args or base_name(ctx, args[0]) != name:
            continue
        writer = callee(ctx, call)
        if writer not in COPIERS and writer not in BUFFER_FORMAT:
            if secret_kind(writer or ctx.call_name(call)) is not None:
                return name
            continue
        for arg in args[1:]:
            value = string_value(ctx, arg)
            if (value is not None and _CREDENTIAL_TEXT.search(value)) or any(
                secret_kind(ctx.text(n)) is not None for n in walk(arg) if n.type in ("identifier", "field_identifier")
            ):
                return name
    return ""


def _names_secret(ctx: TSContext, value: Node) -> bool:
    """A value that reads a secret-named variable, constant, call or environment variable: ``strdup(api_token)``,
    ``read_passphrase()``, ``getenv("DB_PASSWORD")``."""
    for node in walk(value):
        text = string_value(ctx, node) if node.type == "string_literal" else None
        if node.type in ("identifier", "field_identifier"):
            text = ctx.text(node)
        if text is not None and secret_kind(text) is not None:
            return True
    return False


def _zero(ctx: TSContext, call: Node, name: str) -> bool:
    args = ctx.arguments(call)
    return name == "bzero" or (len(args) == 3 and (is_null(ctx, args[1]) or ctx.text(args[1]) in ("'\\0'", "0x00")))


def _path_end(call: Node, func: Node) -> int:
    """Where the path through ``call`` leaves the function: the end of a ``return`` that follows it in its own
    block (code after that block runs only on other paths), else the end of the function."""
    statement = call
    while statement.parent is not None and statement.parent != func:
        block = statement.parent
        if block.type == "compound_statement":
            for sibling in block.named_children:
                if sibling.start_byte >= statement.end_byte and sibling.type == "return_statement":
                    return sibling.end_byte
        statement = block
    return func.end_byte


def _later_uses(ctx: TSContext, func: Node, call: Node, text: str) -> tuple[bool, bool]:
    """(read again, released) for the buffer ``text`` after ``call`` on the path through it: uses inside
    free()/memset() or ``p = NULL`` do not read it."""
    read = released = False
    end = _path_end(call, func)
    for node in walk(func):
        if not call.end_byte <= node.start_byte < end or node.type not in ("identifier", "field_expression"):
            continue
        if ctx.compact(node) != text:
            continue
        parent = node.parent
        while parent is not None and parent.type in ("parenthesized_expression", "cast_expression", "argument_list"):
            parent = parent.parent
        if parent is None:
            read = True
            continue
        owner = callee(ctx, parent) if parent.type == "call_expression" else ""
        if owner in _RELEASES or parent.type == "delete_expression":
            released = True
        elif not (owner in _BLIND or parent.type == "sizeof_expression" or _nulled(ctx, parent, node)):
            read = True
    return read, released


def _nulled(ctx: TSContext, assignment: Node, target: Node) -> bool:
    """``p = NULL``: the pointer is dropped, not read."""
    if assignment.type != "assignment_expression":
        return False
    right = assignment.child_by_field_name("right")
    return assignment.child_by_field_name("left") == target and right is not None and is_null(ctx, right)


def _local(ctx: TSContext, facts: FunctionFacts, buffer: Node) -> bool:
    """A buffer that lives only in this function: a local array (not ``static``)."""
    node = unwrap(buffer)
    name = ctx.text(node) if node.type == "identifier" else ""
    return bool(name) and name in facts.arrays and name not in facts.params


@ts_rule(
    id="C-WIPE-001",
    title="Secret cleared with memset() that the compiler may remove",
    cwe=14,
    severity=Severity.LOW,
    confidence=Confidence.MEDIUM,
    languages=("c", "cpp"),
    query=calls_to(_CLEARS),
    why="""Assistants wipe a password or key with memset(password, 0, sizeof password) right before free() or
    return. The buffer is never read again, so the optimiser drops the store as dead: the secret stays in freed
    heap or stack memory, where a core dump, swap, a later allocation or a memory-disclosure bug hands it out.""",
    fix="""Use a clear the compiler keeps: explicit_bzero() (glibc, BSD), memset_s() (C11 Annex K), OPENSSL_cleanse,
    sodium_memzero or SecureZeroMemory on Windows.""",
)
def c_removable_wipe(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    call: Node = captures["call"][0]
    name, args = callee(ctx, call), ctx.arguments(call)
    facts = function_facts(ctx, call)
    func = ctx.function_of(call)
    if name not in _CLEARS or not args or facts is None or func is None or not _zero(ctx, call, name):
        return
    secret = _secret_name(ctx, args[0]) or _holds_secret(ctx, facts, args[0], call)
    loop = next((a for a in _ancestors(call, func) if a.type in _LOOPS), None)
    if not secret or loop is not None:
        return
    buffer = unwrap(args[0])
    if buffer.type == "pointer_expression" and buffer.named_children:
        buffer = unwrap(buffer.named_children[-1])
    read, released = _later_uses(ctx, func, call, ctx.compact(buffer))
    if read or not (released or _local(ctx, facts, buffer)):
        return
    what = "freed" if released else "out of scope"
    yield ctx.hit(call, f"{name}() of '{secret}' right before it is {what} is a dead store the compiler may remove; "
                  "use explicit_bzero(), memset_s() or OPENSSL_cleanse()")  # fmt: skip


def _ancestors(node: Node, stop: Node) -> Iterator[Node]:
    parent = node.parent
    while parent is not None and parent != stop:
        yield parent
        parent = parent.parent
