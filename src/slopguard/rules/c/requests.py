"""Whether ``req->path`` is what a web client sent: a variable named req or request holds an HTTP request only in
web code. A library's own request objects (libuv's ``uv_fs_t *req``, a driver's ``struct usb_request *``... with
no web API in sight) hold what the library's caller passed, not attacker data."""

from __future__ import annotations

import re

from tree_sitter import Node

from slopguard.engine.treesitter.context import TSContext
from slopguard.engine.treesitter.spec import C_REQUEST_NAMES
from slopguard.rules.c.cgi import reads_cgi_variables
from slopguard.rules.c.common import declared_name
from slopguard.rules.shared.trees import walk

# The request-object sources of the C/C++ spec (``req.body``, ``request->getParameter("q")``): judged here.
_REQUEST_MEMBER = re.compile(rf"^(?:{'|'.join(C_REQUEST_NAMES)})(?:\.|->)")
_REQUEST_NAMES = frozenset(C_REQUEST_NAMES)
# A declared type that is an HTTP request (httplib::Request, crow::request, HttpRequestPtr, Rest::Request,
# http::request<...>, a server's own ``struct request``) or left to the compiler (a generic lambda's ``auto``).
_WEB_TYPE = re.compile(r"(?i)request|http|^(?:const\s+)?auto\b")
# A web framework in the file: its headers or its request types.
_WEB_API = re.compile(
    r"#\s*include\s*[<\"](?:httplib\.h|crow|drogon/|pistache/|microhttpd\.h|mongoose\.h|civetweb\.h|boost/beast|"
    r"cpprest/|oatpp/|served/|evhtp|event2/http)"
    r"|\b(?:mg_http_message|mg_request_info|MHD_Connection|evhttp_request)\b|\b(?:httplib|crow|drogon|Pistache)::"
)
_DECLARATIONS = frozenset({"parameter_declaration", "declaration", "optional_parameter_declaration"})


def web_origin(ctx: TSContext, origin: str) -> bool:
    """False only for a request-object source (``req->path``) in a file that shows no web request: no web
    framework, no CGI variable, and no variable of that name declared with a request type."""
    if not _REQUEST_MEMBER.match(origin):
        return True
    return ctx.memo("c.web_requests", lambda: _web_requests(ctx))


def _web_requests(ctx: TSContext) -> bool:
    if _WEB_API.search(ctx.text(ctx.tree.root_node)) or reads_cgi_variables(ctx):
        return True
    return any(_web_declaration(ctx, node) for node in walk(ctx.tree.root_node) if node.type in _DECLARATIONS)


def _web_declaration(ctx: TSContext, declaration: Node) -> bool:
    """A declaration of ``req``/``request`` whose type is a web request (or unknown to the reader: ``auto``)."""
    type_node = declaration.child_by_field_name("type")
    if type_node is None:
        return False
    for declarator in declaration.children_by_field_name("declarator"):
        target = declarator.child_by_field_name("declarator") if declarator.type == "init_declarator" else declarator
        if target is not None and declared_name(ctx, target) in _REQUEST_NAMES:
            return bool(_WEB_TYPE.search(" ".join(ctx.text(type_node).split())))
    return False
