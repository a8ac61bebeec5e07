"""URLs that arrive inside deserialised messages: a job, task or event struct (``#[derive(Deserialize)]``)
that a worker takes from a queue, a channel or a webhook body and whose URL (or host) field it then fetches
(``client.get(&job.source_url)``, ``format!("https://{}/", job.source_host)``). Whoever enqueued the message chose
that URL."""

from __future__ import annotations

from tree_sitter import Node

from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.rust.common import resolved_value, unwrap
from slopguard.rules.rust.structs import variable_struct
from slopguard.rules.shared.message_urls import is_message, is_url_field


def _judged(ctx: TSContext, variable: str, field: str, at: Node) -> str | None:
    """``job.source_url`` when ``variable`` holds a deserialised job, task or event and ``field`` is a URL."""
    if not is_url_field(field):
        return None
    struct = variable_struct(ctx, variable, at)
    return f"{variable}.{field}" if struct and is_message(struct, variable) else None


def _formatted(ctx: TSContext, macro: Node) -> str | None:
    """A message's URL or host field among the values of ``format!("https://{}/media/{}", job.source_host, ..)``
    (a token tree: ``job`` ``.`` ``source_host``)."""
    tree = next((c for c in macro.named_children if c.type == "token_tree"), None)
    tokens = [c for c in tree.children if c.type not in ("line_comment", "block_comment")] if tree else []
    return message_url_in(ctx, tokens, macro)


def message_url_in(ctx: TSContext, tokens: list[Node], at: Node) -> str | None:
    """A message's URL or host field named by a run of macro tokens (``job`` ``.`` ``source_host``)."""
    for i, token in enumerate(tokens[:-2]):
        before = tokens[i - 1].type if i else ""
        if token.type == "identifier" and before != "." and tokens[i + 1].type == ".":
            found = _judged(ctx, ctx.text(token), ctx.text(tokens[i + 2]), at)
            if found is not None:
                return found
    return None


def message_url(ctx: TSContext, target: Node) -> str | None:
    """``job.source_url`` when ``target`` is the URL field of a deserialised job, task or event struct, or a URL
    formatted from one (``format!("https://{}/media", job.source_host)``, directly or through a ``let``)."""
    node = resolved_value(ctx, target)
    if node.type == "macro_invocation" and ctx.call_name(node) == "format":
        return _formatted(ctx, node)
    if node.type != "field_expression":
        return None
    holder = unwrap(node.child_by_field_name("value") or node)
    if holder.type != "identifier":
        return None
    return _judged(ctx, ctx.text(holder), ctx.text(node.child_by_field_name("field")), node)
