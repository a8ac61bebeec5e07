"""The variable behind a buffer or text argument of a C++ call: ``hdr`` in ``asio::buffer(&hdr, n)`` and
``reinterpret_cast<char *>(&hdr)``, ``cmd`` in ``cmd.c_str()`` and ``out.str().c_str()``."""

from __future__ import annotations

import re

from tree_sitter import Node

from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.c.common import base_name, unwrap

_BUFFER_WRAPPERS = re.compile(r"^(?:static_cast|reinterpret_cast|const_cast)<|(?:^|::)(?:asio::)?buffer$")
# Text views of a string or string stream: ``cmd.c_str()``, ``out.str().c_str()``, ``s.data()``.
_TEXT_VIEWS = frozenset({"c_str", "data", "str"})


def buffer_name(ctx: TSContext, node: Node) -> str:
    """The variable a buffer argument names, through casts and ``asio::buffer(&hdr, n)``: ``hdr``."""
    node = unwrap(node)
    while node.type == "call_expression" and _BUFFER_WRAPPERS.search(ctx.compact(node.child_by_field_name("function"))):
        args = ctx.arguments(node)
        if not args:
            return ""
        node = unwrap(args[0])
    return base_name(ctx, node)


def viewed_name(ctx: TSContext, node: Node) -> str:
    """The string variable behind a text view: ``cmd`` for ``cmd``, ``cmd.c_str()`` and ``out.str().c_str()``."""
    node = unwrap(node)
    while node.type == "call_expression" and not ctx.arguments(node):
        fn = node.child_by_field_name("function")
        method = fn.child_by_field_name("field") if fn is not None and fn.type == "field_expression" else None
        receiver = fn.child_by_field_name("argument") if fn is not None else None
        if method is None or receiver is None or ctx.text(method) not in _TEXT_VIEWS:
            return ""
        node = unwrap(receiver)
    return base_name(ctx, node)
