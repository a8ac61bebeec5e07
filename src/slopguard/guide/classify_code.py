"""Classify code (files, folders, or the files changed since a git revision) into the decision framework.

Signals, each listed in the verdict's reasons:

- **imports**: crypto (cryptography, Crypto, nacl, hmac; hashlib only with key-derivation/HMAC calls), password
  hashing and tokens (bcrypt, argon2, passlib, jwt, authlib, oauthlib, flask_login, django.contrib.auth), payment
  SDKs (stripe, braintree, paypalrestsdk, adyen, square), migrations (alembic, django.db.migrations), medical
  formats (hl7, fhir, pydicom), uploads, sessions and parsers of untrusted formats; the JavaScript, C and other
  languages' equivalents by regular expression (``#include <linux/module.h>`` is kernel code).
- **decorators and request use** (Python): ``@login_required`` and friends (access control), routes that accept
  POST/PUT/PATCH/DELETE or read request data (API input), ``request.files`` (uploads), ``session`` (sessions).
- **paths**: ``auth/``, ``payments/``, ``migrations/``, ``alembic/versions/``; ``tests/`` and ``docs/`` cap the
  verdict at relatively safe (test and documentation files do not ship), ``scripts/`` is internal tooling.
- **scan findings**: the scanner runs on the files; any high or critical finding makes the file at least
  caution, even under ``tests/``.

A file's verdict comes from :func:`slopguard.guide.decision.decide`; the overall verdict is the worst file's.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from slopguard.core.config import Settings
from slopguard.core.discovery import SKIP_DIRS
from slopguard.core.finding import Finding, Severity
from slopguard.guide.decision import SCAN_FINDINGS, Decision, Reason, Signal, Verdict, decide, worst
from slopguard.pipeline.scan import scan_paths

MAX_READ = 1_000_000
Rule = tuple[str, float]

IMPORTS: dict[str, Rule] = {
    "cryptography": ("crypto", 2.0), "Crypto": ("crypto", 2.0), "Cryptodome": ("crypto", 2.0),
    "nacl": ("crypto", 2.0), "OpenSSL": ("crypto", 1.5), "rsa": ("crypto", 2.0), "ecdsa": ("crypto", 2.0),
    "jwcrypto": ("crypto", 2.0), "tink": ("crypto", 2.0), "hmac": ("crypto", 1.0), "hashlib": ("crypto", 0.3),
    "bcrypt": ("auth", 2.0), "argon2": ("auth", 2.0), "passlib": ("auth", 2.0), "jwt": ("auth", 2.0),
    "jose": ("auth", 2.0), "authlib": ("auth", 2.0), "oauthlib": ("auth", 2.0), "requests_oauthlib": ("auth", 1.5),
    "flask_login": ("auth", 2.0), "flask_jwt_extended": ("auth", 2.0), "django.contrib.auth": ("auth", 2.0),
    "rest_framework_simplejwt": ("auth", 2.0), "rest_framework.authentication": ("auth", 1.5),
    "fastapi.security": ("auth", 1.5), "pyotp": ("auth", 2.0), "webauthn": ("auth", 2.0), "fido2": ("auth", 2.0),
    "ldap": ("auth", 1.5), "ldap3": ("auth", 1.5), "social_django": ("auth", 1.5), "allauth": ("auth", 1.5),
    "keycloak": ("auth", 1.5), "itsdangerous": ("auth", 1.0),
    "stripe": ("payment", 3.0), "braintree": ("payment", 3.0), "paypalrestsdk": ("payment", 3.0),
    "paypalcheckoutsdk": ("payment", 3.0), "Adyen": ("payment", 3.0), "adyen": ("payment", 3.0),
    "square": ("payment", 3.0), "squareup": ("payment", 3.0), "razorpay": ("payment", 3.0),
    "mollie": ("payment", 3.0), "authorizenet": ("payment", 3.0), "plaid": ("payment", 2.0),
    "alembic": ("db-migration", 3.0), "django.db.migrations": ("db-migration", 3.0), "yoyo": ("db-migration", 3.0),
    "hl7": ("medical", 3.0), "hl7apy": ("medical", 3.0), "fhir": ("medical", 3.0), "fhirclient": ("medical", 3.0),
    "fhir.resources": ("medical", 3.0), "pydicom": ("medical", 3.0), "pynetdicom": ("medical", 3.0),
    "wfdb": ("medical", 1.5), "bcc": ("kernel", 2.0), "seccomp": ("kernel", 2.0),
    "werkzeug.datastructures": ("file-upload", 0.5), "starlette.middleware.sessions": ("session", 1.5),
    "flask_session": ("session", 1.5), "rest_framework.permissions": ("access-control", 1.5),
    "pickle": ("untrusted-parsing", 0.6), "dill": ("untrusted-parsing", 0.6), "marshal": ("untrusted-parsing", 0.6),
    "shelve": ("untrusted-parsing", 0.6), "yaml": ("untrusted-parsing", 0.4), "xml": ("untrusted-parsing", 0.5),
    "lxml": ("untrusted-parsing", 0.5), "xmltodict": ("untrusted-parsing", 0.5), "bs4": ("untrusted-parsing", 0.5),
    "tarfile": ("untrusted-parsing", 0.4), "zipfile": ("untrusted-parsing", 0.4),
    "faker": ("test-data", 1.0), "pytest": ("test-data", 0.5), "factory": ("test-data", 0.5),
    "pandas": ("data-analysis", 0.6), "matplotlib": ("data-analysis", 0.6), "seaborn": ("data-analysis", 0.6),
    "polars": ("data-analysis", 0.6), "plotly": ("data-analysis", 0.6), "setuptools": ("build", 1.0),
    "argparse": ("internal-script", 0.4), "click": ("internal-script", 0.3), "typer": ("internal-script", 0.3),
}  # fmt: skip
# ``from X import name`` where the name says more than the module: using a check is access control, not auth logic.
NAMES: dict[str, Rule | None] = {
    "flask_login.login_required": ("access-control", 1.5), "flask_login.current_user": ("access-control", 1.0),
    "flask_jwt_extended.jwt_required": ("access-control", 1.5),
    "flask_jwt_extended.get_jwt_identity": ("access-control", 1.0),
    "django.contrib.auth.decorators": ("access-control", 1.5), "django.contrib.auth.mixins": ("access-control", 1.5),
    "django.contrib.auth.models": None, "django.contrib.auth.get_user_model": None,
    "django.contrib.auth.admin": None, "flask.session": ("session", 1.5), "fastapi.UploadFile": ("file-upload", 2.0),
    "fastapi.File": ("file-upload", 1.5), "werkzeug.utils.secure_filename": ("file-upload", 1.5),
}  # fmt: skip
CALLS: dict[str, Rule] = {
    "hashlib.pbkdf2_hmac": ("crypto", 1.5), "hashlib.scrypt": ("crypto", 1.5), "hmac.new": ("crypto", 1.0),
    "hmac.compare_digest": ("crypto", 0.5), "hmac.digest": ("crypto", 1.0), "os.urandom": ("crypto", 0.5),
    "secrets.token_bytes": ("crypto", 0.3), "pickle.loads": ("untrusted-parsing", 0.6),
    "pickle.load": ("untrusted-parsing", 0.6), "yaml.load": ("untrusted-parsing", 0.6),
    "yaml.unsafe_load": ("untrusted-parsing", 1.0), "tarfile.open": ("untrusted-parsing", 0.4),
    "zipfile.ZipFile": ("untrusted-parsing", 0.4), "shutil.unpack_archive": ("untrusted-parsing", 0.8),
}  # fmt: skip
# What a function is called says what the file implements (Python definitions only).
DEFINES: list[tuple[re.Pattern[str], str, float]] = [
    (re.compile(p, re.IGNORECASE), c, w) for p, c, w in [
        (r"^(?:hash|verify|check|set|reset|change)_password$|^authenticate(?:_user)?$|^(?:log|sign)_?in(?:_user)?$"
         r"|^(?:create|issue|verify|decode|validate)_(?:access_|refresh_|reset_|auth_|jwt_)?token$", "auth", 1.0),
        (r"^(?:encrypt|decrypt)(?:_\w+)?$|^derive_key$|^(?:sign|verify)_(?:message|payload|data|signature)$",
         "crypto", 1.0),
        (r"^(?:charge|refund|capture)(?:_\w+)?$|^create_payment(?:_intent)?$|^(?:process|handle)_payment$",
         "payment", 1.0),
    ]
]  # fmt: skip
ACCESS_DECORATORS = frozenset({
    "login_required", "permission_required", "user_passes_test", "staff_member_required", "roles_required",
    "roles_accepted", "jwt_required", "requires_auth", "admin_required", "permission_classes", "fresh_jwt_required",
    "superuser_required", "require_permission", "requires_permission",
})  # fmt: skip
ROUTE_ATTRS = frozenset({"route", "get", "post", "put", "patch", "delete", "api_route", "websocket", "api_view"})
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
REQUEST_DATA = frozenset({"args", "form", "json", "get_json", "values", "data", "files", "GET", "POST", "FILES",
                          "body", "query_params", "cookies", "headers", "stream"})  # fmt: skip
PII_NAMES = re.compile(
    r"\b(?:ssn|social_security(?:_number)?|date_of_birth|birth_?date|passport_(?:number|no)|national_id|tax_id"
    r"|drivers?_licen[cs]e(?:_number)?)\b", re.IGNORECASE)  # fmt: skip
COMPLIANCE = re.compile(r"\b(?:HIPAA|GDPR|PCI[- ]DSS|SOX|SOC ?2|CCPA)\b", re.IGNORECASE)
AUDIT = re.compile(r"\baudit_?(?:log|trail)s?\b", re.IGNORECASE)
# Other languages: (file suffixes, pattern, category, weight, evidence label).
CONTENT: list[tuple[frozenset[str], re.Pattern[str], str, float, str]] = [
    (frozenset(s.split()), re.compile(p, re.MULTILINE), c, w, e) for s, p, c, w, e in [
        (".c .h", r"#\s*include\s*<linux/module\.h>", "kernel", 3.0, "#include <linux/module.h>"),
        (".c .h", r"#\s*include\s*<linux/|\bMODULE_LICENSE\s*\(", "kernel", 1.5, "Linux kernel headers"),
        (".c .h", r"\bcopy_(?:from|to)_user\s*\(|\bunlocked_ioctl\b", "kernel", 1.0, "user-space copies / ioctl"),
        (".c .h", r"#\s*include\s*[<\"](?:linux/bpf\.h|bpf/bpf_helpers\.h)|\bSEC\(\"(?:xdp|kprobe|tracepoint)",
         "kernel", 2.0, "eBPF program"),
        (".c .h .cc .cpp .hpp", r"#\s*include\s*<(?:openssl/|sodium\.h|mbedtls/|wolfssl/|linux/crypto\.h)",
         "crypto", 2.0, "crypto library headers"),
        (".js .mjs .cjs .jsx .ts .tsx", r"""(?:require\(|from\s*)['"](?:node:)?crypto['"]""", "crypto", 0.5,
         "node crypto"),
        (".js .mjs .cjs .jsx .ts .tsx", r"\bcreate(?:Cipheriv|Decipheriv|Hmac|Sign|Verify)\b|\bpbkdf2|\bscrypt\(|"
         r"\bgenerateKeyPair|\bcrypto\.subtle\b", "crypto", 1.5, "cipher/HMAC/KDF calls"),
        (".js .mjs .cjs .jsx .ts .tsx", r"""['"](?:crypto-js|tweetnacl|node-forge|sjcl)['"]""", "crypto", 2.0,
         "crypto package"),
        (".js .mjs .cjs .jsx .ts .tsx", r"""['"](?:bcrypt|bcryptjs|argon2|jsonwebtoken|jose|passport[\w-]*|"""
         r"""next-auth|@auth/[\w-]+|express-jwt|speakeasy|otplib|@okta/[\w-]+|firebase/auth)['"]""", "auth", 2.0,
         "auth package"),
        (".js .mjs .cjs .jsx .ts .tsx", r"""['"](?:stripe|@stripe/[\w-]+|braintree|@paypal/[\w-]+|paypal-rest-sdk|"""
         r"""square|@adyen/[\w-]+|razorpay)['"]""", "payment", 3.0, "payment SDK"),
        (".js .mjs .cjs .jsx .ts .tsx", r"\bMigrationInterface\b|\bqueryInterface\.(?:addColumn|removeColumn|"
         r"createTable|dropTable|changeColumn)|\bknex\.schema\b", "db-migration", 2.0, "schema migration API"),
        (".js .mjs .cjs .jsx .ts .tsx", r"""['"](?:multer|busboy|formidable|express-fileupload)['"]""",
         "file-upload", 2.0, "upload middleware"),
        (".js .mjs .cjs .jsx .ts .tsx", r"""['"](?:express-session|cookie-session|iron-session|csurf)['"]""",
         "session", 1.5, "session middleware"),
        (".js .mjs .cjs .jsx .ts .tsx", r"\b(?:app|router)\.(?:post|put|patch|delete)\s*\(", "api-input", 1.5,
         "POST/PUT/PATCH/DELETE route"),
        (".js .mjs .cjs .jsx .ts .tsx", r"\breq\.(?:body|query|params)\b", "api-input", 1.5, "reads req.body/query"),
        (".js .mjs .cjs .jsx .ts .tsx", r"\breq\.files?\b", "file-upload", 1.5, "reads req.files"),
        (".js .mjs .cjs .jsx .ts .tsx", r"""['"](?:xml2js|fast-xml-parser|js-yaml|node-serialize|cheerio)['"]""",
         "untrusted-parsing", 0.7, "parser of untrusted formats"),
        (".go .java .kt .rs .rb .php .cs", r"crypto/(?:aes|cipher|rsa|ecdsa|hmac|ed25519)|golang\.org/x/crypto|"
         r"javax\.crypto|java\.security\.|org\.bouncycastle|openssl_(?:encrypt|decrypt|sign)|"
         r"System\.Security\.Cryptography|\b(?:aes_gcm|ring::)", "crypto", 2.0, "crypto API"),
        (".go .java .kt .rs .rb .php .cs", r"golang-jwt|io\.jsonwebtoken|springframework\.security|\bDevise\b|"
         r"password_hash\(|password_verify\(|\bBCrypt\b", "auth", 2.0, "auth library"),
        (".go .java .kt .rs .rb .php .cs", r"stripe|braintree|paypal|adyen", "payment", 2.0, "payment SDK"),
        (".go .java .kt .rs .rb .php .cs", r"ActiveRecord::Migration|golang-migrate|pressly/goose|flywaydb",
         "db-migration", 3.0, "migration framework"),
        (".sql", r"\b(?:ALTER|DROP)\s+(?:TABLE|COLUMN|INDEX)\b|\bADD\s+COLUMN\b|\bRENAME\s+COLUMN\b", "db-migration",
         2.0, "schema change (ALTER/DROP)"),
        (".sql", r"\bCREATE\s+TABLE\b", "db-migration", 1.0, "CREATE TABLE"),
        (".sql", r"\bUPDATE\s+\w+\s+SET\b|\bDELETE\s+FROM\b", "db-migration", 1.0, "bulk UPDATE/DELETE"),
    ]
]  # fmt: skip
CODE_SUFFIXES = frozenset({
    ".js", ".mjs", ".cjs", ".jsx", ".ts", ".tsx", ".java", ".kt", ".go", ".rs", ".rb", ".php", ".cs", ".c", ".h",
    ".cc", ".cpp", ".hpp", ".swift", ".scala",
})  # fmt: skip
DOC_SUFFIXES = frozenset({".md", ".rst", ".adoc"})
UI_SUFFIXES = frozenset({".html", ".css", ".scss", ".vue", ".svelte"})
BUILD_NAMES = frozenset({"dockerfile", "makefile", "pyproject.toml", "setup.py", "setup.cfg", "tox.ini",
                         "noxfile.py", "package.json", ".pre-commit-config.yaml", "justfile"})  # fmt: skip
