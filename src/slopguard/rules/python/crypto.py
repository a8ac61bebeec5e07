"""Crypto misuse: fast password hashes, broken algorithms, guessable randomness, timing leaks, TLS and JWT checks."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.python.context import PyContext
from slopguard.engine.registry import Hit, hit_at, python_rule
from slopguard.rules.python.common import first_arg, method_name
from slopguard.rules.python.secrets import (
    ancestors,
    assigned_value,
    binding_names,
    is_password_word,
    param_names,
    speaking_name,
    words,
)

# ----- hashes: shared by PY-HASH-001 and PY-CRYPTO-001 --------------------------------------------------
_FAST = frozenset(
    {"md5", "sha1", "sha224", "sha256", "sha384", "sha512", "sha3_224", "sha3_256", "sha3_384", "sha3_512",
     "blake2b", "blake2s"}
)  # fmt: skip
_NOT_PASSWORD = frozenset(
    {"reset", "token", "url", "link", "field", "length", "len", "policy", "hint", "label", "name", "hasher", "min",
     "max", "rule", "rules", "validators", "help", "form", "input", "widget", "template", "email", "placeholder"}
)  # fmt: skip
_NOT_PASSWORD_PARAMS = frozenset({"salt", "pepper", "email", "user", "username", "name", "login", "id", "uid"})
_PASSWORD_FUNC = re.compile(
    r"(?i)passw|passwd|_pw\b|_pwd\b|^(?:create|add|new|register)_?(?:user|account)|^(?:register|sign_?up)(?:_|$)"
)


def hash_algorithm(call: ast.Call, ctx: PyContext) -> str | None:
    """``sha256`` for ``hashlib.sha256(...)`` and ``hashlib.new("sha256", ...)``."""
    qual = ctx.call_name(call)
    if not qual.startswith("hashlib."):
        return None
    algo = qual[len("hashlib.") :]
    if algo == "new":
        name = PyContext.string(first_arg(call, "name"))
        algo = name.lower().replace("-", "") if name else ""
    return algo if algo in _FAST else None


def _hash_data(call: ast.Call, ctx: PyContext) -> ast.expr | None:
    if ctx.call_name(call) == "hashlib.new":
        return call.args[1] if len(call.args) > 1 else ctx.kwarg(call, "data") or ctx.kwarg(call, "string")
    return first_arg(call, "data") or ctx.kwarg(call, "string")


def _hasher_of(e: ast.expr, ctx: PyContext) -> str | None:
    """The algorithm of a hashlib object: ``h`` after ``h = hashlib.sha256()``."""
    if isinstance(e, ast.Name):
        value = assigned_value(e.id, ctx)
        e = value if value is not None else e
    return hash_algorithm(e, ctx) if isinstance(e, ast.Call) else None


def _names_in(e: ast.expr, ctx: PyContext, depth: int = 2) -> list[str]:
    """Identifiers a value is built from, following local assignments ``depth`` steps back."""
    funcs = {id(n.func) for n in ast.walk(e) if isinstance(n, ast.Call)}
    found: list[str] = []
    for n in ast.walk(e):
        if id(n) in funcs:
            continue
        if isinstance(n, ast.Name):
            found.append(n.id)
            value = assigned_value(n.id, ctx) if depth > 0 else None
            if value is not None:
                found += _names_in(value, ctx, depth - 1)
        elif isinstance(n, ast.Attribute):
            found.append(n.attr)
        elif isinstance(n, ast.Subscript) and (key := PyContext.string(n.slice)):
            found.append(key)
        elif isinstance(n, ast.Call) and method_name(n) == "get" and (key := PyContext.string(first_arg(n))):
            found.append(key)
    return found


def _passwordish(name: str) -> bool:
    ws = words(name)
    return any(is_password_word(w) for w in ws) and not any(w in _NOT_PASSWORD for w in ws)


def password_data(data: ast.expr, ctx: PyContext) -> str | None:
    """Why ``data`` looks like a password (for the message), or None."""
    names = _names_in(data, ctx)
    for name in names:
        if _passwordish(name):
            return f"'{name}'"
    func = ctx.function
    if func is not None and _PASSWORD_FUNC.search(func.name):
        params = {n for n in names if n in param_names(func)}
        if any(not set(words(p)) & _NOT_PASSWORD_PARAMS for p in params):
            return f"the argument of {func.name}()"
    return None


@python_rule(
    id="PY-HASH-001",
    title="Password hashed with a fast hash",
    cwe=916,
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    nodes=(ast.Call,),
    why="""Asked to 'store the password securely', assistants reach for hashlib.sha256(password) or md5(salt +
    password). General-purpose hashes are built to be fast: once the user table leaks, a single GPU tries
    billions of guesses per second, and unsalted hashes fall to precomputed tables instantly.""",
    fix="""Use a slow, salted password hash: argon2-cffi or bcrypt, passlib's CryptContext, Django's
    make_password/check_password, werkzeug's generate_password_hash, or hashlib.scrypt/pbkdf2_hmac with a
    high iteration count.""",
)
def fast_password_hash(node: ast.Call, ctx: PyContext) -> Iterator[Hit]:
    algo = hash_algorithm(node, ctx)
    if algo is not None:
        data = _hash_data(node, ctx)
    elif method_name(node) == "update" and isinstance(node.func, ast.Attribute):
        algo = _hasher_of(node.func.value, ctx)
        data = first_arg(node)
    if algo is None or data is None:
        return
    why = password_data(data, ctx)
    if why is not None:
        yield hit_at(node, f"password data ({why}) hashed with {algo}, a fast hash; use argon2, bcrypt or scrypt")


# ----- PY-CRYPTO-001 ------------------------------------------------------------------------------------
_SECURITY = re.compile(
    r"(?i)token|secret|sign|hmac|auth|session|nonce|csrf|otp|passw|credential|api_?key|private|verif|integrity"
    r"|cookie|reset|encrypt|cipher|crypt|mac\b"
)
_BENIGN = re.compile(
    r"(?i)cache|etag|gravatar|avatar|dedup|fingerprint|file|path|url|colou?r|shard|bucket|partition|checksum"
    r"|content|bust|version|identicon|slug|seed|lookup|hash_?key|etag|static|asset|template|name|filename|short"
)
_WEAK_PYCRYPTO = frozenset({"DES", "DES3", "ARC4", "ARC2", "Blowfish", "CAST", "XOR"})
_WEAK_PYCA = frozenset({"TripleDES", "ARC4", "Blowfish", "CAST5", "IDEA", "SEED"})


def _purpose(node: ast.AST, ctx: PyContext, data: ast.expr | None) -> Confidence:
    """High when the names around a hash speak of security, low when they speak of caching or files."""
    around = " ".join([*binding_names(node, ctx.statement), ctx.function.name if ctx.function else ""])
    inner = " ".join(_names_in(data, ctx, 1)) if data is not None else ""
    for text in (around, inner):
        if _SECURITY.search(text):
            return Confidence.HIGH
        if _BENIGN.search(text):
            return Confidence.LOW
    return Confidence.MEDIUM


def _is_md5(e: ast.expr | None, ctx: PyContext) -> bool:
    if e is None:
        return False
    text = PyContext.string(e) or ctx.qualname(e) or ""
    return text.lower().rsplit(".", 1)[-1] == "md5"


@python_rule(
    id="PY-CRYPTO-001",
    title="Broken or weak cryptographic algorithm",
    cwe=327,
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    nodes=(ast.Call,),
    why="""Assistants copy MD5/SHA-1 tokens and signatures, DES/3DES/RC4/Blowfish ciphers and ECB mode from old
    tutorials. MD5 and SHA-1 collide on demand, so signatures and integrity checks over attacker data can be
    forged; RC4 and DES are broken outright and ECB encrypts equal blocks to equal ciphertext, leaking the
    plaintext's structure and letting blocks be cut and pasted.""",
    fix="""Use SHA-256 or better (hmac with sha256 for keyed integrity, secrets.token_urlsafe for tokens); for
    encryption use AES-GCM or ChaCha20-Poly1305 (cryptography's AESGCM, or Fernet). Pass
    usedforsecurity=False where MD5 only names a cache entry.""",
)
def weak_crypto(node: ast.Call, ctx: PyContext) -> Iterator[Hit]:
    qual = ctx.call_name(node)
    parts = qual.split(".")
    algo = hash_algorithm(node, ctx)
    if algo in ("md5", "sha1"):
        data = _hash_data(node, ctx)
        if ctx.is_false(ctx.kwarg(node, "usedforsecurity")) or (data is not None and password_data(data, ctx)):
            return  # not for security, or PY-HASH-001's finding
        if data is None and ctx.function is not None and _PASSWORD_FUNC.search(ctx.function.name):
            return  # PY-HASH-001 reports the .update(password) that follows
        yield hit_at(node, f"{algo.upper()} is broken for security use", confidence=_purpose(node, ctx, data))
    elif qual in ("hmac.new", "hmac.digest", "hmac.HMAC"):
        digest = node.args[2] if len(node.args) > 2 else ctx.kwarg(node, "digestmod") or ctx.kwarg(node, "digest")
        if _is_md5(digest, ctx):
            yield hit_at(node, "HMAC-MD5: use HMAC with SHA-256")
    elif parts[0] in ("Crypto", "Cryptodome") and len(parts) == 4 and parts[3] == "new":
        yield from _pycryptodome(node, ctx, parts[1], parts[2])
    elif parts[0] == "cryptography" and len(parts) > 2:
        if parts[-1] in _WEAK_PYCA:
            yield hit_at(node, f"{parts[-1]} is a weak cipher; use AES-GCM or ChaCha20-Poly1305", confidence=Confidence.HIGH)
        elif parts[-2:] == ["modes", "ECB"]:
            yield hit_at(node, "ECB mode leaks plaintext patterns; use AES-GCM", confidence=Confidence.HIGH)
        elif parts[-2:] == ["hashes", "MD5"]:
            yield hit_at(node, "MD5 is broken for security use")
        elif parts[-2:] == ["hashes", "SHA1"] and _signing(node, ctx):
            yield hit_at(node, "SHA-1 signatures can be forged with chosen-prefix collisions; use SHA-256")
    elif qual in ("pyDes.des", "pyDes.triple_des"):
        yield hit_at(node, "DES/3DES is a weak cipher; use AES-GCM", confidence=Confidence.HIGH)


