"""PY-XPATH-001 and PY-LDAP-001: XPath expressions and LDAP filters assembled from request data."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.flow import Flow, describe, grade
from slopguard.engine.hit import Hit, hit_at
from slopguard.engine.python.context import PyContext
from slopguard.engine.registry import python_rule
from slopguard.rules.python.common import first_arg
from slopguard.rules.python.injection_helpers import resolve
from slopguard.rules.python.web_common import imports_any

_XPATH_COMPILERS = frozenset(
    {"lxml.etree.XPath", "lxml.etree.ETXPath", "elementpath.Selector", "elementpath.XPath1Parser",
     "elementpath.XPath2Parser"}
)  # fmt: skip
_XPATH_SELECT = frozenset({"elementpath.select", "elementpath.iter_select"})
_XPATH_METHOD = "xpath"  # lxml's element.xpath(expression)
_QUOTES = ("'", '"')


def _quote_escaped(piece: ast.expr) -> bool:
    """``value.replace("'", "&apos;")``: the quote that would close the literal cannot appear in the value."""
    if not (isinstance(piece, ast.Call) and isinstance(piece.func, ast.Attribute) and piece.func.attr == "replace"):
        return False
    if len(piece.args) < 2:
        return False
    old, new = (PyContext.string(a) for a in piece.args[:2])
    return old in _QUOTES and new is not None and old not in new


def _pieces(e: ast.expr) -> list[ast.expr] | None:
    """The interpolated parts of an f-string or a ``+`` concatenation (None for other expressions)."""
    if isinstance(e, ast.JoinedStr):
        return [v.value for v in e.values if isinstance(v, ast.FormattedValue)]
    if isinstance(e, ast.BinOp) and isinstance(e.op, ast.Add):
        left, right = _pieces(e.left), _pieces(e.right)
        return [*(left if left is not None else [e.left]), *(right if right is not None else [e.right])]
    return None


def _query_flow(ctx: PyContext, query: ast.expr) -> Flow | None:
    """The flow of a query string when request data reaches it unescaped, else None."""
    flow = ctx.tainted(query, unescaped=True)
    if flow is None:
        return None
    pieces = _pieces(resolve(ctx, query))
    if pieces is not None:
        dirty = [p for p in pieces if ctx.tainted(p, unescaped=True) is not None]
        if dirty and all(_quote_escaped(p) for p in dirty):
            return None
    return flow


@python_rule(
    id="PY-XPATH-001",
    title="XPath expression built from request data",
    cwe=643,
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    nodes=(ast.Call,),
    calls=_XPATH_SELECT | _XPATH_COMPILERS | {_XPATH_METHOD},
    why="""Assistants look users up in XML with root.xpath(f"//user[@name='{name}']"). A name such as
    ' or '1'='1 turns the predicate into one that matches every node, and other payloads walk to any part of
    the document (password hashes, other tenants' records) and return it in the result.""",
    fix="""Pass values as XPath variables: root.xpath("//user[@name=$name]", name=name) with lxml, or
    elementpath.select(root, "//user[@name=$name]", variables={"name": name}); never format them into the
    expression.""",
)
def xpath_injection(node: ast.Call, ctx: PyContext) -> Iterator[Hit]:
    name = ctx.call_name(node)
    query: ast.expr | None = None
    if name in _XPATH_SELECT:
        query = node.args[1] if len(node.args) > 1 else ctx.kwarg(node, "path")
    elif name in _XPATH_COMPILERS:
        query = first_arg(node, "path")
    elif isinstance(node.func, ast.Attribute) and node.func.attr == _XPATH_METHOD and not ctx.is_module_call(node.func):
        query = first_arg(node, "_path")
    if query is None:
        return
    flow = _query_flow(ctx, query)
    if flow is not None:
        severity, confidence = grade(flow, Severity.HIGH)
        call = name.rsplit(".", 1)[-1] or "xpath"
        yield hit_at(
            node,
            f"{call}() evaluates an XPath expression built from {describe(flow)}; pass it as an XPath variable",
            severity=severity,
            confidence=confidence,
        )


_LDAP_ROOTS = frozenset({"ldap", "ldap3"})
# python-ldap: search_s(base, scope, filterstr, ...); ldap3: Connection.search(search_base, search_filter, ...).
_PYTHON_LDAP_SEARCH = frozenset({"search_s", "search_st", "search_ext", "search_ext_s"})
_SEARCH = "search"  # ldap3's Connection.search, python-ldap's LDAPObject.search


def _ldap_arguments(node: ast.Call, ctx: PyContext) -> list[tuple[str, ast.expr]]:
    func = node.func
    assert isinstance(func, ast.Attribute)
    found: list[tuple[str, ast.expr]] = []
    ldap3 = func.attr == _SEARCH and imports_any(ctx, frozenset({"ldap3"}))
    if ldap3 or PyContext.kwarg(node, "search_filter") is not None:
        names = ("search base", "search filter")
        found = list(zip(names, node.args[:2], strict=False))
        found += [(n, v) for n, k in zip(names, ("search_base", "search_filter"), strict=True)
                  if (v := PyContext.kwarg(node, k)) is not None]  # fmt: skip
    elif func.attr in _PYTHON_LDAP_SEARCH or func.attr == _SEARCH:
        base = node.args[0] if node.args else PyContext.kwarg(node, "base")
        flt = node.args[2] if len(node.args) > 2 else PyContext.kwarg(node, "filterstr")
        found = [(what, v) for what, v in (("search base", base), ("search filter", flt)) if v is not None]
    return found


@python_rule(
    id="PY-LDAP-001",
    title="LDAP filter or DN built from request data",
    cwe=90,
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    nodes=(ast.Call,),
    calls=_PYTHON_LDAP_SEARCH | {_SEARCH},
    why="""Assistants write directory logins and lookups as conn.search(base, f"(uid={username})"). A username
    such as *)(uid=* or admin)(|(objectClass=* rewrites the filter: it matches every entry, skips the password
    check of a bind-by-search login, or reads attributes the user was never meant to see.""",
    fix="""Escape every value with ldap3.utils.conv.escape_filter_chars (python-ldap: ldap.filter.filter_format or
    escape_filter_chars; escape_dn_chars for DNs) before it goes into a filter or DN, or allow-list it.""",
)
def ldap_injection(node: ast.Call, ctx: PyContext) -> Iterator[Hit]:
    func = node.func
    if not isinstance(func, ast.Attribute) or ctx.is_module_call(func) or not imports_any(ctx, _LDAP_ROOTS):
        return
    if func.attr != _SEARCH and func.attr not in _PYTHON_LDAP_SEARCH:
        return
    for what, value in _ldap_arguments(node, ctx):
        flow = ctx.tainted(value, unescaped=True)
        if flow is not None:
            yield hit_at(node, f"LDAP {what} built from {describe(flow)}; escape it with escape_filter_chars")
            return