PATH_DIRS: dict[str, Rule] = {
    "auth": ("auth", 1.0), "authentication": ("auth", 1.0), "oauth": ("auth", 1.0), "login": ("auth", 1.0),
    "sso": ("auth", 1.0), "payments": ("payment", 1.0), "payment": ("payment", 1.0), "billing": ("payment", 1.0),
    "checkout": ("payment", 1.0), "crypto": ("crypto", 1.0), "encryption": ("crypto", 1.0),
    "migrations": ("db-migration", 2.0), "migrate": ("db-migration", 2.0), "scripts": ("internal-script", 1.0),
    "tools": ("internal-script", 0.6), "notebooks": ("data-analysis", 1.0), "uploads": ("file-upload", 0.6),
    "api": ("api-input", 0.5), "views": ("api-input", 0.5), "routes": ("api-input", 0.5),
}  # fmt: skip
TEST_DIRS = frozenset({"tests", "test", "__tests__", "spec", "testing"})
DOC_DIRS = frozenset({"docs", "doc"})
_TEST_FILE = re.compile(r"^(?:test_.*\.py|.*_test\.(?:py|go)|conftest\.py|.*\.(?:test|spec)\.[jt]sx?)$")


class ClassifyInputError(Exception):
    """Bad input for classify (not a git repository, unknown revision, ...): the CLI exits 2 with the message."""


