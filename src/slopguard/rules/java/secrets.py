"""JAVA-SECRET-001: passwords, keys and signing secrets written into Java source (known token formats are
SEC-TOKEN-001's)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.core.secrets import PLACEHOLDER, char_classes, find_tokens, shannon_entropy
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.java.common import calls, literal, method, receiver
from slopguard.rules.shared.secrets import (
    env_read,
    fallback_name,
    grade_secret,
    names_key_id,
    secret_kind,
    secret_noun,
    url_message,
    url_password,
)

_CONVERSIONS = frozenset({"toCharArray", "getBytes", "strip", "trim"})
_SETTER = re.compile(r"^set([A-Z]\w*)$")
_DEFAULTS = frozenset({"getOrDefault", "getProperty", "orElse", "orElseGet", "requireNonNullElse", "defaultIfBlank",
                       "defaultIfEmpty", "defaultString", "firstNonBlank"})  # fmt: skip
_SIGNERS = re.compile(r"(?:^|\.)(?:signWith|HMAC256|HMAC384|HMAC512|hmacShaKeyFor|setSigningKey|withSecret)$")
_NOT_VALUE = re.compile(
    r"^(?:[A-Za-z][\w-]*(?:\.[A-Za-z][\w-]*)+|[A-Z][A-Z0-9_]+|\w+://.*|/.*|.*\s.*\s.*|.*\.(?:pem|jks|p12|key|json))$"
)
_WEAK = re.compile(r"(?i)secret|passw|changeme|admin|default|qwerty|letmein|12345|test|demo")
_VALUE_ANNOTATION = re.compile(r"^\"?\$\{([\w.\-\[\]]+):(.*)\}\"?$", re.S)


def _grade(kind: str, name: str, value: str) -> Confidence | None:
    """None when the literal is not a credential; else how sure we are that it is one."""
    text = value.strip()
    if kind == "digest":
        return grade_secret(kind, name, text, False)
    if len(text) < (3 if kind == "own" else 4) or PLACEHOLDER.search(text) or find_tokens(text):
        return None
    if kind == "key" and names_key_id(name, text):
        return None
    if _NOT_VALUE.match(text) or "${" in text or "\n" in text:
        return None
    plain = re.sub(r"[\W_]", "", text.lower())
    if not plain or plain == re.sub(r"[\W_]", "", name.lower()) or set(plain) <= {"x"}:
        return None  # PASSWORD = "password": a label, not a value
    entropy = shannon_entropy(text)
    if kind == "random" and not (len(text) >= 16 and entropy >= 3.5 and char_classes(text) >= 2):
        return None
    if kind == "token" and (len(text) < 12 or entropy < 3.0):
        return None
    if kind == "own" or _WEAK.search(text) or (len(text) >= 10 and entropy >= 3.0):
        return Confidence.HIGH
    return Confidence.MEDIUM if len(text) >= 6 else Confidence.LOW


def _unconverted(node: Node | None, ctx: TSContext) -> Node | None:
    """``"s3cr3t".toCharArray()`` / ``.getBytes(UTF_8)``: the literal a secret is kept as chars or bytes of."""
    if node is not None and node.type == "method_invocation":
        obj = receiver(node)
        return obj if method(node, ctx) in _CONVERSIONS and obj is not None and obj.type == "string_literal" else None
    return node


def _hit(
    name: str, value_node: Node | None, at: Node, ctx: TSContext, how: str, kind: str | None = None, label: str = ""
) -> Hit | None:
    value_node = _unconverted(value_node, ctx)
    value = literal(value_node, ctx)
    if value is None or value_node is None:
        return None
    kind = kind or secret_kind(name)
    confidence = _grade(kind, name, value) if kind is not None else None
    if kind is None or confidence is None:
        password = url_password(value) if not find_tokens(value) else None
        if password is None:
            return None
        return ctx.hit(at, url_message(how, label or name), confidence=Confidence.HIGH, secrets=(password,))
    what = secret_noun(kind)
    raw = ctx.text(value_node).strip('"')
    return ctx.hit(
        at,
        f"hard-coded {what} {how} {label or repr(name)}; read it from the environment or a secret store at run time",
        confidence=confidence,
        secrets=tuple(s for s in {value, raw} if s),
    )


def _call(call: Node, ctx: TSContext) -> Hit | None:
    name = method(call, ctx)
    args = ctx.arguments(call)
    if not args:
        return None
    setter = _SETTER.match(name)
    if setter and len(args) == 1:
        return _hit(setter.group(1), args[0], args[0], ctx, "passed to", label=f"{name}()")
    if ctx.call_name(call).endswith("DriverManager.getConnection") and len(args) == 3:
        return _hit("password", args[2], args[2], ctx, "passed to", label="DriverManager.getConnection()")
    if _SIGNERS.search(ctx.call_name(call)):
        for arg in args:
            found = _hit("key", arg, arg, ctx, "used as the signing key of", kind="own", label=f"{name}()")
            if found is not None:
                return found
        return None
    if name in _DEFAULTS:
        return _fallback(call, name, args, ctx)
    if name in ("equals", "equalsIgnoreCase") and len(args) == 1:
        obj = receiver(call)
        if obj is None:
            return None
        for named, value in ((obj, args[0]), (args[0], obj)):
            label = ctx.text(named).rsplit(".", 1)[-1].removeprefix("get").split("(")[0]
            if literal(named, ctx) is None and secret_kind(label) in ("password", "own", "key"):
                return _hit(label, value, value, ctx, "compared with")
    return None


def _fallback(call: Node, name: str, args: list[Node], ctx: TSContext) -> Hit | None:
    """A literal default of a configuration read: ``System.getenv().getOrDefault("K", "..")``,
    ``env.getProperty("jwt.secret", "..")``, ``Optional.ofNullable(System.getenv("K")).orElse("..")``,
    ``Objects.requireNonNullElse(System.getenv("K"), "..")``."""
    obj = receiver(call)
    if name in ("getOrDefault", "getProperty") and len(args) == 2:
        if name == "getOrDefault" and (obj is None or "getenv" not in ctx.text(obj)):
            return None
        variable = literal(args[0], ctx)
    elif name in ("orElse", "orElseGet") and obj is not None and len(args) == 1:
        variable = env_read(ctx.text(obj))
    elif len(args) == 2:  # requireNonNullElse, defaultIfBlank, ...
        variable = env_read(ctx.text(args[0]))
    else:
        return None
    value = args[-1]
    body = value.child_by_field_name("body") if value.type == "lambda_expression" else None
    value = body if body is not None else value  # orElseGet(() -> "..")
    declarator = call.parent
    named = declarator is not None and declarator.type == "variable_declarator"
    declared = ctx.text(declarator.child_by_field_name("name")) if named and declarator is not None else None
    label = fallback_name(variable, declared) if variable is not None else None
    return _hit(label, value, call, ctx, "used as the fallback for") if label else None


def _annotation(node: Node, ctx: TSContext) -> Hit | None:
    """``@Value("${jwt.secret:mySecretKey}")``: the default is shipped in the code."""
    if ctx.text(node.child_by_field_name("name")) != "Value":
        return None
    args = node.child_by_field_name("arguments")
    value = next((c for c in args.named_children if c.type == "string_literal"), None) if args else None
    match = _VALUE_ANNOTATION.match(literal(value, ctx) or "")
    if value is None or match is None:
        return None
    key, default = match.groups()
    kind = secret_kind(key) or secret_kind(key.rsplit(".", 1)[-1])
    if not default or kind is None:
        return None
    confidence = _grade(kind, key, default)
    if confidence is None:
        return None
    return ctx.hit(
        value,
        f"hard-coded default for secret property '{key}'; fail at start-up when it is not configured",
        confidence=confidence,
        secrets=(default,),
    )


@ts_rule(
    id="JAVA-SECRET-001",
    title="Hard-coded secret",
    cwe=798,
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    languages=("java",),
    query="""
    (variable_declarator name: (identifier) @name value: [(string_literal) (binary_expression) (method_invocation
      object: (string_literal))] @value) @decl
    (assignment_expression left: (_) @target right: [(string_literal) (binary_expression) (method_invocation
      object: (string_literal))] @value) @assign
    (annotation name: (identifier) @aname (#eq? @aname "Value")) @annotation
    """
    + calls(
        r"^(set[A-Z]\\w*|getConnection|signWith|HMAC\\d+|hmacShaKeyFor|setSigningKey|withSecret|equals|equalsIgnoreCase"
        r"|getOrDefault|getProperty|orElse|orElseGet|requireNonNullElse|defaultIfBlank|defaultIfEmpty|defaultString"
        r"|firstNonBlank)$"
    ),
    why="""Assistants make the example run by writing the JWT signing key, the database password or the API key
    into the class (private static final String SECRET_KEY = "mySecretKey123"; @Value("${jwt.secret:secret}");
    DriverManager.getConnection(url, "root", "admin123")). The key ships in the repository, the jar and every
    image: whoever reads any of them logs in to the database or mints valid tokens for any user.""",
    fix="""Read secrets at run time from the environment, a secret manager or externalised configuration with no
    default (@Value("${jwt.secret}") and fail when unset); rotate every credential that was committed.""",
)
def java_hardcoded_secret(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    hit: Hit | None = None
    if "decl" in captures:
        decl: Node = captures["decl"][0]
        hit = _hit(ctx.text(captures["name"][0]), captures["value"][0], decl, ctx, "assigned to")
    elif "assign" in captures:
        target = ctx.text(captures["target"][0]).rsplit(".", 1)[-1]
        hit = _hit(target, captures["value"][0], captures["assign"][0], ctx, "assigned to")
    elif "call" in captures:
        hit = _call(captures["call"][0], ctx)
    elif "annotation" in captures:
        hit = _annotation(captures["annotation"][0], ctx)
    if hit is not None:
        yield hit
