"""PY-SECRET-001: secrets hard-coded under a secret-sounding name; plus the name helpers the crypto rules share."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from slopguard.core.finding import Confidence, Severity
from slopguard.core.secrets import find_tokens, shannon_entropy
from slopguard.engine.python.context import FunctionNode, PyContext
from slopguard.engine.registry import Hit, hit_at, python_rule
from slopguard.rules.python.common import first_arg, method_name

# ----- names -------------------------------------------------------------------------------------------
_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
_PASSTHROUGH = frozenset(
    {"encode", "decode", "strip", "lstrip", "rstrip", "lower", "upper", "casefold", "str", "bytes", "bytearray",
     "fromhex", "unhexlify", "hexlify", "b64decode", "b64encode", "urlsafe_b64decode", "urlsafe_b64encode", "await"}
)  # fmt: skip
_KEYED_GETTERS = frozenset({"get", "getlist", "pop", "getenv", "get_header", "getheader"})


def words(name: str) -> list[str]:
    """``DB_PASSWORD`` -> [db, password]; ``apiKey`` -> [api, key]; ``X-Hub-Signature`` -> [x, hub, signature]."""
    return [w.lower() for w in _WORD.findall(name)]


def is_password_word(word: str) -> bool:
    return "passw" in word or "passphrase" in word or word in ("pwd", "pw", "pass", "pword", "pwhash")


def speaking_name(e: ast.expr) -> str | None:
    """The name a reader would call a value by: ``user.password`` -> password, ``d["token"]`` -> token,
    ``request.headers.get("X-Signature")`` -> X-Signature, ``sig.encode()`` -> sig, ``make_token()`` -> make_token.
    """
    for _ in range(8):
        if isinstance(e, ast.Name):
            return e.id
        if isinstance(e, ast.Attribute):
            return e.attr
        if isinstance(e, ast.Await):
            e = e.value
        elif isinstance(e, ast.Subscript):
            key = e.slice
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                return key.value
            e = e.value
        elif isinstance(e, ast.Call):
            name = method_name(e)
            if name in _PASSTHROUGH:
                inner = e.func.value if isinstance(e.func, ast.Attribute) else first_arg(e)
                if inner is None:
                    return None
                e = inner
                continue
            arg = e.args[1] if name == "getattr" and len(e.args) > 1 else first_arg(e)
            if name in _KEYED_GETTERS or name == "getattr":
                key_text = PyContext.string(arg)
                if key_text:
                    return key_text
            return name or None
        else:
            return None
    return None


def binding_names(node: ast.AST, stmt: ast.stmt | None) -> list[str]:
    """Names the value of ``node`` is bound to: keyword argument, dict key, or the statement's targets."""
    path = ancestors(stmt, node)
    child: ast.AST = node
    for parent in reversed(path):
        if isinstance(parent, ast.keyword) and parent.arg:
            return [parent.arg]
        if isinstance(parent, ast.Dict):
            for key, value in zip(parent.keys, parent.values, strict=True):
                if value is child and isinstance(key, ast.Constant) and isinstance(key.value, str):
                    return [key.value]
        if isinstance(parent, ast.Assign):
            return [n for t in parent.targets if (n := target_name(t))]
        if isinstance(parent, ast.AnnAssign | ast.AugAssign | ast.NamedExpr):
            n = target_name(parent.target)
            return [n] if n else []
        child = parent
    return []


def target_name(t: ast.expr) -> str | None:
    if isinstance(t, ast.Name | ast.Attribute):
        return speaking_name(t)
    if isinstance(t, ast.Subscript):
        key = PyContext.string(t.slice)
        return key if key is not None else speaking_name(t.value)
    return None


def ancestors(root: ast.AST | None, node: ast.AST) -> list[ast.AST]:
    """The nodes from ``root`` down to ``node``'s parent (empty when ``node`` is not inside ``root``)."""
    if root is None:
        return []
    stack: list[tuple[ast.AST, tuple[ast.AST, ...]]] = [(root, ())]
    while stack:
        current, path = stack.pop()
        if current is node:
            return list(path)
        for child in ast.iter_child_nodes(current):
            if not isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
                stack.append((child, (*path, current)))
    return []


