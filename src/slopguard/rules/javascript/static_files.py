"""JS-LISTING-001: static file serving that lists directories, serves dotfiles or serves the project itself."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.javascript.common import imported, is_true, method, option, receiver, string_value, unwrap

_STATIC_MODULES = frozenset({"serve-static", "koa-static", "@fastify/static", "fastify-static"})
# The folder the server's own code sits in: its sources, package.json and configuration files.
_PROJECT_ROOT = re.compile(
    r"^(?:__dirname|process\.cwd\(\)|path\.(?:join|resolve)\((?:__dirname|process\.cwd\(\))?(?:,['\"]\.?/?['\"])?\))$"
)


def _static_call(ctx: TSContext, call: Node) -> bool:
    """``express.static(...)`` or a call of serve-static / koa-static."""
    callee = call.child_by_field_name("function")
    if callee is None:
        return False
    if callee.type == "identifier":
        origin = imported(ctx, ctx.text(callee))
        return origin is not None and origin[0] in _STATIC_MODULES
    obj = receiver(call)
    origin = imported(ctx, ctx.text(obj)) if obj is not None and obj.type == "identifier" else None
    express = origin == ("express", "*") or (origin is None and ctx.text(obj) == "express")
    return express and method(ctx, call) == "static"


def _serve_index(ctx: TSContext, call: Node) -> bool:
    callee = call.child_by_field_name("function")
    if callee is None or callee.type != "identifier":
        return False
    origin = imported(ctx, ctx.text(callee))
    return origin is not None and origin[0] == "serve-index"


def _project_root(ctx: TSContext, folder: Node) -> bool:
    text = string_value(ctx, unwrap(folder))
    return text in (".", "./", "") or bool(_PROJECT_ROOT.match(ctx.compact(folder)))


@ts_rule(
    id="JS-LISTING-001",
    title="Static files served with directory listings, dotfiles or the project folder",
    cwe=(548, 538),
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    languages=("javascript", "typescript"),
    query="(call_expression) @call",
    why="""To make uploads or downloads "browsable", assistants add serve-index (or @fastify/static's
    list: true), set dotfiles: 'allow' so a .well-known folder works, or serve express.static(__dirname) to get
    index.html showing. Anyone can then list the uploaded files of every user, fetch .env and .git/config, or
    download the server's own source and configuration.""",
    fix="""Serve a dedicated folder (express.static(path.join(__dirname, 'public'))) with the default
    dotfiles: 'ignore'; drop directory listings and give each file a link only its owner receives.""",
)
def directory_exposure(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    call: Node = captures["call"][0]
    args = ctx.arguments(call)
    if _serve_index(ctx, call):
        yield ctx.hit(call, "serve-index lists every file in the folder to anyone; link files individually")
        return
    if method(ctx, call) == "register" and len(args) > 1:
        origin = imported(ctx, ctx.text(args[0]))
        if origin is not None and origin[0] in _STATIC_MODULES and is_true(option(ctx, args[1], "list")):
            yield ctx.hit(call, "@fastify/static is registered with list: true: anyone can list the folder")
        return
    if not args or not _static_call(ctx, call):
        return
    dotfiles = string_value(ctx, option(ctx, args[1], "dotfiles")) if len(args) > 1 else None
    if dotfiles == "allow" or (dotfiles is None and is_true(option(ctx, args[1], "hidden") if len(args) > 1 else None)):
        yield ctx.hit(call, "static files are served with dotfiles allowed: .env, .git and .npmrc can be downloaded")
    elif _project_root(ctx, args[0]):
        yield ctx.hit(call, "the project folder itself is served: its source code and configuration can be downloaded")
