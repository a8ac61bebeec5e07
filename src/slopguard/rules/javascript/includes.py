"""JS-LOAD-001: the request names the view to render (or fills its options), or the module to load."""

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
from slopguard.rules.javascript.common import is_response, method, receiver, resolve, unwrap
from slopguard.rules.javascript.request_data import REDIRECT_GUARD, guarded, server_input

# res.render (Express), app.render, ctx.render (koa-views), reply.view (@fastify/view), h.view (hapi)
_RENDERERS = {"render": re.compile(r"^(?:res|response|app|ctx|this)$"), "view": re.compile(r"^(?:reply|h)$")}
_LOADERS = frozenset({"require", "import", "require.resolve"})
# A request object taken whole as the view's locals: engines read their own settings from them (ejs's
# outputFunctionName and client, hbs's layout), so the client picks options that run code or read files.
_WHOLE_REQUEST = re.compile(r"^(?:req|request|ctx\.request)\.(?:body|query|params)$")


def _renderer(ctx: TSContext, call: Node) -> bool:
    pattern = _RENDERERS.get(method(ctx, call))
    obj = receiver(call)
    return pattern is not None and obj is not None and (bool(pattern.match(ctx.compact(obj))) or is_response(ctx, obj))


def _whole_request(ctx: TSContext, node: Node) -> bool:
    """``req.query`` or ``{ ...req.body }`` (directly or through a const)."""
    value = unwrap(resolve(ctx, node) or node)
    if value.type == "object":
        return any(
            c.type == "spread_element" and c.named_children and _whole_request(ctx, c.named_children[0])
            for c in value.named_children
        )
    return bool(_WHOLE_REQUEST.match(ctx.compact(value)))


@ts_rule(
    id="JS-LOAD-001",
    title="Request data names the view to render or the module to load",
    cwe=(706, 829),
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    languages=("javascript", "typescript"),
    query="(call_expression) @call",
    why="""Assistants write a page router as res.render(req.params.page), a plug-in loader as
    require(`./plugins/${req.query.name}`) or await import(req.body.module), and pass res.render('page',
    req.query) to fill a template. The client then picks any file the engine or Node can reach ('../../'
    walks out of the views folder, require runs whatever module it names), and template engines read their own
    options from the locals (ejs's outputFunctionName, hbs's layout): remote code execution or file disclosure.""",
    fix="""Map the request value to a fixed set: const views = { home: 'home', about: 'about' }; res.render(
    views[page] ?? 'not-found'), or check it with an allow-list (ALLOWED.has(name)) before use; load plug-ins
    from a static table; pass the template only the fields it needs ({ q: String(req.query.q) }).""",
)
def request_named_load(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    call: Node = captures["call"][0]
    args = ctx.arguments(call)
    if not args:
        return
    callee = ctx.compact(call.child_by_field_name("function"))
    if callee in _LOADERS:
        flow = ctx.flow(args[0])
        if flow.tainted and not guarded(ctx, call, args[0], REDIRECT_GUARD):
            what = "dynamic import()" if callee == "import" else f"{callee}()"
            yield ctx.hit(call, f"{what} loads a module named by {describe(flow)}: it runs whatever code that names")
        return
    if not _renderer(ctx, call):
        return
    view = server_input(ctx, args[0])
    if view is not None and not guarded(ctx, call, args[0], REDIRECT_GUARD):
        yield ctx.hit(call, f"the view to render is named by {describe(view)}: '../' reaches any template file")
    elif len(args) > 1 and _whole_request(ctx, args[1]) and server_input(ctx, args[1]) is not None:
        yield ctx.hit(
            call,
            "the request object is passed whole as the template's locals: the client sets the engine's own "
            "options (ejs outputFunctionName, hbs layout); pass only the fields the view needs",
            severity=Severity.MEDIUM,
        )
