"""Crypto misuse: passwords under fast hashes, broken hashes and ciphers, security values from `random`."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit, hit_at
from slopguard.engine.python.context import PyContext
from slopguard.engine.registry import python_rule
from slopguard.rules.python.common import first_arg, method_name
from slopguard.rules.python.crypto_hashes import keyed, updates, weak_hashers
from slopguard.rules.python.names import ancestors, assigned_value, binding_names, param_names, speaking_name
from slopguard.rules.shared.names import is_password_word, words
from slopguard.rules.shared.randomness import PLAY_PURPOSES, SECRET_PURPOSES

# ----- hashes: shared by PY-HASH-001 and PY-CRYPTO-001 --------------------------------------------------
_FAST = frozenset(
    {"md5", "sha1", "sha224", "sha256", "sha384", "sha512", "sha3_224", "sha3_256", "sha3_384", "sha3_512",
     "blake2b", "blake2s"}
)  # fmt: skip
# The last name parts of the calls hash_algorithm() recognises: hashlib.<algorithm>() and hashlib.new().
HASH_CALLS = frozenset({*_FAST, "new"})
_HASHERS_SETTING = "PASSWORD_HASHERS"
_LIST_GROWERS = frozenset({"append", "insert", "extend"})
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


def hash_data(call: ast.Call, ctx: PyContext) -> ast.expr | None:
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
        elif (isinstance(n, ast.Subscript) and (key := PyContext.string(n.slice))) or (
            isinstance(n, ast.Call) and method_name(n) == "get" and (key := PyContext.string(first_arg(n)))
        ):
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
        params = set(names) & param_names(func)
        if any(not set(words(p)) & _NOT_PASSWORD_PARAMS for p in params):
            return f"the argument of {func.name}()"
    return None


@python_rule(
    id="PY-HASH-001",
    title="Password hashed with a fast hash",
    cwe=916,
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    nodes=(ast.Call, ast.Assign, ast.AnnAssign, ast.AugAssign),
    calls=HASH_CALLS | _LIST_GROWERS | {_HASHERS_SETTING, "update"},
    why="""Asked to 'store the password securely', assistants reach for hashlib.sha256(password) or md5(salt +
    password), or list Django's MD5PasswordHasher first in PASSWORD_HASHERS. General-purpose hashes are built
    to be fast: once the user table leaks, a single GPU tries billions of guesses per second, and unsalted
    hashes fall to precomputed tables instantly.""",
    fix="""Use a slow, salted password hash: argon2-cffi or bcrypt, passlib's CryptContext, Django's
    make_password/check_password (PBKDF2, Argon2, BCrypt or Scrypt hashers), werkzeug's generate_password_hash,
    or hashlib.scrypt/pbkdf2_hmac with a high iteration count.""",
)
def fast_password_hash(node: ast.Call | ast.Assign | ast.AnnAssign | ast.AugAssign, ctx: PyContext) -> Iterator[Hit]:
    if not isinstance(node, ast.Call):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        if node.value is not None and any(speaking_name(t) == _HASHERS_SETTING for t in targets):
            yield from weak_hashers(node.value, ctx)
        return
    hashers = [k.value for k in node.keywords if k.arg == _HASHERS_SETTING]  # override_settings(...)
    func = node.func
    if isinstance(func, ast.Attribute) and func.attr in _LIST_GROWERS:
        hashers += node.args if speaking_name(func.value) == _HASHERS_SETTING else []
    for value in hashers:
        yield from weak_hashers(value, ctx)
    algo = hash_algorithm(node, ctx)
    data: ast.expr | None = None
    if algo is not None:
        data = hash_data(node, ctx)
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
    r"|content|bust|version|identicon|slug|seed|lookup|hash_?key|static|asset|template|name|short"
)
_WEAK_PYCRYPTO = frozenset({"DES", "DES3", "ARC4", "ARC2", "Blowfish", "CAST", "XOR"})
_WEAK_PYCA = frozenset({"TripleDES", "ARC4", "Blowfish", "CAST5", "IDEA", "SEED"})
_HMAC = frozenset({"hmac.new", "hmac.digest", "hmac.HMAC"})
_PYDES = frozenset({"pyDes.des", "pyDes.triple_des"})


def purpose(node: ast.AST, ctx: PyContext, data: ast.expr | None) -> Confidence:
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
    # hashlib, hmac, pyDes, PyCryptodome's <package>.<module>.new() and cryptography's ciphers, modes and hashes
    calls=HASH_CALLS | _HMAC | _PYDES | _WEAK_PYCA | {"new", "modes.ECB", "hashes.MD5", "hashes.SHA1"},
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
        data = hash_data(node, ctx)
        if security_hash(node, ctx, data) and keyed(hashed_values(node, ctx, data), ctx):
            yield hit_at(node, f"{algo.upper()} over a secret is not a MAC; use hmac with SHA-256")
    elif qual in _HMAC:
        digest = node.args[2] if len(node.args) > 2 else ctx.kwarg(node, "digestmod") or ctx.kwarg(node, "digest")
        if _is_md5(digest, ctx):
            yield hit_at(node, "HMAC-MD5: use HMAC with SHA-256")
    elif parts[0] in ("Crypto", "Cryptodome") and len(parts) == 4 and parts[3] == "new":
        yield from _pycryptodome(node, ctx, parts[1], parts[2])
    elif parts[0] == "cryptography" and len(parts) > 2:
        if parts[-1] in _WEAK_PYCA:
            yield hit_at(
                node, f"{parts[-1]} is a weak cipher; use AES-GCM or ChaCha20-Poly1305", confidence=Confidence.HIGH
            )
        elif parts[-2:] == ["modes", "ECB"]:
            yield hit_at(node, "ECB mode leaks plaintext patterns; use AES-GCM", confidence=Confidence.HIGH)
        elif parts[-2:] == ["hashes", "MD5"]:
            yield hit_at(node, "MD5 is broken for security use")
        elif parts[-2:] == ["hashes", "SHA1"] and _signing(node, ctx):
            yield hit_at(node, "SHA-1 signatures can be forged with chosen-prefix collisions; use SHA-256")
    elif qual in _PYDES:
        yield hit_at(node, "DES/3DES is a weak cipher; use AES-GCM", confidence=Confidence.HIGH)


def security_hash(node: ast.Call, ctx: PyContext, data: ast.expr | None) -> bool:
    """An MD5/SHA-1 call that is neither marked ``usedforsecurity=False`` nor PY-HASH-001's password finding."""
    if ctx.is_false(ctx.kwarg(node, "usedforsecurity")) or (data is not None and password_data(data, ctx)):
        return False
    # PY-HASH-001 reports the .update(password) that follows a bare constructor in a password function
    return not (data is None and ctx.function is not None and _PASSWORD_FUNC.search(ctx.function.name))