@dataclass
class FileVerdict:
    """One file's decision and the scan findings behind it."""

    path: str
    decision: Decision
    findings: list[Finding] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, **self.decision.to_dict(), "findings": [_finding(f) for f in self.findings]}


@dataclass
class CodeReport:
    """Per-file verdicts and the overall one (the worst)."""

    files: list[FileVerdict]
    overall: Decision
    skipped: list[tuple[str, str]] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "overall": self.overall.to_dict(),
            "files": [f.to_dict() for f in self.files],
            "skipped": [{"path": p, "reason": r} for p, r in self.skipped],
            "deleted": list(self.deleted),
        }


def _finding(f: Finding) -> dict[str, Any]:
    loc = f.location
    return {"rule_id": f.rule_id, "severity": f.severity.label, "line": loc.start_line, "title": f.title,
            "message": f.message, "cwe": list(f.cwe)}  # fmt: skip


def path_signals(display: str) -> tuple[list[Signal], str | None]:
    """Signals from where a file lives, and a cap note when it is test or documentation code."""
    parts = display.lower().split("/")
    name, dirs = parts[-1], parts[:-1]
    suffix = os.path.splitext(name)[1]
    signals = [Signal(*PATH_DIRS[d], f"path {d}/", "path") for d in dirs if d in PATH_DIRS]
    stem = os.path.splitext(name)[0]
    if stem in PATH_DIRS and PATH_DIRS[stem][0] in {"auth", "payment", "crypto"}:
        signals.append(Signal(PATH_DIRS[stem][0], 0.6, f"file name {name}", "path"))
    if "versions" in dirs and "alembic" in dirs:
        signals.append(Signal("db-migration", 2.0, "path alembic/versions/", "path"))
    if name in BUILD_NAMES or ".github" in dirs:
        signals.append(Signal("build", 1.0, f"build file {name}", "path"))
    if suffix == ".ipynb":
        signals.append(Signal("data-analysis", 1.0, "notebook", "path"))
    if suffix in UI_SUFFIXES:
        signals.append(Signal("ui-prototype", 1.0, f"{suffix} file", "path"))
    if re.match(r"^v\d+(?:_\d+)*__\w+\.sql$", name):
        signals.append(Signal("db-migration", 2.0, "Flyway migration file name", "path"))
    if TEST_DIRS.intersection(dirs) or _TEST_FILE.match(name):
        signals.append(Signal("test-data", 1.0, "test file (path)", "path"))
        return signals, "test code: risk signals are context, not the verdict"
    if DOC_DIRS.intersection(dirs) or suffix in DOC_SUFFIXES:
        signals.append(Signal("docs", 1.0, "documentation file (path)", "path"))
        return signals, "documentation: risk signals are context, not the verdict"
    return signals, None