def assigned_value(name: str, ctx: PyContext, before: int | None = None) -> ast.expr | None:
    """The last value assigned to ``name`` in the enclosing function (or at module level) before a line."""
    scope: ast.AST = ctx.function if ctx.function is not None else ctx.tree
    limit = before if before is not None else (ctx.statement.lineno if ctx.statement else 10**9)
    found: ast.expr | None = None
    found_line = -1
    for node in ast.walk(scope):
        if isinstance(node, ast.Assign) and node.lineno < limit and node.lineno > found_line:
            if any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
                found, found_line = node.value, node.lineno
        elif isinstance(node, ast.AnnAssign | ast.NamedExpr) and node.value is not None:
            if isinstance(node.target, ast.Name) and node.target.id == name and found_line < node.lineno < limit:
                found, found_line = node.value, node.lineno
    return found


def param_names(func: FunctionNode | None) -> set[str]:
    if func is None:
        return set()
    a = func.args
    return {x.arg for x in [*a.posonlyargs, *a.args, *a.kwonlyargs]} - {"self", "cls"}


# ----- PY-SECRET-001 -----------------------------------------------------------------------------------
_SECRETISH = re.compile(r"(?i)pass|pw|secret|token|key|auth|cred")
_NOT_SECRET = frozenset(
    {"url", "urls", "uri", "endpoint", "path", "file", "filename", "dir", "directory", "field", "fields", "name",
     "names", "label", "type", "types", "header", "headers", "prefix", "suffix", "length", "len", "size", "min",
     "max", "hint", "policy", "regex", "re", "pattern", "message", "msg", "error", "errors", "reason", "help",
     "placeholder", "env", "var", "variable", "param", "parameter", "id", "ids", "template", "expires", "expiry",
     "expiration", "ttl", "timeout", "lifetime", "age", "algorithm", "algorithms", "alg", "scheme", "location",
     "format", "version", "class", "backend", "backends", "mode", "count", "hash", "hashed", "hasher", "hashers",
     "required", "enabled", "strength", "validator", "validators", "widget", "form", "view", "route", "attr",
     "column", "display", "title", "description", "chars", "charset", "alphabet", "bits", "bytes", "source",
     "method", "methods", "kind", "status", "link", "redirect", "callback", "scope", "scopes", "grant", "audience",
     "issuer", "storage", "question", "text", "example", "char", "keys", "index", "tokens", "secrets",
     "passwords", "handler", "manager", "provider", "dummy", "mask"}
)  # fmt: skip
_KEY_OWNERS = frozenset(
    {"api", "secret", "private", "access", "signing", "encryption", "master", "auth", "app", "client", "jwt",
     "webhook", "hmac", "sign", "crypt", "fernet", "aes", "license", "consumer", "subscription", "service"}
)  # fmt: skip
_OWN_SECRETS = re.compile(r"secret_?key|signing|jwt|webhook|session_secret|cookie_secret|fernet|hmac|encryption")
_TEMPLATE = re.compile(
    r"<[^>]*>|\$\{[^}]*\}|\{\{.*\}\}|%\(\w+\)s|^\{\w*\}$|^\$[A-Za-z_]\w*$|^[xX*.#?-]+$|\.\.\.|…"
)
_FILL_IN = re.compile(
    r"(?i)^(?:your|my|insert|enter|put|add|replace|set)[\W_]|[\W_](?:here|goes)$|^(?:todo|tbd|fixme|none|null|nil"
    r"|undefined|n/?a|dummy|placeholder|example|sample|redacted|fake|not[\W_]?set|unset|notasecret)$"
)
_WEAK = re.compile(
    r"(?i)change[\W_]?(?:me|it|this)|secret|passw|p@ss|insecure|default|^(?:admin|root|toor|guest|dev|test|demo"
    r"|development|testing|letmein|qwerty|s3cr3t)\d*$|12345"
)
_APP_PASSWORD = re.compile(r"^[a-z]{4}(?: [a-z]{4}){3}$")  # Google app passwords: 'abcd efgh ijkl mnop'
_ENV_NAME = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$")
_HEADER_NAME = re.compile(r"(?i)^(?:x-[\w-]+|authorization|proxy-authorization|cookie|set-cookie)$")
_FILE_EXT = re.compile(r"(?i)\.(?:pem|key|crt|cer|der|p12|pfx|json|txt|env|ya?ml|cfg|ini|conf|jks|gpg|asc)$")
_BENIGN_VALUES = frozenset({"bearer", "basic", "digest", "jwt", "oauth", "oauth2", "hmac", "hs256", "rs256"})
_ENV_GETTERS = frozenset({"os.environ.get", "os.getenv", "os.environ.setdefault", "environ.get", "getenv"})
_ENV_RECEIVER = re.compile(r"(?i)environ|\benv\b|config|settings|secrets")
_BASIC_AUTH = re.compile(r"(?:^|\.)(?:HTTPBasicAuth|HTTPDigestAuth|BasicAuth|DigestAuth)$")


