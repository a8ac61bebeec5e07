"""Verification done wrong: secrets compared with ==, TLS certificates unchecked, JWT signatures unchecked."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit, hit_at
from slopguard.engine.python.context import PyContext
from slopguard.engine.registry import python_rule
from slopguard.rules.python.common import first_arg, method_name
from slopguard.rules.python.crypto_hashes import checksum_name, plain_digest
from slopguard.rules.python.names import ancestors, assigned_value, binding_names, speaking_name
from slopguard.rules.shared.names import (
    OTHER_TOKENS,
    SECRET_ENDINGS,
    SECRET_WORDS,
    SecretNames,
    is_password_word,
    names_secret,
    two_entries,
    words,
)


def _imports(ctx: PyContext, *modules: str) -> bool:
    return not ctx.imported_roots.isdisjoint(modules)


# ----- PY-TIMING-001 ------------------------------------------------------------------------------------
_CACHES = frozenset({"cache", "cached", "caching", "etag", "checksum", "dedup", "fingerprint", "memo", "memoize"})
_LEXERS = frozenset({"tokenize", "token", "lib2to3", "pygments", "sqlparse", "ply", "lark", "parso"})
_ORM_METHODS = frozenset({"filter", "filter_by", "where", "having", "exclude", "join", "outerjoin", "and_", "or_"})
_CASE_METHODS = frozenset({"lower", "upper", "strip", "lstrip", "rstrip", "casefold", "encode", "decode"})
_HARMLESS_QUALS = frozenset({"inspect.signature", "signal.getsignal", "signal.signal"})
_CODE_QUALIFIERS = frozenset(
    {"otp", "verification", "verify", "confirmation", "auth", "mfa", "totp", "reset", "sms", "twofa", "security",
     "activation", "invite", "access", "login", "one", "recovery", "backup"}
)  # fmt: skip
_COMPARED = SecretNames(
    endings=(*SECRET_ENDINGS, "digest"),
    words=SECRET_WORDS,
    last_words=frozenset({"sig", "pass"}),
    other_tokens=OTHER_TOKENS | {"stmt"},
    code_qualifiers=_CODE_QUALIFIERS,
)

_CONFIRMATION = frozenset({"confirm", "confirmation", "confirmed", "repeat", "repeated", "again", "retype", "old"})
_HASHED = re.compile(r"(?i)hash|digest|hex|crypt")
_DIGEST_WORDS = frozenset({"digest", "hexdigest", "hash", "hashed"})
_HARMLESS_CALLS = frozenset({"len", "type", "int", "bool", "hash", "id", "isinstance", "ord", "float"})


def _sensitive(name: str | None) -> bool:
    return names_secret(name, _COMPARED)


def _confirmation(name: str | None) -> bool:
    ws = words(name or "")
    return any(w in _CONFIRMATION for w in ws) or (len(ws) > 1 and ws[-1].isdigit() and is_password_word(ws[-2]))


def _class_constant(e: ast.Attribute, ctx: PyContext) -> bool:
    """``self.reset_url_token`` where the class body sets ``reset_url_token = "set-password"``."""
    if not (isinstance(e.value, ast.Name) and e.value.id in ("self", "cls") and ctx.function is not None):
        return False
    cls = ctx.class_of.get(id(ctx.function))
    for stmt in cls.body if cls is not None else ():
        targets = (
            stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target] if isinstance(stmt, ast.AnnAssign) else []
        )
        value = stmt.value if isinstance(stmt, ast.Assign | ast.AnnAssign) else None
        if any(isinstance(t, ast.Name) and t.id == e.attr for t in targets):
            return isinstance(value, ast.Constant)
    return False


def _orm_expression(node: ast.Compare, ctx: PyContext) -> bool:
    """``Model.column == value`` or a comparison inside ``.filter(...)``/``.where(...)``: SQL, not a comparison."""
    for side in (node.left, *node.comparators):
        if isinstance(side, ast.Attribute) and isinstance(side.value, ast.Name) and side.value.id[:1].isupper():
            return True
    return any(isinstance(a, ast.Call) and method_name(a) in _ORM_METHODS for a in ancestors(ctx.statement, node))


def _excused(node: ast.Compare, hit: str, ctx: PyContext) -> bool:
    """Comparisons of secret-sounding names that are not secret comparisons."""
    if _imports(ctx, *_LEXERS) and "token" in "".join(words(hit)):
        return True  # a tokenizer's tokens are lexemes
    func = ctx.function
    cls = ctx.class_of.get(id(func)) if func is not None else None
    scopes = " ".join(n.name for n in (func, cls) if n is not None)
    if set(words(scopes)) & _CACHES:
        return True  # a cache checking its entry's digest guards no secret
    return _orm_expression(node, ctx)  # User.api_key == digest builds SQL; the database compares


def _integrity_check(left: ast.expr, right: ast.expr, names: list[str | None], ctx: PyContext) -> bool:
    """``sha256(blob).hexdigest() != published_sha256``: a plain hash of data against a checksum. No side is a
    key, signature, token or password (a name that is sensitive only for saying 'digest' does not count), and
    one side is computed from data alone or named as a checksum."""
    if any(_sensitive("_".join(w for w in words(n or "") if w not in _DIGEST_WORDS)) for n in names):
        return False
    return any(checksum_name(n) for n in names) or plain_digest(left, ctx) or plain_digest(right, ctx)


def _both_submitted(left: ast.expr, right: ast.expr, ctx: PyContext) -> bool:
    """Two local names, two entries of one container (``form["a"]``, ``request.form["b"]``) or two values
    from the request: neither side is read from where secrets are kept."""
    if isinstance(left, ast.Name) and isinstance(right, ast.Name):
        return True
    containers = [s.value for s in (left, right) if isinstance(s, ast.Subscript | ast.Attribute)]
    if len(containers) == 2 and ast.dump(containers[0]) == ast.dump(containers[1]):
        return True
    return ctx.tainted(left) is not None and ctx.tainted(right) is not None


def _number(e: ast.expr) -> bool:
    return isinstance(e, ast.Constant) and isinstance(e.value, int | float) and not isinstance(e.value, bool)


def _constant(e: ast.expr, ctx: PyContext) -> bool:
    if isinstance(e, ast.Constant | ast.Tuple | ast.List | ast.Set | ast.Dict):
        return True
    if isinstance(e, ast.UnaryOp):
        return _constant(e.operand, ctx)
    if isinstance(e, ast.BinOp):
        return isinstance(e.op, ast.Add | ast.Sub) and (_number(e.left) or _number(e.right))
    if isinstance(e, ast.Call) and isinstance(e.func, ast.Attribute) and e.func.attr in _CASE_METHODS:
        return _constant(e.func.value, ctx)
    if isinstance(e, ast.Call):
        return ctx.call_name(e) in _HARMLESS_CALLS or ctx.call_name(e) in _HARMLESS_QUALS
    if isinstance(e, ast.Subscript) and isinstance(e.slice, ast.Slice):
        return True  # token[:7] == prefix compares a prefix, not the secret
    if isinstance(e, ast.Attribute) and _class_constant(e, ctx):
        return True
    name = e.id if isinstance(e, ast.Name) else e.attr if isinstance(e, ast.Attribute) else None
    if name is None or _sensitive(name):
        return False
    return name.isupper() or (isinstance(e, ast.Name) and ctx.module_constant(name) is not None)


@python_rule(
    id="PY-TIMING-001",
    title="Secret compared with == (timing leak)",
    cwe=208,
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    nodes=(ast.Compare,),
    why="""Checking a webhook signature, API key, reset token or OTP, assistants write `if sig == expected:`.
    String equality stops at the first differing byte, so response times reveal how much of a guess is right
    and the secret can be recovered byte by byte; comparing stored plain-text passwords also means the
    passwords are stored unhashed.""",
    fix="""Compare secrets with hmac.compare_digest(a, b) (or secrets.compare_digest); verify passwords with
    the hash library's check function (bcrypt.checkpw, check_password_hash, argon2's verify).""",
)
def timing_compare(node: ast.Compare, ctx: PyContext) -> Iterator[Hit]:
    if isinstance(ctx.statement, ast.Assert) or (ctx.function and ctx.function.name.startswith("__")):
        return  # test assertions and __eq__ are not authentication
    left = node.left
    for op, right in zip(node.ops, node.comparators, strict=True):
        if isinstance(op, ast.Eq | ast.NotEq) and not (_constant(left, ctx) or _constant(right, ctx)):
            names = [speaking_name(left), speaking_name(right)]
            if any(_confirmation(n) or set(words(n or "")) & _COMPARED.other_tokens for n in names):
                return  # password == confirm_password checks a form; cache tokens are not secrets
            if two_entries(*names) and _both_submitted(left, right, ctx):
                return  # password != cpassword: two entries of one form, neither is the stored secret
            hit = next((n for n in names if _sensitive(n)), None)
            if hit is not None and not _excused(node, hit, ctx) and not _integrity_check(left, right, names, ctx):
                plain = is_password_word(words(hit)[-1]) and not any(_HASHED.search(n or "") for n in names)
                what = "a plain-text password" if plain else f"'{hit}'"
                tainted = ctx.tainted(left) or ctx.tainted(right)
                yield hit_at(
                    node,
                    f"{what} compared with {'==' if isinstance(op, ast.Eq) else '!='}; use hmac.compare_digest",
                    confidence=Confidence.HIGH if tainted else None,
                )
                return
        left = right


# ----- PY-TLS-001 ---------------------------------------------------------------------------------------
_HTTP_LIBS = ("requests.", "httpx.", "urllib3.", "aiohttp.", "boto3.", "botocore.", "hvac.", "pysnow.", "zeep.")
_HTTP_METHODS = frozenset(
    {"get", "post", "put", "patch", "delete", "head", "options", "request", "send", "stream", "Session", "Client",
     "AsyncClient", "urlopen", "client", "resource", "ws_connect", "build_opener"}
)  # fmt: skip
_VERIFY_FLAGS = frozenset({"verify_ssl", "verify_certs", "ssl_verify", "validate_certs", "verify_cert"})
_UNVERIFIED = frozenset({"ssl._create_unverified_context", "ssl._create_stdlib_context"})
_UNVERIFYING_ATTRS = frozenset({"CERT_NONE", "_create_unverified_context", "_create_stdlib_context"})
_VERIFY = "verify"
_AIOHTTP_SSL = "ssl"
_CERT_REQS = frozenset({"cert_reqs", "ssl_cert_reqs"})
_HOST_KEY_POLICY = "set_missing_host_key_policy"


@python_rule(
    id="PY-TLS-001",
    title="TLS certificate verification disabled",
    cwe=295,
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    nodes=(ast.Call, ast.Attribute, ast.Assign),
    calls=_VERIFY_FLAGS | _CERT_REQS | {_VERIFY, _AIOHTTP_SSL, _HOST_KEY_POLICY},
    why="""When a request fails with CERTIFICATE_VERIFY_FAILED, the assistant's quick fix is verify=False,
    CERT_NONE or an unverified SSL context, and it stays. Anyone on the network path (Wi-Fi, a proxy, a
    compromised router, a cloud neighbour) can then present any certificate, read the traffic and steal the
    credentials and tokens it carries, or feed back forged responses.""",
    fix="""Keep verification on; for a private CA pass verify="/path/to/ca.pem" (requests/httpx) or
    ssl.create_default_context(cafile=...); fix the server's certificate chain rather than the client.""",
)
def tls_unverified(node: ast.AST, ctx: PyContext) -> Iterator[Hit]:
    if isinstance(node, ast.Attribute) and node.attr not in _UNVERIFYING_ATTRS:
        return  # most attributes: left before any generator is made
    hits = list(_tls_hits(node, ctx))
    # A library honouring its caller's verify=False: the caller's call is what gets flagged. Checked only for
    # real hits: walking the enclosing branches for every call and attribute would cost more than the scan.
    if hits and not _caller_opted_out(node, ctx):
        yield from hits