def _dotted(node: ast.expr, aliases: dict[str, str]) -> str:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Call):
        return _dotted(node.func, aliases)
    if isinstance(node, ast.Name):
        parts.append(aliases.get(node.id, node.id))
    return ".".join(reversed(parts))


def _module_rule(module: str) -> Rule | None:
    while module:
        if module in IMPORTS:
            return IMPORTS[module]
        module = module.rpartition(".")[0]
    return None


def _route_methods(dec: ast.expr) -> tuple[str, set[str], str] | None:
    """(decorator attr, HTTP methods, path) for a route decorator, or None."""
    call = dec if isinstance(dec, ast.Call) else None
    func = call.func if call else dec
    attr = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    if attr not in ROUTE_ATTRS or (attr != "api_view" and not isinstance(func, ast.Attribute)):
        return None
    if attr == "api_view":
        first = call.args[0] if call and call.args else None
        items = first.elts if isinstance(first, ast.List | ast.Tuple) else []
        return attr, {e.value.upper() for e in items if isinstance(e, ast.Constant) and isinstance(e.value, str)}, ""
    path = ""
    if call and call.args and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str):
        path = call.args[0].value
    methods = {attr.upper()} if attr in {"get", "post", "put", "patch", "delete"} else set()
    for kw in call.keywords if call else []:
        if kw.arg == "methods" and isinstance(kw.value, ast.List | ast.Tuple | ast.Set):
            methods |= {
                e.value.upper() for e in kw.value.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)
            }
    return attr, methods or {"GET"}, path