def _pycryptodome(node: ast.Call, ctx: PyContext, package: str, module: str) -> Iterator[Hit]:
    if package == "Hash" and module in ("MD5", "SHA1", "SHA"):
        data = first_arg(node, "data")
        if data is None or not password_data(data, ctx):
            yield hit_at(node, f"{module} is broken for security use", confidence=_purpose(node, ctx, data))
    elif package == "Cipher" and module in _WEAK_PYCRYPTO:
        yield hit_at(node, f"{module} is a weak cipher; use AES-GCM or ChaCha20-Poly1305", confidence=Confidence.HIGH)
    elif package == "Cipher":
        mode = node.args[1] if len(node.args) > 1 else ctx.kwarg(node, "mode")
        if mode is not None and (ctx.qualname(mode) or "").endswith("MODE_ECB"):
            yield hit_at(node, "ECB mode leaks plaintext patterns; use MODE_GCM", confidence=Confidence.HIGH)
        elif mode is None and module == "AES" and len(node.args) == 1:
            yield hit_at(node, "AES.new() without a mode is ECB in PyCrypto", confidence=Confidence.LOW)


def _signing(node: ast.Call, ctx: PyContext) -> bool:
    return any(
        isinstance(a, ast.Call) and method_name(a) in ("sign", "verify", "PSS", "PKCS1v15", "ECDSA")
        for a in ancestors(ctx.statement, node)
    )


