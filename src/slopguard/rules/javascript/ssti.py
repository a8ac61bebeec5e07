"""JS-SSTI-001: a template's source text comes from the request (server-side template injection)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.flow import describe
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.javascript.common import imported, method, receiver, resolved_call
from slopguard.rules.javascript.request_data import server_input

# module -> the functions that take template source (not a file name) as their first argument
_COMPILERS = {
    "ejs": frozenset({"render", "compile"}),
    "pug": frozenset({"render", "compile", "compileClient"}),
    "jade": frozenset({"render", "compile"}),
    "handlebars": frozenset({"compile", "precompile"}),
    "nunjucks": frozenset({"renderString", "compile"}),
    "lodash": frozenset({"template"}),
    "underscore": frozenset({"template"}),
    "lodash.template": frozenset({"*"}),
    "dot": frozenset({"template", "compile"}),
    "eta": frozenset({"renderString", "compile"}),
    "squirrelly": frozenset({"render", "compile"}),
    "art-template": frozenset({"render", "compile"}),
    "swig": frozenset({"render", "compile"}),
}
# Names these engines go by when the file's import is not visible (a global, a re-export).
_USUAL_NAMES = {"ejs": "ejs", "pug": "pug", "Handlebars": "handlebars", "nunjucks": "nunjucks", "_": "lodash"}


def _engine(ctx: TSContext, call: Node) -> str | None:
    """The engine whose template compiler ``call`` is, or None."""
    found = resolved_call(ctx, call)
    callee = call.child_by_field_name("function")
    if found is None and callee is not None and callee.type == "identifier":
        whole = imported(ctx, ctx.text(callee))  # const template = require('lodash.template')
        found = (whole[0], "*") if whole is not None else None
    elif found is None and callee is not None and callee.type == "member_expression":
        obj = receiver(call)
        usual = _USUAL_NAMES.get(ctx.text(obj)) if obj is not None and obj.type == "identifier" else None
        found = (usual, method(ctx, call)) if usual is not None else None
    names = _COMPILERS.get(found[0]) if found is not None else None
    return found[0] if found is not None and names is not None and (found[1] in names or "*" in names) else None


@ts_rule(
    id="JS-SSTI-001",
    title="Template source taken from the request (server-side template injection)",
    cwe=(1336, 94),
    severity=Severity.CRITICAL,
    confidence=Confidence.HIGH,
    languages=("javascript", "typescript"),
    query="(call_expression) @call",
    why="""Assistants build "customisable" e-mails, invoices and greeting pages by compiling what the client
    sent: ejs.render(req.body.template, data), Handlebars.compile(req.body.source), _.template(req.query.t),
    pug.render('p Hello ' + req.query.name). Template languages run JavaScript (ejs <% %>, pug's - lines,
    lodash's <% %>, Handlebars and Nunjucks through constructor chains): whoever writes the template runs code
    on the server.""",
    fix="""Keep templates in files the application ships and pass request values only as data:
    ejs.renderFile('invoice.ejs', { name }) / res.render('invoice', { name }); let users choose among stored
    templates by id, or use a logic-less format with a fixed set of placeholders.""",
)
def template_injection(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    call: Node = captures["call"][0]
    args = ctx.arguments(call)
    if not args:
        return
    engine = _engine(ctx, call)
    if engine is None:
        return
    flow = server_input(ctx, args[0])
    if flow is not None:
        yield ctx.hit(call, f"{engine} compiles a template built from {describe(flow)}: the client writes code")