def python_signals(text: str) -> list[Signal]:
    """Signals from a Python file's imports, decorators, calls and request use."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return []
    out: list[Signal] = []
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                aliases[alias.asname or alias.name.split(".")[0]] = (
                    alias.name if alias.asname else alias.name.split(".")[0]
                )
                rule = _module_rule(alias.name)
                if rule:
                    out.append(Signal(*rule, f"import {alias.name}", "import"))
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                aliases[alias.asname or alias.name] = full
                named = NAMES.get(full, NAMES.get(node.module, _module_rule(full)))
                if named:
                    out.append(Signal(*named, f"from {node.module} import {alias.name}", "import"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = _dotted(node.func, aliases)
            if name in CALLS:
                out.append(Signal(*CALLS[name], f"call {name}()", "call"))
            if name.endswith((".set_cookie", ".delete_cookie")):
                out.append(Signal("session", 1.0, f"call {name.rpartition('.')[2]}()", "call"))
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "request":
            if node.attr in {"files", "FILES"}:
                out.append(Signal("file-upload", 2.0, f"request.{node.attr}", "content"))
            elif node.attr == "session":
                out.append(Signal("session", 1.5, "request.session", "content"))
        elif isinstance(node, ast.Attribute) and node.attr in {"is_staff", "is_superuser", "has_perm", "has_perms"}:
            out.append(Signal("access-control", 1.0, f".{node.attr}", "content"))
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            out += _function_signals(node, aliases)
            out += [Signal(c, w, f"defines {node.name}()", "content") for p, c, w in DEFINES if p.search(node.name)]
        elif isinstance(node, ast.ClassDef):
            bases = {_dotted(b, aliases).rpartition(".")[2] for b in node.bases}
            writes = {n.name for n in node.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}
            if bases & {"View", "APIView", "ViewSet", "ModelViewSet", "GenericAPIView", "MethodView", "FormView"} and (
                writes & {"post", "put", "patch", "delete", "create", "update", "form_valid"}
            ):
                out.append(Signal("api-input", 1.5, f"class view {node.name} handles writes", "content"))
    out += _text_extras(text, _identifiers(tree))
    if "__main__" in text and re.search(r"if\s+__name__\s*==\s*['\"]__main__['\"]", text):
        out.append(Signal("internal-script", 0.6, "runs as a script (__main__)", "content"))
    return out


def _function_signals(func: ast.FunctionDef | ast.AsyncFunctionDef, aliases: dict[str, str]) -> list[Signal]:
    out: list[Signal] = []
    reads = sorted({n.attr for n in ast.walk(func) if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name)
                    and n.value.id == "request" and n.attr in REQUEST_DATA})  # fmt: skip
    routed = False
    for dec in func.decorator_list:
        target = dec.func if isinstance(dec, ast.Call) else dec
        short = _dotted(target, aliases).rpartition(".")[2]
        if short in ACCESS_DECORATORS:
            out.append(Signal("access-control", 1.5, f"@{short} on {func.name}()", "decorator"))
        route = _route_methods(dec)
        if route is None:
            continue
        routed = True
        attr, methods, path = route
        where = f"{path!r} " if path else ""
        if methods & WRITE_METHODS:
            verbs = "/".join(sorted(methods & WRITE_METHODS))
            out.append(Signal("api-input", 1.5, f"{verbs} route {where}(@{attr} on {func.name}())", "decorator"))
        elif reads or re.search(r"<[^>]+>|\{[^}]+\}", path) or len(func.args.args) > 0:
            what = f"reads request.{', request.'.join(reads)}" if reads else "takes parameters"
            out.append(Signal("api-input", 1.5, f"route {where}{what} ({func.name}())", "decorator"))
        else:
            out.append(Signal("api-input", 0.5, f"route {where}({func.name}())", "decorator"))
    args = func.args.args
    if not routed and args and args[0].arg == "request" and set(reads) & {"POST", "GET", "body", "FILES", "data"}:
        out.append(Signal("api-input", 1.5, f"view {func.name}() reads request.{', request.'.join(reads)}", "content"))
    return out


def _text_extras(text: str, names: str | None = None) -> list[Signal]:
    """Hints from personal-data field names and compliance regimes. ``names``: the identifiers to look at
    (for Python, the names in the code, so that a regular expression or a comment is not a data field)."""
    out = []
    if pii := PII_NAMES.search(text if names is None else names):
        out.append(Signal("pii", 1.5, f"personal data field {pii.group(0)!r}", "content"))
    if audit := AUDIT.search(text if names is None else names):
        out.append(Signal("compliance", 0.8, f"audit trail {audit.group(0)!r}", "content"))
    if regime := COMPLIANCE.search(text):
        out.append(Signal("compliance", 0.6, f"mentions {regime.group(0)}", "content"))
    return out


def _identifiers(tree: ast.AST) -> str:
    """Every name, attribute, argument and keyword in the code, and string constants that look like field names."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            found.add(node.id)
        elif isinstance(node, ast.Attribute):
            found.add(node.attr)
        elif isinstance(node, ast.arg | ast.keyword) and node.arg:
            found.add(node.arg)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            found.add(node.name)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and re.fullmatch(r"\w{2,40}", node.value):
            found.add(node.value)
    return " ".join(sorted(found))


