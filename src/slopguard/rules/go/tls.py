"""Go transport security: server identity not verified or no encryption at all (GO-TLS-001: InsecureSkipVerify,
ssh.InsecureIgnoreHostKey, plaintext gRPC to a remote host), and TLS configurations that allow TLS 1.0/1.1 or
broken cipher suites (GO-TLS-002)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.go.common import (
    FUNCTIONS,
    bound_values,
    constant,
    function_of,
    imports,
    is_test,
    package_call,
    unwrap,
)
from slopguard.rules.shared.trees import walk

_VERIFY_CALLBACKS = ("VerifyPeerCertificate", "VerifyConnection")
_GRPC = "google.golang.org/grpc"
_GRPC_INSECURE = "google.golang.org/grpc/credentials/insecure"
_GRPC_DIALS = {"Dial": 0, "DialContext": 1, "NewClient": 0}
# Targets on this machine: loopback, a Unix socket, an in-memory bufconn listener, a port on this host.
_LOCAL_TARGET = re.compile(
    r"^(?:(?:dns|passthrough):/{2,3})?(?:localhost\b|127\.|\[::1\]|::1\b|0\.0\.0\.0\b|:\d|unix:|unix-abstract:|"
    r"bufnet\b|bufconn\b|@)",
    re.IGNORECASE,
)
_OPT_IN = re.compile(r"(?i)insecure|plaintext|\btls\b|tls\w*|secure|local|dev\b|debug|skip")
_SSH = "golang.org/x/crypto/ssh"


def _opt_in(node: Node) -> Confidence:
    """Medium confidence inside a branch (``case "skip-verify":``, ``if cfg.Insecure {``): an explicit opt-in."""
    parent = node.parent
    while parent is not None and parent.type not in FUNCTIONS:
        if parent.type in ("expression_case", "if_statement"):
            return Confidence.MEDIUM
        parent = parent.parent
    return Confidence.HIGH


def _chosen_by_setting(ctx: TSContext, node: Node) -> bool:
    """Inside ``if cfg.Insecure {`` / ``case "plaintext":`` / the else of ``if useTLS {``: the operator's choice."""
    parent = node.parent
    while parent is not None and parent.type not in FUNCTIONS:
        if parent.type == "if_statement":
            if _OPT_IN.search(ctx.text(parent.child_by_field_name("condition"))):
                return True
        elif parent.type == "expression_case" and _OPT_IN.search(ctx.text(parent.child_by_field_name("value"))):
            return True
        parent = parent.parent
    return False


def _skip_verify(ctx: TSContext, captures: dict[str, list[Any]]) -> Iterator[Hit]:
    if "pair" in captures:
        pair: Node = captures["pair"][0]
        parts = pair.named_children
        if len(parts) != 2 or ctx.compact(parts[0]) != "InsecureSkipVerify" or ctx.compact(parts[1]) != "true":
            return
        literal = pair.parent.parent if pair.parent is not None else None
        if literal is not None and ctx.compact(literal.child_by_field_name("type")).endswith("AcceptOptions"):
            return  # nhooyr/coder websocket.AcceptOptions: an origin check (GO-WEBSOCKET-001), not TLS
        siblings = pair.parent.named_children if pair.parent is not None else []
        if any(ctx.compact(s).startswith(_VERIFY_CALLBACKS) for s in siblings):
            return  # verification is done by a callback instead (pinning)
        yield ctx.hit(pair, "InsecureSkipVerify: true accepts any certificate; anyone on the path can intercept",
                      confidence=_opt_in(pair))  # fmt: skip
    elif "assign" in captures:
        assign: Node = captures["assign"][0]
        left, right = assign.child_by_field_name("left"), assign.child_by_field_name("right")
        if not ctx.compact(left).endswith("InsecureSkipVerify") or ctx.compact(right) != "true":
            return
        fn = function_of(assign)
        if fn is not None and any(cb in ctx.text(fn) for cb in _VERIFY_CALLBACKS):
            return
        yield ctx.hit(assign, "InsecureSkipVerify = true accepts any certificate; anyone on the path can intercept",
                      confidence=_opt_in(assign))  # fmt: skip


def _accepts_any_host_key(ctx: TSContext, node: Node) -> bool:
    """``ssh.InsecureIgnoreHostKey()``, or a HostKeyCallback literal whose every return is ``nil``."""
    node = unwrap(node)
    if node.type == "call_expression":
        return package_call(ctx, node) == (_SSH, "InsecureIgnoreHostKey")
    if node.type != "func_literal":
        return False
    returns = [ctx.compact(r) for r in walk(node, skip=FUNCTIONS) if r.type == "return_statement"]
    return bool(returns) and all(r == "returnnil" for r in returns)


def _host_key(ctx: TSContext, call: Node) -> Iterator[Hit]:
    if package_call(ctx, call) != (_SSH, "InsecureIgnoreHostKey"):
        return
    yield ctx.hit(call, "ssh.InsecureIgnoreHostKey() accepts any server key; a machine in the middle gets the "
                        "session and the credentials sent over it", confidence=_opt_in(call))  # fmt: skip


def _grpc_target(ctx: TSContext, option: Node) -> Node | None:
    """The address a plaintext option is dialled with: the Dial/NewClient call it is an argument of, else the
    one call of the function that dials."""
    parent = option.parent
    while parent is not None and parent.type not in FUNCTIONS:
        if parent.type == "call_expression":
            found = package_call(ctx, parent)
            if found is not None and found[0] == _GRPC and found[1] in _GRPC_DIALS:
                args = ctx.arguments(parent)
                index = _GRPC_DIALS[found[1]]
                return args[index] if len(args) > index else None
        parent = parent.parent
    fn = function_of(option)
    dials = [
        n for n in walk(fn) if n.type == "call_expression" and (package_call(ctx, n) or ("", ""))[0] == _GRPC
        and (package_call(ctx, n) or ("", ""))[1] in _GRPC_DIALS
    ] if fn is not None else []  # fmt: skip
    if len(dials) != 1:
        return None
    args = ctx.arguments(dials[0])
    index = _GRPC_DIALS[(package_call(ctx, dials[0]) or ("", "Dial"))[1]]
    return args[index] if len(args) > index else None


def _address(ctx: TSContext, target: Node) -> str | None:
    """The address a target names: a literal, a constant, or a flag's default (``*addr`` of flag.String)."""
    node = unwrap(target)
    if node.type == "unary_expression" and node.named_children:
        node = unwrap(node.named_children[-1])
    value = constant(ctx, node)
    if value is not None or node.type != "identifier":
        return value
    scope = function_of(node)
    for where in (scope, ctx.tree.root_node) if scope is not None else (ctx.tree.root_node,):
        for bound, _ in bound_values(ctx, ctx.text(node), where):
            bound = unwrap(bound)
            found = package_call(ctx, bound) if bound.type == "call_expression" else None
            if found is not None and found[0] == "flag" and found[1] == "String":
                args = ctx.arguments(bound)
                return constant(ctx, args[1]) if len(args) > 1 else None
            if found is not None and found[0] == "flag" and found[1] == "StringVar":
                return None
    return None


def _plaintext_grpc(ctx: TSContext, call: Node) -> Iterator[Hit]:
    found = package_call(ctx, call)
    if found == (_GRPC, "WithInsecure"):
        option = call
    elif found == (_GRPC_INSECURE, "NewCredentials"):
        outer = call.parent.parent if call.parent is not None else None
        if (
            outer is None
            or outer.type != "call_expression"
            or package_call(ctx, outer)
            != (
                _GRPC,
                "WithTransportCredentials",
            )
        ):
            return
        option = outer
    else:
        return
    if _chosen_by_setting(ctx, option):
        return
    target = _grpc_target(ctx, option)
    address = _address(ctx, target) if target is not None else None
    if address is not None and _LOCAL_TARGET.match(address):
        return
    if address is not None:
        message = f"gRPC connection to {address} without TLS: calls, tokens and answers cross the network in clear"
        yield ctx.hit(option, message)
        return
    where = f"'{ctx.text(target)}'" if target is not None else "a configured address"
    yield ctx.hit(option, f"gRPC connection to {where} without TLS: calls, tokens and answers cross the network "
                          "in clear", severity=Severity.MEDIUM, confidence=Confidence.MEDIUM)  # fmt: skip


@ts_rule(
    id="GO-TLS-001",
    title="TLS certificate or SSH host key verification disabled, or plaintext gRPC",
    cwe=(295, 322, 319),
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    languages=("go",),
    query="""((keyed_element . (literal_element (identifier) @key)) @pair (#eq? @key "InsecureSkipVerify"))
      ((assignment_statement left: (expression_list (selector_expression field: (field_identifier) @field))) @assign
      (#eq? @field "InsecureSkipVerify"))
      ((call_expression function: (selector_expression field: (field_identifier) @fn)) @call
      (#any-of? @fn "InsecureIgnoreHostKey" "WithInsecure" "NewCredentials"))
      ((keyed_element . (literal_element (identifier) @hostkey) . (literal_element (func_literal) @callback))
      (#eq? @hostkey "HostKeyCallback"))""",
    why="""When a call fails with "x509: certificate signed by unknown authority" or "ssh: must specify
    HostKeyCallback", assistants add &tls.Config{InsecureSkipVerify: true}, ssh.InsecureIgnoreHostKey() or, for
    gRPC, grpc.WithInsecure() / insecure.NewCredentials(). The client then accepts any server (or talks in
    clear), so anyone on the network path (public Wi-Fi, a compromised router, a cloud neighbour) can
    impersonate the server and read or alter the traffic, API keys and passwords included.""",
    fix="""Leave InsecureSkipVerify false and trust a private CA through tls.Config.RootCAs; check SSH host keys
    with knownhosts.New("~/.ssh/known_hosts") or ssh.FixedHostKey; dial gRPC with
    grpc.WithTransportCredentials(credentials.NewTLS(cfg)) (plaintext only to localhost or a Unix socket).""",
)
def go_insecure_transport(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    if is_test(ctx):
        return  # httptest servers use self-signed certificates, bufconn gRPC servers plaintext
    if "call" in captures:
        call: Node = captures["call"][0]
        yield from _host_key(ctx, call)
        yield from _plaintext_grpc(ctx, call)
    elif "callback" in captures:
        callback: Node = captures["callback"][0]
        if _accepts_any_host_key(ctx, callback) and _SSH in imports(ctx).values():
            yield ctx.hit(callback, "this HostKeyCallback accepts every server key; a machine in the middle gets "
                                    "the session", confidence=_opt_in(callback))  # fmt: skip
    else:
        yield from _skip_verify(ctx, captures)


# ----- GO-TLS-002 ---------------------------------------------------------------------------------------
_OLD_VERSIONS = {
    "VersionSSL30": "SSL 3.0",
    "VersionTLS10": "TLS 1.0",
    "VersionTLS11": "TLS 1.1",
    "0x0300": "SSL 3.0",
    "0x0301": "TLS 1.0",
    "0x0302": "TLS 1.1",
}
# tls.InsecureCipherSuites(): RC4, 3DES and the CBC-SHA256 suites (Lucky13).
_WEAK_SUITE = re.compile(r"^(?:tls\.)?TLS_\w*(?:_RC4_|_3DES_|_CBC_SHA256$)")
_SERVER_KEYS = frozenset({"Certificates", "GetCertificate", "ClientAuth", "ClientCAs", "GetConfigForClient"})


def _old_version(ctx: TSContext, value: Node | None) -> str | None:
    text = ctx.compact(value)
    return _OLD_VERSIONS.get(text.rsplit(".", 1)[-1].lower() if text.startswith("0x") else text.rsplit(".", 1)[-1])


def _tls_config(ctx: TSContext, literal: Node) -> Iterator[Hit]:
    fields = {
        ctx.compact(pair.named_children[0]): pair
        for pair in (literal.child_by_field_name("body") or literal).named_children
        if pair.type == "keyed_element" and len(pair.named_children) == 2
    }
    for key in ("MinVersion", "MaxVersion"):
        pair = fields.get(key)
        version = _old_version(ctx, pair.named_children[1]) if pair is not None else None
        if pair is not None and version is not None:
            yield ctx.hit(pair, f"{key}: {version} lets clients and servers negotiate a broken protocol version "
                                "(POODLE, BEAST); require TLS 1.2", confidence=_opt_in(pair))  # fmt: skip
    suites = fields.get("CipherSuites")
    if suites is not None:
        weak = [ctx.compact(n) for n in walk(suites.named_children[1]) if _WEAK_SUITE.match(ctx.compact(n))]
        if weak:
            yield ctx.hit(suites, f"CipherSuites enables {weak[0].removeprefix('tls.')}, a suite Go lists as "
                                  "insecure (RC4, 3DES or CBC-SHA256)")  # fmt: skip
    if "MinVersion" not in fields and _SERVER_KEYS & fields.keys() and not _min_set_later(ctx, literal):
        yield ctx.hit(literal, "server tls.Config without MinVersion: Go before 1.22 accepts TLS 1.0 and 1.1 "
                               "clients; set MinVersion: tls.VersionTLS12", severity=Severity.LOW,
                      confidence=Confidence.MEDIUM)  # fmt: skip


def _min_set_later(ctx: TSContext, literal: Node) -> bool:
    """``cfg := &tls.Config{..}`` followed by ``cfg.MinVersion = ..`` in the same function."""
    fn = function_of(literal)
    return fn is not None and bool(re.search(r"\.MinVersion\s*=[^=]", ctx.text(fn)))


@ts_rule(
    id="GO-TLS-002",
    title="TLS 1.0/1.1 or an insecure cipher suite allowed",
    cwe=(327, 757),
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    languages=("go",),
    query="""((composite_literal type: (qualified_type) @type) @literal (#match? @type "^tls\\\\.Config$"))
      ((assignment_statement left: (expression_list (selector_expression field: (field_identifier) @field))
      right: (expression_list) @value) @assign (#any-of? @field "MinVersion" "MaxVersion"))""",
    why="""To make an old client connect, or copied from an old answer, assistants set MinVersion:
    tls.VersionTLS10 (or list RC4/3DES cipher suites) in a tls.Config. TLS 1.0 and 1.1 are deprecated (RFC
    8996): with CBC suites they fall to BEAST/Lucky13-style attacks, and allowing them lets a man in the middle
    push the connection down to the weakest version both sides accept.""",
    fix="""Set MinVersion: tls.VersionTLS12 (or VersionTLS13) and leave CipherSuites unset so Go picks its
    secure defaults.""",
)
def go_weak_tls(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    if is_test(ctx):
        return
    if "literal" in captures:
        literal: Node = captures["literal"][0]
        if imports(ctx).get("tls") == "crypto/tls":
            yield from _tls_config(ctx, literal)
        return
    assign: Node = captures["assign"][0]
    field = ctx.text(captures["field"][0])
    version = _old_version(ctx, unwrap(captures["value"][0]))
    if version is not None:
        yield ctx.hit(assign, f"{field} = {version} lets connections use a broken protocol version; require TLS 1.2",
                      confidence=_opt_in(assign))  # fmt: skip