def _tls_hits(node: ast.AST, ctx: PyContext) -> Iterator[Hit]:
    if isinstance(node, ast.Attribute):
        if node.attr not in _UNVERIFYING_ATTRS:
            return
        qual = ctx.qualname(node)
        path = list(ancestors(ctx.statement, node))
        compared = any(isinstance(a, ast.Compare) for a in path)
        if qual == "ssl.CERT_NONE" and not compared and not _table_key(node, path):
            yield hit_at(node, "ssl.CERT_NONE accepts any certificate")
        elif qual in _UNVERIFIED:
            yield hit_at(node, f"{qual} skips certificate and hostname checks")
    elif isinstance(node, ast.Assign):
        if not ctx.is_false(node.value):
            return
        for t in node.targets:
            if isinstance(t, ast.Attribute) and t.attr == "check_hostname" and not _own_default(t, ctx):
                yield hit_at(node, "check_hostname = False accepts certificates for any host")
            elif isinstance(t, ast.Attribute) and t.attr == "verify" and _http_object(t.value, ctx):
                yield hit_at(node, "the session's verify = False turns off certificate checks for every request")
    elif isinstance(node, ast.Call):
        yield from _tls_call(node, ctx)


def _table_key(node: ast.Attribute, path: list[ast.AST]) -> bool:
    """``{ssl.CERT_NONE: OpenSSL.SSL.VERIFY_NONE, ...}``: a key of a translation table, not a setting."""
    parent = path[-1] if path else None
    return isinstance(parent, ast.Dict) and any(key is node for key in parent.keys)