def content_signals(display: str, text: str) -> list[Signal]:
    """Signals from a file's text, by language."""
    suffix = os.path.splitext(display.lower())[1]
    if suffix in {".py", ".pyw"}:
        return python_signals(text)
    out = [Signal(c, w, e, "content") for sfx, pattern, c, w, e in CONTENT if suffix in sfx and pattern.search(text)]
    if suffix in CODE_SUFFIXES:
        out += _text_extras(text)
    return out


def classify_file(display: str, text: str | None, findings: Sequence[Finding] = ()) -> FileVerdict:
    """The verdict for one file from its path, its text (None: unreadable or binary) and its scan findings."""
    signals, cap_note = path_signals(display)
    docs = cap_note is not None and cap_note.startswith("documentation")
    if text is not None and not docs:
        signals += content_signals(display, text)
    serious = [f for f in findings if f.severity >= Severity.HIGH]
    signals += [Signal(SCAN_FINDINGS, 1.0, f"{f.rule_id} line {f.location.start_line}: {f.title}", "finding")
                for f in serious]  # fmt: skip
    decision = decide(signals, Verdict.SAFE if cap_note else None, cap_note or "")
    return FileVerdict(display, decision, sorted(findings, key=lambda f: (f.location.start_line, f.rule_id)))


def overall(files: Sequence[FileVerdict]) -> Decision:
    """The worst file's verdict, with the counted reasons of every file at that verdict."""
    if not files:
        return Decision(Verdict.SAFE, 0.4, None, [], ["no files to classify"])
    verdict = worst(f.decision for f in files)
    top = [f for f in files if f.decision.verdict == verdict]
    merged: dict[str, Reason] = {}
    for fv in top:
        for r in fv.decision.reasons:
            if r.counted and r.category.verdict == verdict:
                into = merged.setdefault(r.category.id, Reason(r.category, 0.0, [], True))
                into.score = max(into.score, r.score)
                into.evidence += [f"{fv.path}: {e}" for e in r.evidence]
    reasons = sorted(merged.values(), key=lambda r: -r.score)
    best = max(top, key=lambda f: f.decision.confidence)
    category = reasons[0].category if reasons else None
    return Decision(verdict, best.decision.confidence, category, reasons, [f"{len(top)} of {len(files)} files"])


