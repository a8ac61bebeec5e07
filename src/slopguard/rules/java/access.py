"""JAVA-AUTHZ-001: Spring Security rules that open administrative paths to everyone (``permitAll()`` or
``web.ignoring()`` on /admin/**, /actuator/**, /internal/**)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.java.common import calls, constant, method, receiver

_MATCHERS = frozenset({"requestMatchers", "antMatchers", "mvcMatchers", "pathMatchers", "regexMatchers"})
# An administrative area as a whole: /admin, /admin/**, /api/admin/*, /actuator/** (not /actuator/health).
_PRIVILEGED = re.compile(
    r"^(?:/[\w-]+)?/(?P<area>admin|administration|actuator|management|manage|internal|console|h2-console|jolokia)"
    r"(?:/\*{1,2}|/?$|\*\*?$)"
)


def _privileged_paths(matchers: Node, ctx: TSContext) -> list[str]:
    paths = [constant(arg, ctx) for arg in ctx.arguments(matchers)]
    return [p for p in paths if p is not None and _PRIVILEGED.match(p)]


@ts_rule(
    id="JAVA-AUTHZ-001",
    title="Spring Security opens an administrative path to everyone",
    cwe=862,
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    languages=("java",),
    query=calls("^(permitAll|" + "|".join(sorted(_MATCHERS)) + ")$"),
    why="""Assistants unblock a 401 or 403 while testing by adding requestMatchers("/admin/**").permitAll(),
    antMatchers("/actuator/**").permitAll() or web.ignoring().requestMatchers("/h2-console/**") to the security
    configuration, and the line ships. Everyone can then reach the admin pages, heap dumps and environment of the
    actuator, or the database console.""",
    fix="""Require a role for administrative areas (requestMatchers("/admin/**").hasRole("ADMIN")), permit only
    the health and info endpoints of the actuator (EndpointRequest.to(HealthEndpoint.class)), and keep dev-only
    consoles out of production profiles.""",
)
def java_open_admin_paths(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    call: Node = captures["call"][0]
    name = method(call, ctx)
    matchers = receiver(call) if name == "permitAll" else call
    if matchers is None or matchers.type != "method_invocation" or method(matchers, ctx) not in _MATCHERS:
        return
    if name != "permitAll":
        owner = receiver(matchers)
        if owner is None or not ctx.compact(owner).endswith("ignoring()"):
            return
        how = "web.ignoring() skips every security filter for"
    else:
        how = "permitAll() lets anyone reach"
    paths = _privileged_paths(matchers, ctx)
    if paths:
        yield ctx.hit(call.child_by_field_name("name") or call, f"{how} {', '.join(paths)}; require an admin role")