def secret_kind(name: str) -> str | None:
    """'password', 'token', 'key' (external credentials) or 'own' (the app's own signing secrets), else None."""
    if not _SECRETISH.search(name):
        return None
    ws = words(name)
    if not ws or any(w in _NOT_SECRET for w in ws):
        return None
    joined = "_".join(ws)
    if ws[-1] == "key" and len(ws) > 1 and any(is_password_word(w) or w == "token" for w in ws[:-1]):
        return None  # PASSWORD_KEY / TOKEN_KEY: the name of a key, not a key
    if _OWN_SECRETS.search(joined) and ("secret" in joined or "key" in ws or ws[-1].endswith("key")):
        return "own"
    if any(is_password_word(w) for w in ws):
        return "password"
    if any(w.endswith("secret") for w in ws):
        return "own" if joined in ("secret", "app_secret") else "key"
    if any(w.endswith("token") for w in ws) or joined in ("authorization", "bearer"):
        return "token"
    if any(w.endswith(("apikey", "secretkey", "privatekey", "accesskey")) for w in ws):
        return "key"
    if "key" in ws[1:] and ws[ws.index("key", 1) - 1] in _KEY_OWNERS:
        return "key"
    if ws[-1] in ("credential", "credentials", "creds"):
        return "password"
    return None


def _grade(kind: str, name: str, value: str, constant_target: bool) -> Confidence | None:
    """None when the value is not a secret; else how sure we are that it is one."""
    text = value.strip()
    if kind == "token" and text.split(" ", 1)[0].lower() in ("bearer", "basic", "token") and " " in text:
        text = text.split(" ", 1)[1].strip()
    if len(text) < (3 if kind == "own" else 4) or _TEMPLATE.search(text) or find_tokens(text):
        return None  # known formats are SEC-TOKEN-001's
    lowered = text.lower()
    if "://" in text or text.startswith(("/", "./", "../", "~/")) or _FILE_EXT.search(text) or "\n" in text:
        return None
    prose = len(text.split()) >= 3 and not _APP_PASSWORD.match(text)
    if prose or _ENV_NAME.match(text) or _HEADER_NAME.match(text) or lowered in _BENIGN_VALUES:
        return None
    plain = re.sub(r"[\W_]", "", lowered)
    if plain == re.sub(r"[\W_]", "", name.lower()) or (text.isupper() and secret_kind(text)):
        return None  # PASSWORD = "password", API_KEY = "api_key": a label
    label = re.fullmatch(r"_*[a-z]+(?:[_\-.][a-z]+)*", text) is not None
    if kind in ("password", "token") and constant_target and label and secret_kind(text) is not None:
        return None  # PASSWORD_PARAM-style constants: TOKEN = "access_token"
    entropy = shannon_entropy(text)
    if kind == "token" and (len(text) < 12 or entropy < 3.0):
        return None  # parsers call their lexemes tokens; real tokens are long and random
    if _FILL_IN.search(text):
        return Confidence.MEDIUM if kind == "own" else None
    if _WEAK.match(text):
        return Confidence.HIGH if kind == "own" else Confidence.MEDIUM
    if kind == "own" or (len(text) >= 16 and entropy >= 3.5) or (len(text) >= 10 and entropy >= 3.0):
        return Confidence.HIGH
    return Confidence.MEDIUM if len(text) >= 6 else Confidence.LOW


def _literal(e: ast.expr | None) -> str | None:
    if isinstance(e, ast.Constant):
        if isinstance(e.value, str):
            return e.value
        if isinstance(e.value, bytes):
            return e.value.decode("latin-1")
    return None


def _raw(value_node: ast.expr, ctx: PyContext) -> str:
    """The literal as written, without prefix and quotes (so escapes are redacted too)."""
    seg = ctx.segment(value_node)
    match = re.fullmatch(r"(?is)[rbuf]*('''|\"\"\"|'|\")(.*)\1", seg)
    return match.group(2) if match else ""