def _read(path: Path) -> str | None:
    try:
        if path.stat().st_size > MAX_READ:
            return None
        data = path.read_bytes()
    except OSError:
        return None
    return None if b"\0" in data[:8192] else data.decode("utf-8", errors="replace")


def _display(path: Path, root: Path) -> str:
    """The path as the scanner shows it: relative to the resolved root when inside it."""
    full, base = os.path.abspath(path), str(root.resolve())
    rel = os.path.relpath(full, base)
    return Path(full).as_posix() if rel.startswith("..") else Path(rel).as_posix()


def expand(paths: Iterable[Path], root: Path) -> tuple[list[Path], list[tuple[str, str]]]:
    """Files under ``paths`` (folders walked, skipping vendored/VCS folders and git-ignored files)."""
    files: list[Path] = []
    skipped: list[tuple[str, str]] = []
    for given in paths:
        if given.is_file():
            files.append(given)
        elif given.is_dir():
            walked: list[Path] = []
            for top, dirs, names in os.walk(given):
                dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
                walked += [Path(top) / n for n in sorted(names)]
            files += _not_ignored(walked, root)
        else:
            skipped.append((given.as_posix(), "no such file or directory"))
    return list(dict.fromkeys(files)), skipped


def _not_ignored(files: list[Path], root: Path) -> list[Path]:
    if not files:
        return files
    try:
        proc = subprocess.run(["git", "check-ignore", "--stdin", "-z"], cwd=root, capture_output=True, timeout=60,
                              input=b"\0".join(os.fsencode(f.resolve()) for f in files) + b"\0")  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return files
    if proc.returncode not in (0, 1):
        return files
    ignored = {os.fsdecode(p) for p in proc.stdout.split(b"\0") if p}
    return [f for f in files if str(f.resolve()) not in ignored]