# ----- PY-RAND-001 --------------------------------------------------------------------------------------
_RANDOM = frozenset(
    {"random.random", "random.randint", "random.randrange", "random.choice", "random.choices", "random.sample",
     "random.getrandbits", "random.shuffle", "random.uniform", "uuid.uuid1"}
)  # fmt: skip
_STRONG = frozenset(
    {"token", "secret", "otp", "totp", "hotp", "salt", "nonce", "csrf", "xsrf", "apikey", "invite", "invitation",
     "verification", "reset", "captcha", "mfa", "twofa", "passcode", "pin"}
)  # fmt: skip
_AMBIGUOUS = frozenset({"code", "key", "session", "auth", "verify", "sid", "activation", "confirm"})
_GAME = frozenset(
    {"game", "guess", "dice", "die", "roll", "color", "colour", "playlist", "song", "track", "music", "quiz",
     "question", "card", "cards", "deck", "maze", "jitter", "delay", "backoff", "sleep", "retry", "retries",
     "sample", "samples", "sampling", "test", "mock", "fake", "demo", "seed", "index", "idx", "length", "len",
     "size", "count", "weight", "weights", "port", "order", "offset", "timeout", "interval", "wait", "status",
     "country", "zip", "postal", "error", "exit", "http", "lang", "language", "currency", "region", "locale",
     "number", "word", "avatar", "name", "names", "greeting", "quote", "tip", "fact", "joke", "emoji", "boundary",
     "filename", "temp", "tmp", "shard", "bucket", "partition", "worker", "node", "host", "server", "proxy"}
)  # fmt: skip
_CHARSET = re.compile(r"(?i)char|alphabet|letter|digit|symbol|alnum|ascii|pool|vocab")