def hashed_values(node: ast.Call, ctx: PyContext, data: ast.expr | None) -> list[ast.expr]:
    """What a hash call digests: its data argument, or what ``h.update()`` feeds the object it is bound to."""
    if data is not None:
        return [data]
    statement = ctx.statement
    if isinstance(statement, ast.Assign) and len(statement.targets) == 1 and statement.value is node:
        target = statement.targets[0]
        if isinstance(target, ast.Name):
            return updates(target.id, ctx)
    return []


def _pycryptodome(node: ast.Call, ctx: PyContext, package: str, module: str) -> Iterator[Hit]:
    if package == "Hash" and module in ("MD5", "SHA1", "SHA"):
        data = first_arg(node, "data")
        if security_hash(node, ctx, data) and keyed(hashed_values(node, ctx, data), ctx):
            yield hit_at(node, f"{module} over a secret is not a MAC; use hmac with SHA-256")
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
     "random.getrandbits", "random.shuffle", "random.uniform", "uuid.uuid1", "random.randbytes", "random.gauss",
     "random.normalvariate", "random.triangular", "random.betavariate", "random.expovariate",
     "random.lognormvariate", "random.paretovariate", "random.weibullvariate", "random.vonmisesvariate"}
)  # fmt: skip
# Where a value must be unpredictable: a session, a cookie, a token store.
_SECRET_STORE = re.compile(r"(?i)session|cookie|token|nonce|csrf|xsrf|secret|passw|remember|api_?key|otp")
_STRONG = SECRET_PURPOSES | {"twofa"}
_AMBIGUOUS = frozenset({"code", "key", "session", "auth", "verify", "sid", "activation", "confirm"})
_GAME = PLAY_PURPOSES | frozenset(
    {"die", "playlist", "song", "track", "music", "deck", "maze", "retries", "samples", "sampling", "length",
     "len", "size", "count", "weights", "order", "offset", "status", "country", "zip", "postal", "error", "exit",
     "http", "lang", "language", "currency", "region", "locale", "avatar", "name", "names", "greeting", "quote",
     "tip", "fact", "joke", "emoji", "boundary", "filename", "temp", "tmp", "shard", "bucket", "partition",
     "worker", "node", "host", "server", "proxy"}
)  # fmt: skip
_CHARSET = re.compile(r"(?i)char|alphabet|letter|digit|symbol|alnum|ascii|pool|vocab")