def _scan(files: list[Path], root: Path) -> dict[str, list[Finding]]:
    settings = Settings(root=root, cache=False, respect_gitignore=False, deps=False)
    result = scan_paths(settings, files).report
    by_path: dict[str, list[Finding]] = {}
    for f in result.findings:
        by_path.setdefault(f.location.path, []).append(f)
    return by_path


def classify_paths(paths: Sequence[Path], root: Path, scan: bool = True) -> CodeReport:
    """Classify files and folders; displays are relative to ``root``."""
    files, skipped = expand(paths, root)
    findings = _scan(files, root) if scan and files else {}
    verdicts = []
    for path in files:
        display = _display(path, root)
        verdicts.append(classify_file(display, _read(path), findings.get(display, [])))
    return CodeReport(verdicts, overall(verdicts), skipped)


def _git(args: list[str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, timeout=60)
    except (OSError, subprocess.SubprocessError) as exc:
        raise ClassifyInputError(f"cannot run git: {exc}") from exc


def changed_files(rev: str, cwd: Path) -> tuple[Path, list[Path], list[str]]:
    """(repository root, files changed since ``rev`` that still exist, deleted paths). Changed means
    ``git diff --name-only REV`` (committed, staged and unstaged changes) plus untracked, not ignored files."""
    top = _git(["rev-parse", "--show-toplevel"], cwd)
    if top.returncode != 0:
        raise ClassifyInputError(f"not a git repository: {cwd}")
    root = Path(os.fsdecode(top.stdout.strip()))
    if (
        not rev
        or rev.startswith("-")
        or _git(["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], root).returncode
    ):
        raise ClassifyInputError(f"unknown revision {rev!r} (not a commit in {root})")

    def names(args: list[str]) -> list[str]:
        proc = _git(args, root)
        if proc.returncode != 0:
            raise ClassifyInputError(f"git {' '.join(args)} failed: {proc.stderr.decode(errors='replace').strip()}")
        return [os.fsdecode(p) for p in proc.stdout.split(b"\0") if p]

    changed = names(["diff", "--name-only", "-z", "--diff-filter=d", rev, "--"])
    untracked = names(["ls-files", "--others", "--exclude-standard", "-z"])
    deleted = names(["diff", "--name-only", "-z", "--diff-filter=D", rev, "--"])
    files = [root / p for p in dict.fromkeys(sorted([*changed, *untracked])) if (root / p).is_file()]
    return root, files, deleted


def classify_diff(rev: str, cwd: Path, scan: bool = True) -> CodeReport:
    """Classify the files changed since ``rev`` in the git repository containing ``cwd``."""
    root, files, deleted = changed_files(rev, cwd)
    report = classify_paths(files, root, scan) if files else CodeReport([], overall([]))
    report.deleted = deleted
    if not files:
        report.overall.notes = [f"no files changed since {rev}"]
    return report


__all__ = ["ClassifyInputError", "CodeReport", "FileVerdict", "classify_diff", "classify_paths"]