def _purpose_words(name: str) -> str | None:
    """'game', 'strong' or 'ambiguous' for the names around a random value; None when they say nothing."""
    ws = words(name)
    if any(w in _GAME for w in ws):
        return "game"
    if any(w in _STRONG or is_password_word(w) or w.endswith(("token", "secret", "password")) for w in ws):
        return "strong"
    if re.search(r"(?:api|secret|private|access|signing|session)key", "".join(ws)):
        return "strong"
    return "ambiguous" if any(w in _AMBIGUOUS for w in ws) else None


def _charset(e: ast.expr | None, ctx: PyContext, depth: int = 1) -> bool:
    """A pool of characters or numbers to draw a value from, as opposed to a list of things."""
    if e is None:
        return False
    if isinstance(e, ast.Constant | ast.JoinedStr):
        return isinstance(e, ast.JoinedStr) or isinstance(e.value, str | bytes)
    if isinstance(e, ast.BinOp):
        return _charset(e.left, ctx, depth) or _charset(e.right, ctx, depth)
    if isinstance(e, ast.Call):
        return ctx.call_name(e) == "range" or (method_name(e) in ("list", "tuple") and _charset(first_arg(e), ctx))
    qual = ctx.qualname(e) or ""
    if qual.startswith("string."):
        return True
    if isinstance(e, ast.Name):
        value = assigned_value(e.id, ctx) if depth > 0 else None
        return bool(_CHARSET.search(e.id)) or (value is not None and _charset(value, ctx, depth - 1))
    return isinstance(e, ast.Attribute) and bool(_CHARSET.search(e.attr))


@python_rule(
    id="PY-RAND-001",
    title="Security value from a non-cryptographic random generator",
    cwe=330,
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    nodes=(ast.Call,),
    why="""Assistants generate reset tokens, OTP codes, API keys and salts with random.choice or
    random.randint because it is the module they know. The random module is a Mersenne Twister: after 624
    outputs an attacker reconstructs its state and predicts every future token, and uuid1 values are a
    timestamp plus the host's MAC address.""",
    fix="""Use the secrets module: secrets.token_urlsafe(32), secrets.token_hex(), secrets.choice(alphabet),
    f"{secrets.randbelow(10**6):06d}" for a numeric code, or random.SystemRandom(); uuid4 for identifiers.""",
)
def insecure_random(node: ast.Call, ctx: PyContext) -> Iterator[Hit]:
    qual = ctx.call_name(node)
    if qual not in _RANDOM:
        return
    names = binding_names(node, ctx.statement)
    if qual == "random.shuffle" and node.args:
        names.append(speaking_name(node.args[0]) or "")
    verdicts = {_purpose_words(n) for n in names} - {None}
    if ctx.function is not None and _purpose_words(ctx.function.name) == "game":
        return
    if verdicts <= {"ambiguous"} and ctx.function is not None:
        verdicts |= {_purpose_words(ctx.function.name)} - {None}
        names = [*names, ctx.function.name] if verdicts else [ctx.function.name]
    if "game" in verdicts or not verdicts:
        return
    generated = qual.rsplit(".", 1)[-1] not in ("choice", "choices", "sample") or _charset(first_arg(node), ctx)
    if "strong" not in verdicts and not generated:
        return  # random.choice(sessions) picks an existing thing; it does not make a secret
    yield hit_at(
        node,
        f"'{names[0]}' is made with {qual}(), which is predictable; use the secrets module",
        confidence=Confidence.HIGH if "strong" in verdicts else Confidence.MEDIUM,
    )