def _own_default(target: ast.Attribute, ctx: PyContext) -> bool:
    """``self.check_hostname = False`` in a class that is not an ``SSLContext``: an object that emulates a context
    setting its own attribute's default (urllib3's ``PyOpenSSLContext``), not a real context turned off."""
    if not (isinstance(target.value, ast.Name) and target.value.id == "self") or ctx.function is None:
        return False
    cls = ctx.class_of.get(id(ctx.function))
    return cls is not None and not any((ctx.dotted(b) or "").endswith("SSLContext") for b in cls.bases)


_OPT_OUT_WORDS = frozenset(
    {"verify", "verified", "unverified", "insecure", "ssl", "tls", "cert", "certs", "certificate", "certificates",
     "hostname", "validate", "validation", "secure"}
)  # fmt: skip


def _caller_opted_out(node: ast.AST, ctx: PyContext) -> bool:
    """``if verify is False: ctx.verify_mode = ssl.CERT_NONE`` in a function whose caller passes ``verify``: the
    branch is decided by a parameter (or an attribute of ``self``) named for verification."""
    func = ctx.function
    if func is None or ctx.statement is None:
        return False
    params = {a.arg for a in (*func.args.posonlyargs, *func.args.args, *func.args.kwonlyargs)}
    tests = [a.test for a in ancestors(func, ctx.statement) if isinstance(a, ast.If)]
    tests += [a.test for a in ancestors(ctx.statement, node) if isinstance(a, ast.IfExp)]
    return any(_names_opt_out(t, params) for t in tests)


