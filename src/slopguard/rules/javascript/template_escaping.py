"""JS-XSS-003: a template engine configured to stop escaping (Nunjucks/Swig ``autoescape: false``, Handlebars
``noEscape: true``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.javascript.common import is_false, is_true, method, option, unwrap

# option name -> (the value that turns escaping off is true?, what the engine is)
_OPTIONS = {"autoescape": (False, "Nunjucks/Swig"), "noEscape": (True, "Handlebars")}


@ts_rule(
    id="JS-XSS-003",
    title="Template engine configured with HTML escaping off",
    cwe=79,
    severity=Severity.HIGH,
    confidence=Confidence.MEDIUM,
    languages=("javascript", "typescript"),
    query="[(call_expression arguments: (arguments) @args) (new_expression arguments: (arguments) @args)] @call",
    why="""nunjucks.configure(views, { autoescape: false }), swig.setDefaults({ autoescape: false }) and
    Handlebars.compile(source, { noEscape: true }) switch escaping off for every template the engine renders.
    Assistants do it to stop "&amp;" showing up in output; from then on every {{ value }} — search terms, user
    names, comments — is inserted as raw HTML.""",
    fix="""Keep autoescape on (the default in Nunjucks and Swig) and noEscape off. Where one value really is
    markup, sanitise it (DOMPurify / sanitize-html) and mark just that value safe in the template.""",
)
def escaping_off(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    if not ctx.memo("js.escaping.named", lambda: any(name.encode() in ctx.source for name in _OPTIONS)):
        return  # neither option is written anywhere in the file (most files): no argument can set it
    call: Node = captures["call"][0]
    for argument in captures["args"][0].named_children:
        for name, (turns_off_when_true, engine) in _OPTIONS.items():
            value = option(ctx, argument, name)
            if value is None:
                continue
            value = unwrap(value)
            if is_true(value) if turns_off_when_true else is_false(value):
                where = method(ctx, call) or "the engine"
                yield ctx.hit(value, f"{engine} escaping is switched off ({name}) in {where}(): every template "
                              "value is then inserted as raw HTML; keep escaping on and mark single sanitised "
                              "values safe")  # fmt: skip