# ----- PY-TIMING-001 ------------------------------------------------------------------------------------
_SENSITIVE_END = ("token", "signature", "digest", "hmac", "apikey", "secret", "password", "passwd", "passphrase")
_SENSITIVE = frozenset({"mac", "otp", "totp", "hotp", "pwd", "pw", "pin", "passcode"})
# Tokens that are not credentials: caches, pagination, lexers, cancellation.
_OTHER_TOKENS = frozenset(
    {"cache", "page", "next", "continuation", "cursor", "sync", "lexer", "parser", "error", "eof", "last", "prev",
     "previous", "first", "sentinel", "cancel", "cancellation", "signal", "boundary"}
)  # fmt: skip
_LEXERS = frozenset({"tokenize", "token", "lib2to3", "pygments", "sqlparse", "ply", "lark", "parso", "shlex"})
_CASE_METHODS = frozenset({"lower", "upper", "strip", "lstrip", "rstrip", "casefold", "encode", "decode"})
_HARMLESS_QUALS = frozenset({"inspect.signature", "signal.getsignal", "signal.signal"})
_CODE_QUALIFIERS = frozenset(
    {"otp", "verification", "verify", "confirmation", "auth", "mfa", "totp", "reset", "sms", "twofa", "security",
     "activation", "invite", "access", "login", "one", "recovery", "backup"}
)  # fmt: skip
_NOT_SENSITIVE_LAST = frozenset(
    {"type", "types", "len", "length", "size", "count", "name", "id", "kind", "alg", "algorithm", "version",
     "prefix", "suffix", "format", "scheme", "status", "expires", "exp", "expiry", "scope", "url", "uri", "path",
     "file", "key", "index", "idx", "pos", "start", "end", "line", "lineno", "value", "string", "text", "contents",
     "source", "issuer", "audience", "user", "email", "header", "headers", "method", "mode", "field", "label",
     "position", "col", "row", "hint", "policy", "enabled", "required", "set", "changed", "class", "state"}
)  # fmt: skip
_CONFIRMATION = frozenset({"confirm", "confirmation", "confirmed", "repeat", "repeated", "again", "retype", "old"})
_HASHED = re.compile(r"(?i)hash|digest|hex|crypt")
_HARMLESS_CALLS = frozenset({"len", "type", "int", "bool", "hash", "id", "isinstance", "ord", "float"})


def _sensitive(name: str | None) -> bool:
    if not name:
        return False
    ws = words(name)
    if re.search(r"(?:api|secret|private|access|signing|auth)key$", "".join(ws)):
        return True
    if not ws or ws[-1] in _NOT_SENSITIVE_LAST or ws[-1].isdigit():
        return False
    if any(w in _OTHER_TOKENS or w.startswith("signal") for w in ws):
        return False
    if ws[-1] == "sig" or any(w.endswith(_SENSITIVE_END) or w in _SENSITIVE or is_password_word(w) for w in ws):
        return True
    return "code" in ws and any(w in _CODE_QUALIFIERS for w in ws)


def _confirmation(name: str | None) -> bool:
    ws = words(name or "")
    return any(w in _CONFIRMATION for w in ws) or (len(ws) > 1 and ws[-1].isdigit() and is_password_word(ws[-2]))


def _class_constant(e: ast.Attribute, ctx: PyContext) -> bool:
    """``self.reset_url_token`` where the class body sets ``reset_url_token = "set-password"``."""
    if not (isinstance(e.value, ast.Name) and e.value.id in ("self", "cls") and ctx.function is not None):
        return False
    cls = ctx.class_of.get(id(ctx.function))
    for stmt in cls.body if cls is not None else ():
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target] if isinstance(stmt, ast.AnnAssign) else []
        value = stmt.value if isinstance(stmt, ast.Assign | ast.AnnAssign) else None
        if any(isinstance(t, ast.Name) and t.id == e.attr for t in targets):
            return isinstance(value, ast.Constant)
    return False


def _constant(e: ast.expr, ctx: PyContext) -> bool:
    if isinstance(e, ast.Constant | ast.Tuple | ast.List | ast.Set | ast.Dict):
        return True
    if isinstance(e, ast.UnaryOp):
        return _constant(e.operand, ctx)
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
    if any(q.split(".")[0] in _LEXERS for q in ctx.imports.values()):
        return  # a tokenizer's tokens are lexemes
    left = node.left
    for op, right in zip(node.ops, node.comparators, strict=True):
        if isinstance(op, ast.Eq | ast.NotEq) and not (_constant(left, ctx) or _constant(right, ctx)):
            names = [speaking_name(left), speaking_name(right)]
            if any(_confirmation(n) or set(words(n or "")) & _OTHER_TOKENS for n in names):
                return  # password == confirm_password checks a form; cache tokens are not secrets
            hit = next((n for n in names if _sensitive(n)), None)
            if hit is not None:
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


