"""Shared helpers: caching keys, retries, config constants, signing and small formatting utilities."""

import hashlib
import logging
import os
import random
import secrets
import ssl
import subprocess
import time
from functools import wraps

import jwt
import requests
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.utils.html import format_html

logger = logging.getLogger(__name__)

TOKEN_URL = "https://oauth2.googleapis.com/token"  # ok: PY-SECRET-001
PASSWORD_FIELD = "password"  # ok: PY-SECRET-001
SECRET_KEY_ENV_VAR = "APP_SECRET_KEY"  # ok: PY-SECRET-001
api_key = os.getenv("PARTNER_API_KEY", "")  # ok: PY-SECRET-001
MAX_RETRIES = 5


def cache_key(*parts: str) -> str:
    return hashlib.md5("|".join(parts).encode(), usedforsecurity=False).hexdigest()  # ok: PY-HASH-001


def file_etag(path: str) -> str:
    with open(path, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()  # ok: PY-HASH-001


def retry(func):
    @wraps(func)
    def wrapper(*args, **kwargs):
        for attempt in range(MAX_RETRIES):
            try:
                return func(*args, **kwargs)
            except requests.RequestException:
                delay = (2**attempt) + random.uniform(0, 1)  # ok: PY-RAND-001
                logger.warning("attempt %d failed, retrying in %.1fs", attempt + 1, delay)  # ok: PY-LOG-001
                time.sleep(delay)
        raise RuntimeError("giving up")

    return wrapper


@retry
def fetch_json(url: str) -> dict:
    resp = requests.get(url, timeout=5, verify=True)  # ok: PY-TLS-001
    resp.raise_for_status()
    return resp.json()


def tls_context() -> ssl.SSLContext:
    ctx = ssl.create_default_context()  # ok: PY-TLS-001
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    return ctx


def new_session_id() -> str:
    return secrets.token_hex(32)  # ok: PY-RAND-001


def shuffled_questions(questions: list[str], seed: int) -> list[str]:
    rng = random.Random(seed)  # ok: PY-RAND-001
    order = list(questions)
    rng.shuffle(order)
    return order


def encrypt_blob(key: bytes, data: bytes) -> bytes:
    iv = os.urandom(12)
    encryptor = Cipher(algorithms.AES(key), modes.GCM(iv)).encryptor()  # ok: PY-CRYPTO-001
    return iv + encryptor.update(data) + encryptor.finalize() + encryptor.tag


def verify_id_token(token: str, public_key: str, audience: str) -> dict:
    return jwt.decode(token, public_key, algorithms=["RS256"], audience=audience)  # ok: PY-JWT-001


def check_signature_present(signature: str | None) -> bool:
    if signature is None or signature == "":  # ok: PY-TIMING-001
        return False
    return True


def link(url: str, label: str) -> str:
    return format_html('<a href="{}">{}</a>', url, label)  # ok: PY-XSS-001


def disk_usage(path: str) -> str:
    # TODO: switch to shutil.disk_usage once we drop the du fallback  # ok: PY-TODO-001
    out = subprocess.run(["du", "-sh", path], capture_output=True, text=True, check=True)  # ok: PY-CMDI-001
    return out.stdout.split()[0]


def human_size(num: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if num < 1024:
            return f"{num:.1f} {unit}"
        num /= 1024
    return f"{num:.1f} TB"