def _purpose_words(name: str) -> str | None:
    """'game', 'strong' or 'ambiguous' for the names around a random value; None when they say nothing."""
    ws = words(name)
    if any(w in _GAME for w in ws) or ("secret" in ws and {"number", "word", "color", "colour"} & set(ws)):
        return "game"  # secret_number in a guessing game
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


def _store_name(target: ast.expr) -> str | None:
    """``session``/``cookie`` words in ``store[key]`` (the store or the key) of a subscript assignment."""
    if not isinstance(target, ast.Subscript):
        return None
    key = speaking_name(target.slice) or PyContext.string(target.slice) or ""
    if _purpose_words(key) == "game":
        return None  # session["dice_roll"]
    for part in (target.value, target.slice):
        name = speaking_name(part) or PyContext.string(part) or ""
        if _SECRET_STORE.search(name):
            return name
    return None


def _secret_store(node: ast.Call, ctx: PyContext, names: list[str]) -> str | None:
    """Where the random value goes when that is a session, a cookie or a token store: the random call itself, or
    the name it is bound to, written to ``session[key]``, ``store[cookie_name]`` or ``set_cookie(name, value)``."""
    statement = ctx.statement
    scope: ast.AST = ctx.function if ctx.function is not None else ctx.tree
    bound = {n for n in names if n.isidentifier()} if isinstance(statement, ast.Assign | ast.AnnAssign) else set()
    for sub in ast.walk(scope):
        if isinstance(sub, ast.Assign):
            value_used = any(n is node for n in ast.walk(sub.value)) or any(
                isinstance(n, ast.Name) and n.id in bound for n in ast.walk(sub.value)
            )
            store = next((s for t in sub.targets if (s := _store_name(t)) is not None), None) if value_used else None
            if store is not None:
                return f"'{store}'"
        elif isinstance(sub, ast.Call) and method_name(sub) in ("set_cookie", "set_signed_cookie"):
            values = sub.args[1:2] + [k.value for k in sub.keywords if k.arg == "value"]
            if any(n is node or (isinstance(n, ast.Name) and n.id in bound) for v in values for n in ast.walk(v)):
                return "a cookie value"
    return None


@python_rule(
    id="PY-RAND-001",
    title="Security value from a non-cryptographic random generator",
    cwe=330,
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    nodes=(ast.Call,),
    calls=_RANDOM,
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
    # What the value is stored as says more than the function's name (a view named ..._test_... still serves it)
    test_function = ctx.function is not None and ctx.function.name.startswith("test")
    store = None if "game" in verdicts or test_function else _secret_store(node, ctx, names)
    if store is not None:
        yield hit_at(node, f"{qual}() makes a value stored as {store}, which is predictable; use the secrets module")
        return
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
    label = next((n for n in names if _purpose_words(n) in ("strong", "ambiguous")), names[0])
    yield hit_at(
        node,
        f"'{label}' is made with {qual}(), which is predictable; use the secrets module",
        confidence=Confidence.HIGH if "strong" in verdicts else Confidence.MEDIUM,
    )