def _names_opt_out(test: ast.expr, params: set[str]) -> bool:
    for n in ast.walk(test):
        if isinstance(n, ast.Name) and n.id in params:
            name = n.id
        elif isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id in ("self", "cls"):
            name = n.attr
        else:
            continue
        if set(words(name)) & _OPT_OUT_WORDS:
            return True
    return False


def _http_object(e: ast.expr, ctx: PyContext) -> bool:
    name = (ctx.dotted(e) or "").lower()
    return bool(re.search(r"session|client|http|^s$", name)) or _imports(ctx, "requests", "httpx")


def _tls_call(node: ast.Call, ctx: PyContext) -> Iterator[Hit]:
    qual = ctx.call_name(node)
    name = method_name(node)
    verify = ctx.kwarg(node, _VERIFY)
    if ctx.is_false(verify) and not qual.startswith(("jwt.", "jose.")) and name not in ("decode", "encode"):
        known = qual.startswith(_HTTP_LIBS) or name in _HTTP_METHODS
        yield hit_at(
            node,
            f"{name}(verify=False) turns off certificate verification",
            confidence=Confidence.HIGH if known else Confidence.MEDIUM,
        )
        return
    for kw in node.keywords:
        if kw.arg in _VERIFY_FLAGS and ctx.is_false(kw.value):
            yield hit_at(node, f"{kw.arg}=False turns off certificate verification")
        elif kw.arg == _AIOHTTP_SSL and ctx.is_false(kw.value) and _imports(ctx, "aiohttp"):
            yield hit_at(node, "aiohttp ssl=False turns off certificate verification")
        elif kw.arg in _CERT_REQS and (PyContext.string(kw.value) or "").upper() in (
            "CERT_NONE",
            "NONE",
        ):
            yield hit_at(node, f"{kw.arg}='CERT_NONE' accepts any certificate")
    if name == _HOST_KEY_POLICY and node.args:
        policy = ctx.qualname(node.args[0].func if isinstance(node.args[0], ast.Call) else node.args[0]) or ""
        if policy.endswith(("AutoAddPolicy", "WarningPolicy")):
            yield hit_at(node, "SSH host keys are accepted unchecked", confidence=Confidence.MEDIUM)