@python_rule(
    id="PY-TLS-001",
    title="TLS certificate verification disabled",
    cwe=295,
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    nodes=(ast.Call, ast.Attribute, ast.Assign),
    why="""When a request fails with CERTIFICATE_VERIFY_FAILED, the assistant's quick fix is verify=False,
    CERT_NONE or an unverified SSL context, and it stays. Anyone on the network path (Wi-Fi, a proxy, a
    compromised router, a cloud neighbour) can then present any certificate, read the traffic and steal the
    credentials and tokens it carries, or feed back forged responses.""",
    fix="""Keep verification on; for a private CA pass verify="/path/to/ca.pem" (requests/httpx) or
    ssl.create_default_context(cafile=...); fix the server's certificate chain rather than the client.""",
)
def tls_unverified(node: ast.AST, ctx: PyContext) -> Iterator[Hit]:
    if isinstance(node, ast.Attribute):
        if node.attr not in ("CERT_NONE", "_create_unverified_context", "_create_stdlib_context"):
            return
        qual = ctx.qualname(node)
        compared = any(isinstance(a, ast.Compare) for a in ancestors(ctx.statement, node))
        if qual == "ssl.CERT_NONE" and not compared:
            yield hit_at(node, "ssl.CERT_NONE accepts any certificate")
        elif qual in _UNVERIFIED:
            yield hit_at(node, f"{qual} skips certificate and hostname checks")
    elif isinstance(node, ast.Assign):
        if not ctx.is_false(node.value):
            return
        for t in node.targets:
            if isinstance(t, ast.Attribute) and t.attr == "check_hostname":
                yield hit_at(node, "check_hostname = False accepts certificates for any host")
            elif isinstance(t, ast.Attribute) and t.attr == "verify" and _http_object(t.value, ctx):
                yield hit_at(node, "the session's verify = False turns off certificate checks for every request")
    elif isinstance(node, ast.Call):
        yield from _tls_call(node, ctx)


def _http_object(e: ast.expr, ctx: PyContext) -> bool:
    name = (ctx.dotted(e) or "").lower()
    imported = set(ctx.imports.values())
    return bool(re.search(r"session|client|http|^s$", name)) or bool(imported & {"requests", "httpx"})


def _tls_call(node: ast.Call, ctx: PyContext) -> Iterator[Hit]:
    qual = ctx.call_name(node)
    name = method_name(node)
    verify = ctx.kwarg(node, "verify")
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
        elif kw.arg == "ssl" and ctx.is_false(kw.value) and "aiohttp" in ctx.imports.values():
            yield hit_at(node, "aiohttp ssl=False turns off certificate verification")
        elif kw.arg in ("cert_reqs", "ssl_cert_reqs") and (PyContext.string(kw.value) or "").upper() in (
            "CERT_NONE",
            "NONE",
        ):
            yield hit_at(node, f"{kw.arg}='CERT_NONE' accepts any certificate")
    if name == "set_missing_host_key_policy" and node.args:
        policy = ctx.qualname(node.args[0].func if isinstance(node.args[0], ast.Call) else node.args[0]) or ""
        if policy.endswith(("AutoAddPolicy", "WarningPolicy")):
            yield hit_at(node, "SSH host keys are accepted unchecked", confidence=Confidence.MEDIUM)


# ----- PY-JWT-001 ---------------------------------------------------------------------------------------
_JWT_DECODE = frozenset({"jwt.decode", "jwt.decode_complete", "jose.jwt.decode", "jwt.api_jwt.decode"})
_JWT_ENCODE = frozenset({"jwt.encode", "jose.jwt.encode"})
_HEADER_LOOKUPS = frozenset({"kid", "alg", "typ", "x5t", "jku", "x5u", "x5c"})


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
    elif qual.endswith("get_unverified_claims") and qual.startswith(("jose.", "jwt.")):
        yield hit_at(node, "claims read from an unverified JWT", confidence=Confidence.MEDIUM)
    elif qual.endswith("get_unverified_header") and qual.startswith(("jose.", "jwt.")):
        if not _only_key_lookup(node, ctx):
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
    for n in ast.walk(scope):
        uses = [c for c in ast.iter_child_nodes(n) if isinstance(c, ast.Name) and c.id == names[0]]
        if not uses or n is ctx.statement:
            continue
        if isinstance(n, ast.Subscript) and PyContext.string(n.slice) in _HEADER_LOOKUPS:
            continue
        if isinstance(n, ast.Attribute) and n.attr == "get":
            continue  # header.get("kid")
        return False
    return True
