"""What code says about itself, as tables for :mod:`slopguard.guide.code_signals`: imported modules and names,
calls, function names, decorators and request attributes (Python), patterns for other languages, and folder and
file names. Each entry gives a decision category and a weight."""

from __future__ import annotations

import re

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
TEST_FILE = re.compile(r"^(?:test_.*\.py|.*_test\.(?:py|go)|conftest\.py|.*\.(?:test|spec)\.[jt]sx?)$")