def _check(name: str | None, value_node: ast.expr | None, at: ast.AST, ctx: PyContext, how: str) -> Iterator[Hit]:
    value = _literal(value_node)
    if name is None or value is None or value_node is None:
        return
    kind = secret_kind(name)
    if kind is None:
        return
    confidence = _grade(kind, name, value, name.isupper())
    if confidence is None:
        return
    what = "password" if kind == "password" else "secret"
    yield hit_at(
        at,
        f"hard-coded {what} {how} '{name}'; read it from the environment or a secret store at run time",
        confidence=confidence,
        secrets=tuple(s for s in (value, _raw(value_node, ctx)) if s),
    )


@python_rule(
    id="PY-SECRET-001",
    title="Hard-coded secret",
    cwe=798,
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    nodes=(ast.Assign, ast.AnnAssign, ast.Call, ast.Dict, ast.Compare, ast.FunctionDef, ast.AsyncFunctionDef),
    why="""Assistants make examples run by pasting the key, password or SECRET_KEY straight into the code
    ('your-secret-key', 'changeme', a real token from the prompt) and the file is committed as is. Anyone who
    can read the repository, a wheel, a container image or a stack trace gets the credential: they log in to
    the database, call the paid API, or forge session cookies and password-reset links signed with the key.""",
    fix="""Load secrets at run time: os.environ["SECRET_KEY"] (fail when unset, no literal default), a .env file
    kept out of version control, or a secret manager; rotate any credential that was committed.""",
)
def hardcoded_secret(node: ast.AST, ctx: PyContext) -> Iterator[Hit]:
    if isinstance(node, ast.Assign):
        for target in node.targets:
            yield from _check(target_name(target), node.value, node, ctx, "assigned to")
    elif isinstance(node, ast.AnnAssign):
        yield from _check(target_name(node.target), node.value, node, ctx, "assigned to")
    elif isinstance(node, ast.Dict):
        for key, value in zip(node.keys, node.values, strict=True):
            name = PyContext.string(key)
            if name is not None and isinstance(value, ast.Constant):
                yield from _check(name, value, key if key is not None else node, ctx, "stored under")
    elif isinstance(node, ast.Compare):
        if len(node.ops) == 1 and isinstance(node.ops[0], ast.Eq | ast.NotEq):
            left, right = node.left, node.comparators[0]
            if isinstance(left, ast.Constant):
                left, right = right, left
            name = speaking_name(left)
            if name is not None and secret_kind(name) in ("password", "own", "key"):
                yield from _check(name, right, node, ctx, "compared with")
    elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        args = node.args
        positional = [*args.posonlyargs, *args.args]
        pairs = [*zip(positional[len(positional) - len(args.defaults) :], args.defaults, strict=True)]
        pairs += [(a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d is not None]
        for arg, default in pairs:
            yield from _check(arg.arg, default, default, ctx, "as the default of")
    elif isinstance(node, ast.Call):
        yield from _call(node, ctx)


def _call(node: ast.Call, ctx: PyContext) -> Iterator[Hit]:
    qual = ctx.call_name(node)
    name = method_name(node)
    for kw in node.keywords:
        if kw.arg == "auth" and isinstance(kw.value, ast.Tuple) and len(kw.value.elts) == 2:
            yield from _check("password", kw.value.elts[1], kw.value, ctx, "passed as")
        elif kw.arg and isinstance(kw.value, ast.Constant):
            yield from _check(kw.arg, kw.value, kw.value, ctx, "passed as")
    if _BASIC_AUTH.search(qual) and len(node.args) >= 2:
        yield from _check("password", node.args[1], node, ctx, "passed as")
    elif name == "login" and len(node.args) >= 2 and not node.keywords:
        yield from _check("password", node.args[1], node, ctx, "passed as")
    if qual == "getattr" and len(node.args) == 3:
        yield from _check(PyContext.string(node.args[1]), node.args[2], node, ctx, "used as the fallback for")
        return
    env_name = PyContext.string(node.args[0]) if node.args else None
    if env_name is None:
        return
    receiver = ctx.dotted(node.func.value) if isinstance(node.func, ast.Attribute) else None
    if qual in _ENV_GETTERS or (name in ("get", "setdefault") and receiver and _ENV_RECEIVER.search(receiver)):
        default = node.args[1] if len(node.args) > 1 else ctx.kwarg(node, "default")
    elif name in ("config", "env", "str", "get_env") or (receiver and _ENV_RECEIVER.search(receiver)):
        default = ctx.kwarg(node, "default")
    else:
        return
    yield from _check(env_name, default, node, ctx, "used as the fallback for")
