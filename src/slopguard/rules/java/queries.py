"""Query languages other than SQL built from request data: LDAP filters (JAVA-LDAP-001), XPath (JAVA-XPATH-001)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.java.common import calls, declared_type, method, receiver, type_name, value_of

_LDAP_TYPES = frozenset(
    {"DirContext", "InitialDirContext", "LdapContext", "InitialLdapContext", "EventDirContext", "LdapTemplate",
     "LdapOperations", "LDAPConnection", "LDAPInterface", "LDAPConnectionPool"}
)  # fmt: skip
# Spring LDAP calls that take (base, filter, ..): a search, a single-entry search, or a bind found by a filter.
_FILTER_CALLS = frozenset({"search", "searchForObject", "searchForStream", "authenticate"})
# ``LdapQueryBuilder.query()...filter(text)``: one argument is a raw filter; filter(format, values..) encodes values.
_QUERY_BUILDER = re.compile(r"(?:^|\.)query\(\)")
_LDAP_RECEIVER = re.compile(r"(?i)(?:ldap|dircontext|dirctx|^ctx$|^idc$|^dctx$|context$)")
# Spring LDAP's filter classes encode the values they are given; HardcodedFilter takes its text as it is.
_ENCODING_FILTERS = frozenset(
    {"AndFilter", "OrFilter", "NotFilter", "EqualsFilter", "LikeFilter", "PresentFilter", "NotPresentFilter",
     "GreaterThanOrEqualsFilter", "LessThanOrEqualsFilter", "WhitespaceWildcardsFilter", "ProximityFilter"}
)  # fmt: skip
_FILTER_STEPS = frozenset({"and", "or", "append"})
_XPATH_TYPES = frozenset({"XPath"})
_XPATH_FACTORY = re.compile(r"\.newXPath\(\)$")


def _receiver_is(obj: Node | None, types: frozenset[str], names: re.Pattern[str] | None, ctx: TSContext) -> bool:
    if obj is None:
        return False
    if declared_type(obj, ctx) in types:
        return True
    if _XPATH_FACTORY.search(ctx.compact(value_of(obj, ctx))) and "XPath" in types:
        return True
    return names is not None and obj.type == "identifier" and bool(names.search(ctx.text(obj)))


def _encoded_filter(arg: Node, ctx: TSContext) -> bool:
    """``filter.encode()`` of a filter built from Spring LDAP's encoding classes (``new AndFilter().and(new
    EqualsFilter("uid", name))``): every value in it is escaped."""
    if arg.type != "method_invocation" or method(arg, ctx) not in ("encode", "toString"):
        return False
    built = receiver(arg)
    if built is None:
        return False
    built = value_of(built, ctx)
    while built.type == "method_invocation" and method(built, ctx) in _FILTER_STEPS:
        steps = [a for a in ctx.arguments(built) if a.type == "object_creation_expression"]
        if len(steps) != len(ctx.arguments(built)) or any(type_name(a, ctx) not in _ENCODING_FILTERS for a in steps):
            return False
        inner = receiver(built)
        if inner is None:
            return False
        built = inner
    return built.type == "object_creation_expression" and type_name(built, ctx) in _ENCODING_FILTERS


def _filter_argument(call: Node, ctx: TSContext) -> Node | None:
    """The filter text a directory call takes: ``ctx.search(base, filter, ..)``, ``ldap.authenticate(base, filter,
    password)``, UnboundID's ``conn.search(base, scope, filter)``, ``Filter.create(filter)`` and
    ``query().filter(text)``; None where the call takes no filter text."""
    name, args, obj = method(call, ctx), ctx.arguments(call), receiver(call)
    if name == "filter":
        spring = b"springframework.ldap" in ctx.source
        return args[0] if len(args) == 1 and spring and _QUERY_BUILDER.search(ctx.compact(call)) else None
    if name == "create":
        unboundid = b"unboundid" in ctx.source
        return args[0] if len(args) == 1 and unboundid and obj is not None and ctx.text(obj) == "Filter" else None
    if len(args) < 2 or not _receiver_is(obj, _LDAP_TYPES, _LDAP_RECEIVER, ctx):
        return None
    if ctx.compact(args[0]).startswith(("query()", "LdapQueryBuilder.")) or declared_type(args[0], ctx) == "LdapQuery":
        return None  # authenticate(query, password): the query is built (and encoded) separately
    if name == "authenticate" and len(args) < 3:
        return None
    if re.search(r"(?:^|\.)SearchScope\.\w+$", ctx.compact(args[1])) and len(args) >= 3:
        return args[2]  # UnboundID: search(base, scope, filter, attributes..)
    return args[1]


@ts_rule(
    id="JAVA-LDAP-001",
    title="LDAP filter built from request data",
    cwe=90,
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    languages=("java",),
    query=calls("^(search|searchForObject|searchForStream|authenticate|filter|create)$"),
    why="""Assistants look users up with ctx.search(base, "(uid=" + username + ")", controls) or
    ldapTemplate.search("", "(mail=" + email + ")", mapper). A '*', ')' or '(|' in the parameter rewrites the
    filter: listing every account, bypassing a password check done through a bind-and-search, or reading
    attributes the page was never meant to show.""",
    fix="""Pass the values as filter arguments: ctx.search(base, "(uid={0})", new Object[] {username}, controls),
    Spring LDAP's query().where("uid").is(username) or LdapEncoder.filterEncode(username) for each value.""",
)
def java_ldap_injection(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    call: Node = captures["call"][0]
    found = _filter_argument(call, ctx)
    flow = ctx.tainted(found) if found is not None else None
    if found is not None and flow is not None and not _encoded_filter(found, ctx):
        yield ctx.hit(call, f"LDAP filter built from request data ({flow.origin}); pass values as {{0}} arguments")


@ts_rule(
    id="JAVA-XPATH-001",
    title="XPath expression built from request data",
    cwe=643,
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    languages=("java",),
    query=calls("^(compile|evaluate|evaluateExpression)$"),
    why="""Assistants query XML documents with xpath.evaluate("/users/user[@name='" + name + "']", doc). A quote
    in the parameter changes the expression: "' or '1'='1" selects every node, which turns an XML-backed login or
    lookup into a dump of the whole document.""",
    fix="""Bind values as XPath variables (xpath.setXPathVariableResolver(...) with $name in a constant
    expression), or check the value against a strict allow-list pattern before building the expression.""",
)
def java_xpath_injection(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    call: Node = captures["call"][0]
    args = ctx.arguments(call)
    if not args or not _receiver_is(receiver(call), _XPATH_TYPES, None, ctx):
        return
    flow = ctx.tainted(args[0])
    if flow is not None:
        yield ctx.hit(call, f"XPath expression built from request data ({flow.origin}); use XPath variables")