# ----- PY-JWT-001 ---------------------------------------------------------------------------------------
_JWT_DECODE = frozenset({"jwt.decode", "jwt.decode_complete", "jose.jwt.decode", "jwt.api_jwt.decode"})
_JWT_ENCODE = frozenset({"jwt.encode", "jose.jwt.encode"})
_HEADER_LOOKUPS = frozenset({"kid", "alg", "typ", "x5t", "jku", "x5u", "x5c"})
_UNVERIFIED_CLAIMS = "get_unverified_claims"
_UNVERIFIED_HEADER = "get_unverified_header"


def _resolved(e: ast.expr | None, ctx: PyContext) -> ast.expr | None:
    if isinstance(e, ast.Name):
        value = assigned_value(e.id, ctx)
        if value is None and ctx.function is not None:
            value = next(
                (
                    s.value
                    for s in ctx.tree.body
                    if isinstance(s, ast.Assign) and any(isinstance(t, ast.Name) and t.id == e.id for t in s.targets)
                ),
                None,
            )
        return value if value is not None else e
    return e


def _signature_off(options: ast.expr | None, ctx: PyContext) -> bool:
    options = _resolved(options, ctx)
    if isinstance(options, ast.Dict):
        pairs = [(PyContext.string(k), v) for k, v in zip(options.keys, options.values, strict=True)]
    elif isinstance(options, ast.Call) and ctx.call_name(options) == "dict":
        pairs = [(k.arg, k.value) for k in options.keywords]
    else:
        return False
    return any(k == "verify_signature" and ctx.is_false(v) for k, v in pairs)


def _allows_none(algorithms: ast.expr | None, ctx: PyContext) -> bool:
    algorithms = _resolved(algorithms, ctx)
    items = algorithms.elts if isinstance(algorithms, ast.List | ast.Tuple | ast.Set) else [algorithms]
    return any((PyContext.string(i) or "").lower() == "none" for i in items if i is not None)


