"""C-TIMING-001: passwords, tokens, API keys and MACs compared with strcmp/memcmp (or C++ ==), which stop at the
first differing byte."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.c.common import (
    base_name,
    callee,
    calls_to,
    declared_name,
    is_macro,
    is_null,
    literal_like,
    string_value,
    unwrap,
)
from slopguard.rules.c.dataflow import FunctionFacts, arg_flow, function_facts
from slopguard.rules.c.formats import BUFFER_FORMAT
from slopguard.rules.shared.compare import CONFIRMATION, compared_credential_hash, compared_secret
from slopguard.rules.shared.names import STORED_WORDS, words
from slopguard.rules.shared.secrets import grade_secret, secret_kind
from slopguard.rules.shared.trees import walk

_COMPARES = frozenset(
    {"strcmp", "strncmp", "strcasecmp", "strncasecmp", "memcmp", "bcmp", "wcscmp", "wcsncmp", "wmemcmp", "_stricmp",
     "_strnicmp", "stricmp", "strcoll"}
)  # fmt: skip
_VIEWS = frozenset({"c_str", "data", "str", "get", "value", "toStdString", "toUtf8", "constData"})
# Values a C++ == compares byte by byte; integers compare in one instruction.
_TEXT_TYPE = re.compile(r"string|string_view|vector|array|QString|QByteArray|span|Bytes|buffer", re.IGNORECASE)
_NUMERIC_TYPE = re.compile(r"\b(?:u?int\d*_t|int|long|short|unsigned|size_t|bool|uint|u\d+|i\d+)\b")
_LITERALS = frozenset({"number_literal", "true", "false", "char_literal"})
_NUMERIC_WORDS = frozenset({"pin", "otp", "totp", "hotp", "code", "passcode"})
_K_PREFIX = re.compile(r"^k(?=[A-Z])")  # C++ constants: kApiToken
# A stored password hash written into the source: a hex digest (MD5 to SHA-512) or a crypt(3) string.
_DIGEST_VALUE = re.compile(
    r"^[0-9a-fA-F]{32}(?:[0-9a-fA-F]{8}|[0-9a-fA-F]{32}|[0-9a-fA-F]{96})?$|^\$(?:1|2[abxy]?|5|6|y|argon2\w*)\$"
)
_LOGIN_TEXT = re.compile(r"(?i)passw|passwd|\bpwd\b|\bpw\b|login|credential")
# A session id checked against the one on record: ``strcmp(sid, stored)``, ``cookie_sid == session_id``.
_SESSION = frozenset({"sid", "session", "sess", "sessionid"})
_SESSION_PARTS = _SESSION | {"id", "cookie", "value", "str", "hex"} | STORED_WORDS
# Calls that hash or look up a hash: ``hex_md5(pw, out)``, ``SHA256(p, n, d)``, ``sha256_hex(pin)``.
_DIGEST_CALL = re.compile(r"(?i)md5|sha\d*|hash|digest|hmac|crypt")


def _name(ctx: TSContext, node: Node) -> str | None:
    """What a compared side is called: a variable, a field, a header or variable it was read from, a function."""
    node = unwrap(node)
    if node.type in ("pointer_expression", "subscript_expression") and node.named_children:
        return _name(ctx, node.named_children[0])
    if node.type == "field_expression":
        field = node.child_by_field_name("field")
        return ctx.text(field) if field is not None else None
    if node.type == "call_expression":
        fn = node.child_by_field_name("function")
        method = fn.child_by_field_name("field") if fn is not None and fn.type == "field_expression" else None
        if method is not None and ctx.text(method) in _VIEWS and not ctx.arguments(node):
            receiver = fn.child_by_field_name("argument") if fn is not None else None
            return _name(ctx, receiver) if receiver is not None else None
        keys = [v for a in ctx.arguments(node) if (v := string_value(ctx, a))]
        if keys:  # getenv("API_TOKEN"), MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Api-Key")
            return keys[-1]
        return ctx.text(method) if method is not None else callee(ctx, node) or None
    return ctx.text(node) if node.type in ("identifier", "field_identifier", "qualified_identifier") else None


def _declared_types(ctx: TSContext) -> dict[str, str]:
    """Every declared variable, parameter and member of the file -> its type (``char*`` for ``char *p``)."""
    types: dict[str, str] = {}
    for decl in walk(ctx.tree.root_node):
        if decl.type not in ("declaration", "parameter_declaration", "field_declaration"):
            continue
        for declarator in decl.children_by_field_name("declarator"):
            inner = declarator.child_by_field_name("declarator") if declarator.type == "init_declarator" else None
            name = declared_name(ctx, inner or declarator) or ctx.text(inner or declarator)
            pointer = "*" if (inner or declarator).type == "pointer_declarator" else ""
            types.setdefault(name, ctx.compact(decl.child_by_field_name("type")) + pointer)
    return types


def _declared_type(ctx: TSContext, node: Node) -> str:
    node = unwrap(node)
    name = _name(ctx, node) if node.type in ("identifier", "field_expression") else None
    return ctx.memo("c.declared_types", lambda: _declared_types(ctx)).get(name or "", "")


def _constant(ctx: TSContext, node: Node) -> bool:
    node = unwrap(node)
    return is_null(ctx, node) or literal_like(ctx, node) or node.type in _LITERALS


def _constant_text(ctx: TSContext, node: Node) -> str | None:
    """The text of a ``#define`` or a file-scope constant initialised with a string literal
    (``static const char *kSupplierKey = "..."``, ``const std::string kAdminToken = "..."``)."""
    node = unwrap(node)
    if is_macro(ctx, node):
        return string_value(ctx, node)
    if node.type not in ("identifier", "qualified_identifier"):
        return None
    return ctx.memo("c.timing.constants", lambda: _file_constants(ctx)).get(ctx.text(node).split("::")[-1])


def _file_constants(ctx: TSContext) -> dict[str, str]:
    constants: dict[str, str] = {}
    for decl in walk(ctx.tree.root_node, skip=frozenset({"compound_statement"})):
        if decl.type != "declaration" or ctx.function_of(decl) is not None:
            continue
        for declarator in decl.children_by_field_name("declarator"):
            value = declarator.child_by_field_name("value") if declarator.type == "init_declarator" else None
            target = declarator.child_by_field_name("declarator")
            text = string_value(ctx, value) if value is not None else None
            if text is not None and target is not None and (name := declared_name(ctx, target)):
                constants[name] = text
    return constants


def _hard_coded_secret(ctx: TSContext, node: Node) -> bool:
    """``ADMIN_PASSWORD`` where ``#define ADMIN_PASSWORD "Rt7!kq..."``: a constant, but a secret all the same
    (C-SECRET-001's test), so comparing a guess with it leaks how much of the guess is right. A password hash
    written into the source counts when the function checks a login (``strcmp(hex, ADMIN_MD5)``)."""
    value = _constant_text(ctx, node)
    if value is None:
        return False
    name = ctx.text(unwrap(node))
    kind = secret_kind(name)
    if kind is not None and grade_secret(kind, name, value, True) is not None:
        return True
    func = ctx.function_of(node)
    return bool(_DIGEST_VALUE.search(value)) and func is not None and bool(_LOGIN_TEXT.search(ctx.text(func)))


def _session_ids(names: list[str | None]) -> str | None:
    """The session id of ``strcmp(sid, stored)``: a side named as a session id, the other a session id too or a
    stored value (not a session's name, count or timeout)."""
    parts = [words(n or "") for n in names]
    if not all(ws and set(ws) <= _SESSION_PARTS for ws in parts):
        return None
    found = next((n for n, ws in zip(names, parts, strict=True) if set(ws) & _SESSION), None)
    return found if found is not None and any(set(ws) & (_SESSION | STORED_WORDS) for ws in parts if ws) else None


def _secret(ctx: TSContext, sides: list[Node]) -> str | None:
    written = [_name(ctx, s) for s in sides]
    names = [_K_PREFIX.sub("", n) if n is not None else None for n in written]
    if any(n is not None and CONFIRMATION.search(n) for n in names):
        return None  # password vs confirm_password checks a form
    found = next((n for n in names if compared_secret(n)), None) or _session_ids(names)
    if found is None:
        func = ctx.function_of(sides[0])
        around = ctx.text(func) if func is not None else ""
        found = next((n for n in names if compared_credential_hash(n, around)), None)
    if found is not None and words(found) == ["token"]:
        other = [n for n in names if n != found]
        stored = not other and any(unwrap(s).type == "field_expression" for s in sides)  # link->token vs token
        if not stored and not any(compared_secret(n) or any(w in STORED_WORDS for w in words(n or "")) for n in other):
            return None  # a lexer's token compared with a keyword
    return written[names.index(found)] if found is not None else None


def _login_digest(ctx: TSContext, sides: list[Node]) -> str | None:
    """The side that holds a hash in a function that checks a login: computed by a hashing call
    (``std::string got = sha256_hex(pin)``), filled by one (``hex_md5(password, got)``, ``SHA1(pw, n, d)``) or
    formatted from such a buffer (``sprintf(hex + 2 * i, "%02x", d[i])``). A guessed password's hash compared
    byte by byte with the stored one leaks how much of it matches."""
    facts = function_facts(ctx, sides[0])
    func = ctx.function_of(sides[0])
    if facts is None or func is None or not _LOGIN_TEXT.search(ctx.text(func)):
        return None
    return next((ctx.text(s) for s in sides if _digest(ctx, facts, base_name(ctx, s), sides[0], 2)), None)


def _digest(ctx: TSContext, facts: FunctionFacts, name: str, before: Node, hops: int) -> bool:
    if not name or name in facts.params or hops == 0:
        return False
    for value in facts.values.get(name, []):
        if any(n.type == "call_expression" and _DIGEST_CALL.search(callee(ctx, n)) for n in walk(value)):
            return True
    for call in facts.calls:
        args = ctx.arguments(call)
        if call.start_byte >= before.start_byte or not args:
            continue
        writer = callee(ctx, call)
        if _DIGEST_CALL.search(writer) and (
            _buffer(ctx, args[-1]) == name or ("final" in writer.lower() and any(_buffer(ctx, a) == name for a in args))
        ):
            return True  # the output buffer, not the data hashed: hex_md5(password, got), MD5_Final(d, &c)
        if writer in BUFFER_FORMAT and _buffer(ctx, args[0]) == name:
            sources = {ctx.text(n) for a in args[1:] for n in walk(a) if n.type == "identifier"} - {name}
            if any(_digest(ctx, facts, source, call, hops - 1) for source in sources):
                return True
    return False


def _buffer(ctx: TSContext, node: Node) -> str:
    """The buffer an argument writes into: ``d``, ``&d``, ``hex + 2 * i``."""
    node = unwrap(node)
    left = node.child_by_field_name("left") if node.type == "binary_expression" else None
    return base_name(ctx, left if left is not None else node)


def _sides(ctx: TSContext, node: Node) -> tuple[list[Node], str] | None:
    """The two compared values and how they are compared, or None for comparisons this rule does not judge."""
    if node.type == "call_expression":
        args = ctx.arguments(node)
        name = callee(ctx, node)
        return (args[:2], f"{name}()") if name in _COMPARES and len(args) >= 2 else None
    operator = node.child_by_field_name("operator")
    left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
    if ctx.language != "cpp" or operator is None or operator.type not in ("==", "!=") or left is None or right is None:
        return None  # in C, == on char * compares addresses (a bug, but not a timing leak)
    return [left, right], operator.type


def _bytewise(ctx: TSContext, sides: list[Node]) -> bool:
    """C++ == on these values compares byte by byte: strings and buffers, not integers or char pointers."""
    types = [_declared_type(ctx, s) for s in sides]
    if any(_NUMERIC_TYPE.search(t) and not _TEXT_TYPE.search(t) for t in types):
        return False
    if any(t.endswith("*") and "char" in t for t in types):  # char * == char * compares addresses
        objects = any(_TEXT_TYPE.search(t) and not t.endswith("*") for t in types)
        return objects or any(_string_object(ctx, s) for s in sides)  # std::string == char * compares the text
    if any(_TEXT_TYPE.search(t) for t in types):
        return True
    return not any(w in _NUMERIC_WORDS for s in sides for w in words(_name(ctx, s) or ""))  # an int PIN or code


def _string_object(ctx: TSContext, node: Node) -> bool:
    """A C++ string object: a request getter of a C++ web framework (``req.get_header_value("X-Token")``), or a
    method call that returns a value by ``.`` (not a ``c_str()``/``data()`` view)."""
    node = unwrap(node)
    fn = node.child_by_field_name("function") if node.type == "call_expression" else None
    if fn is None or fn.type != "field_expression":
        return False
    method, operator = fn.child_by_field_name("field"), fn.child_by_field_name("operator")
    view = method is not None and ctx.text(method) in ("c_str", "data", "get", "constData")
    return not view and (ctx.spec.sources.search(ctx.compact(node)) is not None or ctx.text(operator) == ".")


@ts_rule(
    id="C-TIMING-001",
    title="Secret compared with strcmp/memcmp/== (timing leak)",
    cwe=208,
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    languages=("c", "cpp"),
    query=f"{calls_to(_COMPARES)} (binary_expression) @cmp",
    why="""Assistants check an API key, session token, password or HMAC with strcmp(provided, expected) == 0,
    memcmp(mac, sig, 32) or, in C++, token == expected_token. These stop at the first byte that differs, so the
    response time tells an attacker how much of a guess is right, and a network attacker can recover the
    secret byte by byte.""",
    fix="""Compare secrets in constant time: CRYPTO_memcmp (OpenSSL), sodium_memcmp (libsodium), timingsafe_bcmp
    (BSD) or a loop that ORs the XOR of every byte, over equal lengths; verify passwords only through a password
    hashing library (crypto_pwhash_str_verify, crypt_r + constant-time compare).""",
)
def c_timing_compare(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    node: Node = captures["call"][0] if "call" in captures else captures["cmp"][0]
    found = _sides(ctx, node)
    if found is None:
        return
    sides, how = found
    if any(_constant(ctx, s) and not _hard_coded_secret(ctx, s) for s in sides):
        return
    hard_coded = next((ctx.text(s) for s in sides if _hard_coded_secret(ctx, s)), None)
    secret = _secret(ctx, sides) or hard_coded or _login_digest(ctx, sides)
    if secret is None or (node.type == "binary_expression" and not _bytewise(ctx, sides)):
        return
    tainted = any(arg_flow(ctx, s).tainted for s in sides)
    yield ctx.hit(
        node,
        f"'{secret}' is compared with {how}, which stops at the first differing byte; use CRYPTO_memcmp or "
        "sodium_memcmp",
        confidence=Confidence.HIGH if tainted else None,
    )
