"""Helpers of the Rust web rules: macro arguments, constant URL prefixes, checks made on a value before use,
and the names of error values."""

from __future__ import annotations

import re

from tree_sitter import Node

from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.rust.common import function_of, root_identifier, string_value, unwrap
from slopguard.rules.shared.trees import walk

ERROR_NAME = re.compile(r"^(?:e|err|error|\w+_err|\w+_error|why)$")
_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")


def macro_groups(ctx: TSContext, macro: Node) -> list[list[Node]]:
    """A macro's arguments, each the list of tokens between top-level commas."""
    tree = next((c for c in macro.named_children if c.type == "token_tree"), None)
    if tree is None:
        return []
    groups: list[list[Node]] = [[]]
    for child in tree.children[1:-1]:
        if child.type == ",":
            groups.append([])
        else:
            groups[-1].append(child)
    return [g for g in groups if g]


def placeholders(template: str) -> list[str]:
    """The ``{..}`` placeholders of a format string, ``{{``/``}}`` escapes left out: ``["", ":?", "name"]``."""
    return [spec for _, spec in placeholder_spans(template)]


def placeholder_spans(template: str) -> list[tuple[int, str]]:
    """Where each ``{..}`` placeholder of a format string starts, with its contents: ``[(8, ""), (15, ":?")]``."""
    return [(m.start(), m.group(1)) for m in _PLACEHOLDER.finditer(template) if m.group(1) is not None]


def format_values(ctx: TSContext, macro: Node) -> list[list[Node] | None] | None:
    """The tokens filling each placeholder of ``format!(template, ..)``, in the template's order (None for a
    placeholder that captures a name from the scope, ``{host}``); None when the template is not a literal."""
    groups = macro_groups(ctx, macro)
    template = string_value(ctx, groups[0][0]) if groups and len(groups[0]) == 1 else None
    if template is None:
        return None
    positional = [g for g in groups[1:] if not (len(g) >= 2 and g[1].type == "=")]
    named = {ctx.text(g[0]): g[2:] for g in groups[1:] if len(g) >= 3 and g[1].type == "="}
    values: list[list[Node] | None] = []
    next_arg = 0
    for _, spec in placeholder_spans(template):
        name = spec.partition(":")[0]
        if not name or name.isdigit():
            index = int(name) if name else next_arg
            next_arg += 0 if name else 1
            values.append(positional[index] if index < len(positional) else None)
        else:
            values.append(named.get(name))
    return values


def constant_text(ctx: TSContext, node: Node) -> str | None:
    """A string literal, or a ``const``/``static`` of this file holding one."""
    value = string_value(ctx, node)
    if value is not None:
        return value
    node = unwrap(node)
    if node.type != "identifier":
        return None
    name = ctx.text(node)
    for item in ctx.tree.root_node.named_children:
        if item.type in ("const_item", "static_item") and ctx.text(item.child_by_field_name("name")) == name:
            return string_value(ctx, item.child_by_field_name("value"))
    return None


def constant_prefix(ctx: TSContext, node: Node) -> str:
    """The literal text a string value starts with: ``format!("{}/orders/{}", API, id)`` -> ``https://api/orders/``."""
    node = unwrap(node)
    value = constant_text(ctx, node)
    if value is not None:
        return value
    if node.type == "macro_invocation" and ctx.call_name(node) == "format":
        groups = macro_groups(ctx, node)
        template = string_value(ctx, groups[0][0]) if groups and len(groups[0]) == 1 else None
        if template is None:
            return ""
        head = template.split("{", 1)[0]
        if template.startswith("{}") and len(groups) > 1 and len(groups[1]) == 1:
            first = constant_text(ctx, groups[1][0])
            return first + template[2:].split("{", 1)[0] if first is not None else ""
        return head
    if node.type == "identifier":
        scope = function_of(node)
        for let in walk(scope) if scope is not None else []:
            if let.type == "let_declaration" and ctx.text(let.child_by_field_name("pattern")) == ctx.text(node):
                value_node = let.child_by_field_name("value")
                return constant_prefix(ctx, value_node) if value_node is not None else ""
    return ""


def checked(ctx: TSContext, node: Node, pattern: re.Pattern[str]) -> bool:
    """Whether the function tests the variable ``node`` names in an ``if`` or a ``match`` guard with a check
    matching ``pattern`` (``if target.starts_with('/')``, ``if !ALLOWED.contains(&host)``)."""
    root = root_identifier(node)
    fn = function_of(node)
    if root is None or fn is None:
        return False
    root_name = re.escape(ctx.text(root))
    names = {root_name}
    for binding in walk(fn):  # let parsed = Url::parse(&job.url): parsed stands for job.url
        value = binding.child_by_field_name("value") if binding.type == "let_declaration" else None
        target = binding.child_by_field_name("pattern") if value is not None else None
        if target is not None and target.type == "identifier" and re.search(rf"\b{root_name}\b", ctx.text(value)):
            names.add(re.escape(ctx.text(target)))
    name = "|".join(sorted(names))
    for cond in walk(fn):
        if cond.type in ("if_expression", "match_arm", "let_condition"):
            test = cond.child_by_field_name("condition") or cond.child_by_field_name("pattern") or cond
            text = ctx.text(test)
            if re.search(rf"\b(?:{name})\b", text) and pattern.search(text):
                return True
    return False


def error_detail(ctx: TSContext, node: Node) -> str | None:
    """``e.to_string()``, ``format!("failed: {}", e)``, ``format!("{e}")`` inside ``node``: an error's text."""
    for part in walk(node):
        if part.type == "call_expression":
            callee = part.child_by_field_name("function")
            if callee is not None and callee.type == "field_expression":
                field = ctx.text(callee.child_by_field_name("field"))
                value = unwrap(callee.child_by_field_name("value") or callee)
                if field == "to_string" and value.type == "identifier" and ERROR_NAME.match(ctx.text(value)):
                    return ctx.compact(part)
        elif part.type == "macro_invocation" and ctx.call_name(part) == "format":
            groups = macro_groups(ctx, part)
            template = string_value(ctx, groups[0][0]) if groups else None
            inline = [p.split(":")[0] for p in placeholders(template or "")]
            names = [ctx.text(g[0]) for g in groups[1:] if len(g) == 1 and g[0].type == "identifier"]
            found = next((n for n in inline + names if ERROR_NAME.match(n)), None)
            if found is not None:
                return found
    return None


def in_tests(ctx: TSContext, node: Node) -> bool:
    """Inside a ``#[cfg(test)]`` module or a ``#[test]`` function."""
    parent = node.parent
    while parent is not None:
        if parent.type in ("mod_item", "function_item"):
            sibling = parent.prev_named_sibling
            if (
                sibling is not None
                and sibling.type == "attribute_item"
                and re.search(r"cfg\(test\)|\btest\b", ctx.text(sibling))
            ):
                return True
        parent = parent.parent
    return False