@python_rule(
    id="PY-JWT-001",
    title="JWT accepted without verifying its signature",
    cwe=347,
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    nodes=(ast.Call,),
    calls=_JWT_DECODE | _JWT_ENCODE | {f"*{_UNVERIFIED_CLAIMS}", f"*{_UNVERIFIED_HEADER}"},
    why="""To get past 'InvalidSignatureError' or 'algorithms is required', assistants decode tokens with
    verify_signature False, verify=False, algorithms=["none"], or read claims with get_unverified_claims.
    An attacker then writes their own token (alg none, or any signature) with sub=admin and is logged in as
    anyone.""",
    fix="""Verify every token: jwt.decode(token, key, algorithms=["HS256"]) with an explicit allow-list that
    never contains "none"; read the unverified header only to pick the key (kid), then verify.""",
)
def jwt_unverified(node: ast.Call, ctx: PyContext) -> Iterator[Hit]:
    qual = ctx.call_name(node)
    if qual in _JWT_DECODE:
        algorithms = ctx.kwarg(node, "algorithms") or (node.args[2] if len(node.args) > 2 else None)
        key = ctx.kwarg(node, "key") or (node.args[1] if len(node.args) > 1 else None)
        if _signature_off(ctx.kwarg(node, "options"), ctx) or ctx.is_false(ctx.kwarg(node, "verify")):
            yield hit_at(node, "JWT decoded with signature verification switched off")
        elif algorithms is not None and _allows_none(algorithms, ctx):
            yield hit_at(node, "JWT decode accepts the 'none' algorithm: unsigned tokens pass")
        elif algorithms is None and key is not None and not isinstance(key, ast.Constant):
            yield hit_at(node, "JWT decoded without an algorithms= allow-list", confidence=Confidence.MEDIUM)
    elif qual in _JWT_ENCODE:
        algorithm = ctx.kwarg(node, "algorithm") or (node.args[2] if len(node.args) > 2 else None)
        if isinstance(algorithm, ast.Constant) and (algorithm.value is None or _allows_none(algorithm, ctx)):
            yield hit_at(node, "JWT signed with the 'none' algorithm: anyone can forge it")
    elif qual.endswith(_UNVERIFIED_CLAIMS) and qual.startswith(("jose.", "jwt.")):
        yield hit_at(node, "claims read from an unverified JWT", confidence=Confidence.MEDIUM)
    elif qual.endswith(_UNVERIFIED_HEADER) and qual.startswith(("jose.", "jwt.")) and not _only_key_lookup(node, ctx):
        yield hit_at(node, "unverified JWT header used beyond picking the key", confidence=Confidence.MEDIUM)


def _only_key_lookup(node: ast.Call, ctx: PyContext) -> bool:
    """True when the unverified header is only used to look up kid/alg (the documented JWKS pattern)."""
    path = ancestors(ctx.statement, node)
    parent = path[-1] if path else None
    if isinstance(parent, ast.Subscript):
        return PyContext.string(parent.slice) in _HEADER_LOOKUPS
    names = binding_names(node, ctx.statement)
    if len(names) != 1 or not isinstance(ctx.statement, ast.Assign):
        return False
    scope: ast.AST = ctx.function if ctx.function is not None else ctx.tree
    lookups = {  # header.get("kid")
        id(n.func)
        for n in ast.walk(scope)
        if isinstance(n, ast.Call) and method_name(n) == "get" and PyContext.string(first_arg(n)) in _HEADER_LOOKUPS
    }
    for n in ast.walk(scope):
        uses = [c for c in ast.iter_child_nodes(n) if isinstance(c, ast.Name) and c.id == names[0]]
        if not uses or n is ctx.statement or id(n) in lookups:
            continue
        if isinstance(n, ast.Subscript) and PyContext.string(n.slice) in _HEADER_LOOKUPS:
            continue
        return False
    return True
