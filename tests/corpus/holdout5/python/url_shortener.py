"""Shrt: a small Flask URL shortener with click statistics and an API for the marketing tools.

Anyone can create a short link; the marketing team's tools call the JSON API with bearer tokens issued by
the company SSO. Attacker data: form fields and JSON bodies (the target URL, a custom alias), query strings,
request headers (User-Agent, Referer), and the bearer tokens themselves.
"""
import hmac
import ipaddress
import logging
import os
import secrets
import socket
import sqlite3
import string
from urllib.parse import urlparse

import jwt
import requests
from flask import Flask, abort, g, jsonify, redirect, render_template, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from markupsafe import escape

log = logging.getLogger("shrt")
app = Flask(__name__)
app.config["SECRET_KEY"] = "shrt-dev-7c2e91b04f6a4d3e8a1b5c9d0e2f4a6b"  # expect: PY-SECRET-001
limiter = Limiter(get_remote_address, app=app, default_limits=["200/hour"])

ALPHABET = string.ascii_letters + string.digits
ADMIN_TOKEN = os.environ["SHRT_ADMIN_TOKEN"]
SSO_PUBLIC_KEY = open("/etc/shrt/sso-public.pem").read()
DB_PATH = os.environ.get("SHRT_DB", "/var/lib/shrt/links.db")


def get_db() -> sqlite3.Connection:
    if "db" not in g:
        g.db = sqlite3.connect(DB_PATH)
        g.db.row_factory = sqlite3.Row
    return g.db


def new_code(length: int = 8) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))  # ok: PY-RAND-001


def is_public_http_url(url: str) -> bool:
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        return False
    try:
        infos = socket.getaddrinfo(parsed.hostname, parsed.port or 443)
    except socket.gaierror:
        return False
    return all(ipaddress.ip_address(info[4][0]).is_global for info in infos)


def fetch_title(url: str) -> str | None:
    if not is_public_http_url(url):
        return None
    resp = requests.get(url, timeout=4, allow_redirects=False, stream=True)  # ok: PY-SSRF-001
    head = resp.raw.read(32_768, decode_content=True).decode("utf-8", "replace")
    start = head.find("<title>")
    return head[start + 7 : head.find("</title>")][:200] if start >= 0 else None


def api_identity() -> dict:
    token = request.headers.get("Authorization", "").removeprefix("Bearer ")
    try:
        return jwt.decode(token, SSO_PUBLIC_KEY, algorithms=["RS256"], audience="shrt")  # ok: PY-JWT-001
    except jwt.PyJWTError:
        abort(401)


def legacy_identity() -> dict:
    # the old browser extension sends its SSO token in a query parameter; the proxy already checked it
    return jwt.decode(request.args["token"], options={"verify_signature": False})  # expect: PY-JWT-001


@app.post("/links")
@limiter.limit("20/minute")
def create_link():
    target = request.form.get("url", "").strip()
    if urlparse(target).scheme not in ("http", "https"):
        abort(400, "Only http and https links can be shortened")
    code = new_code()
    db = get_db()
    db.execute("INSERT INTO links (code, target, title) VALUES (?, ?, ?)", (code, target, fetch_title(target)))  # ok: PY-SQLI-001
    db.commit()
    return render_template("created.html", code=code, target=target)


@app.get("/<code>")
def follow(code: str):
    row = get_db().execute("SELECT target FROM links WHERE code = ?", (code,)).fetchone()
    if row is None:
        abort(404)
    get_db().execute("UPDATE links SET clicks = clicks + 1 WHERE code = ?", (code,))
    get_db().commit()
    log.info("click on %s from %s", code, request.headers.get("User-Agent"))  # expect: PY-LOG-001
    return redirect(row["target"], code=302)  # ok: PY-REDIRECT-001


@app.get("/<code>/stats")
def stats(code: str):
    row = get_db().execute("SELECT code, clicks, title FROM links WHERE code = ?", (code,)).fetchone()
    if row is None:
        return f"<p>No link called <code>{escape(code)}</code>.</p>", 404  # ok: PY-XSS-003, PY-XSS-001
    return render_template("stats.html", link=row)


@app.post("/prefs/theme")
def set_theme():
    theme = "dark" if request.form.get("theme") == "dark" else "light"
    resp = redirect("/")
    resp.set_cookie("shrt_theme", theme, max_age=31536000, samesite="Lax")  # ok: PY-COOKIE-001
    return resp


@app.get("/api/links")
def api_links():
    who = api_identity()
    rows = get_db().execute("SELECT code, target, clicks FROM links WHERE owner = ?", (who["sub"],)).fetchall()
    return jsonify([dict(r) for r in rows])


@app.get("/api/legacy/links")
def api_legacy_links():
    who = legacy_identity()
    rows = get_db().execute("SELECT code, target FROM links WHERE owner = ?", (who["sub"],)).fetchall()
    return jsonify([dict(r) for r in rows])


@app.delete("/admin/links/<code>")
def admin_delete(code: str):
    supplied = request.headers.get("X-Admin-Token", "")
    if not hmac.compare_digest(supplied.encode(), ADMIN_TOKEN.encode()):  # ok: PY-TIMING-001
        abort(403)
    get_db().execute("DELETE FROM links WHERE code = ?", (code,))
    get_db().commit()
    return "", 204


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=5050, debug=os.environ.get("FLASK_DEBUG") == "1")  # ok: PY-DEBUG-001
