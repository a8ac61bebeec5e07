"""The FIXED twin of vulnerable_app.py: the same routes with each planted flaw repaired (see README.md).

Run it with `python fixed_app.py --port 5002`; it binds to 127.0.0.1 only.
"""

import argparse
import base64
import hashlib
import hmac
import ipaddress
import json
import os
import re
import secrets
import sqlite3
import subprocess
import threading
import time
from collections import defaultdict, deque
from urllib.parse import urlsplit

from flask import Flask, abort, jsonify, make_response, redirect, render_template_string, request, send_from_directory
from markupsafe import escape
from werkzeug.exceptions import HTTPException
from werkzeug.security import check_password_hash, generate_password_hash
from werkzeug.serving import WSGIRequestHandler, make_server

SECRET_KEY = os.environ.get("APP_SECRET_KEY") or secrets.token_hex(32)
FILES_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "files")
DEMO_USERS = [("admin", "admin"), ("alice", "user"), ("bob", "user")]
INDEX_PAGE = "<h1>Acme accounts</h1><a href='/search?q=lamp'>search</a> <a href='/download?name=report.txt'>report</a>"
PRODUCTS = [("lamp", "a desk lamp"), ("chair", "an office chair"), ("mug", "a coffee mug")]
ALLOWED_ORIGINS = {"http://127.0.0.1:5002", "http://localhost:5002"}
HOST_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9-]{1,63})*$")
MAX_FAILURES, WINDOW_S = 5, 300.0
GENERIC_LOGIN_ERROR = "Invalid username or password"
_HASHES = {}


def demo_password(username):
    """Demo credentials come from the environment; the documented defaults are for local testing only."""
    return os.environ.get(f"DEMO_{username.upper()}_PASSWORD") or f"{username}-pass"


def password_hash(username):
    if username not in _HASHES:
        _HASHES[username] = generate_password_hash(demo_password(username))
    return _HASHES[username]


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(message):
    return b64url(hmac.new(SECRET_KEY.encode(), message.encode(), hashlib.sha256).digest())


def issue_token(user):
    header = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    claims = {"sub": str(user["id"]), "name": user["username"], "role": user["role"], "exp": int(time.time()) + 900}
    payload = b64url(json.dumps(claims).encode())
    return f"{header}.{payload}.{sign(header + '.' + payload)}"


def decode_token(token):
    """Only HS256 tokens with a valid signature that have not expired; anything else is rejected."""
    try:
        header_part, payload_part, signature = token.split(".")
        header = json.loads(b64url_decode(header_part))
        claims = json.loads(b64url_decode(payload_part))
    except ValueError:
        return None
    if header.get("alg") != "HS256" or not hmac.compare_digest(signature, sign(header_part + "." + payload_part)):
        return None
    if not isinstance(claims.get("exp"), int) or claims["exp"] < time.time():
        return None
    return claims


class Limiter:
    """Counts failures per key in a sliding window; `blocked` once MAX_FAILURES are reached."""

    def __init__(self):
        self.events = defaultdict(deque)
        self.lock = threading.Lock()

    def blocked(self, *keys):
        now = time.monotonic()
        with self.lock:
            for key in keys:
                events = self.events[key]
                while events and now - events[0] > WINDOW_S:
                    events.popleft()
            return any(len(self.events[key]) >= MAX_FAILURES for key in keys)

    def hit(self, *keys):
        with self.lock:
            for key in keys:
                self.events[key].append(time.monotonic())


def is_local_path(target):
    """True for a same-site path such as /search?q=x; False for //host, /\\host, https:... and relative names."""
    parts = urlsplit(target)
    return target.startswith("/") and not target.startswith("//") and not parts.scheme and not parts.netloc


def too_many():
    return jsonify(error="Too many attempts, try again later"), 429, {"Retry-After": str(int(WINDOW_S))}


def create_app(files_dir=None):
    app = Flask(__name__)
    app.config.update(SECRET_KEY=SECRET_KEY, SESSION_COOKIE_SECURE=True, SESSION_COOKIE_SAMESITE="Lax")
    files_dir = files_dir or FILES_DIR
    db = sqlite3.connect(":memory:", check_same_thread=False)
    db.row_factory = sqlite3.Row
    lock = threading.Lock()
    db.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, username TEXT, password TEXT, role TEXT, email TEXT)")
    db.execute("CREATE TABLE products (id INTEGER PRIMARY KEY, name TEXT, description TEXT)")
    seed = [(name, password_hash(name), role, f"{name}@example.test") for name, role in DEMO_USERS]
    db.executemany("INSERT INTO users (username, password, role, email) VALUES (?, ?, ?, ?)", seed)
    db.executemany("INSERT INTO products (name, description) VALUES (?, ?)", PRODUCTS)
    dummy_hash = password_hash("nobody")
    sessions, limiter = {}, Limiter()

    def query(sql, params=()):
        with lock:
            return [dict(row) for row in db.execute(sql, params).fetchall()]

    def current_user():
        auth = request.headers.get("Authorization", "")
        if auth.startswith("Bearer "):
            claims = decode_token(auth[7:])
            if claims is None:
                return None
            return {"id": int(claims["sub"]), "username": claims.get("name"), "role": claims.get("role")}
        return sessions.get(request.cookies.get("sid", ""))

    def require_user(role=None):
        user = current_user()
        if user is None:
            abort(401)
        if role is not None and user["role"] != role:
            abort(403)
        return user

    @app.after_request
    def add_headers(response):
        response.headers["Content-Security-Policy"] = "default-src 'self'; frame-ancestors 'none'; base-uri 'none'"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        if request.is_secure:
            response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        origin = request.headers.get("Origin")
        if origin in ALLOWED_ORIGINS:
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Access-Control-Allow-Credentials"] = "true"
        response.headers["Vary"] = "Origin"
        return response

    @app.errorhandler(Exception)
    def server_error(error):
        if isinstance(error, HTTPException):
            return jsonify(error=error.name), error.code
        app.logger.exception("unhandled error")
        return jsonify(error="Internal server error"), 500

    @app.get("/")
    def index():
        return INDEX_PAGE

    @app.post("/login")
    def login():
        data = request.get_json(silent=True) or request.form
        username = str(data.get("username", ""))[:128]
        password = str(data.get("password", ""))
        keys = ("ip:" + str(request.remote_addr), "user:" + username.lower())
        if limiter.blocked(*keys):
            return too_many()
        rows = query("SELECT id, username, password, role FROM users WHERE username = ?", (username,))
        stored = rows[0]["password"] if rows else dummy_hash
        if not check_password_hash(stored, password) or not rows:
            limiter.hit(*keys)
            return jsonify(error=GENERIC_LOGIN_ERROR), 401
        user = rows[0]
        sid = secrets.token_urlsafe(32)
        sessions[sid] = {"id": user["id"], "username": user["username"], "role": user["role"]}
        response = make_response(jsonify(token=issue_token(user), user={"id": user["id"], "role": user["role"]}))
        response.set_cookie("sid", sid, secure=True, httponly=True, samesite="Lax", max_age=3600)
        return response

    @app.post("/password-reset")
    def password_reset():
        key = "reset:" + str(request.remote_addr)
        if limiter.blocked(key):
            return too_many()
        limiter.hit(key)
        data = request.get_json(silent=True) or request.form
        query("SELECT email FROM users WHERE username = ?", (str(data.get("username", "")),))
        return jsonify(message="If the account exists, a reset link has been sent.")

    @app.get("/search")
    def search():
        q = request.args.get("q", "")
        rows = query("SELECT name, description FROM products WHERE name LIKE ?", (f"%{q}%",))
        items = "".join(f"<li>{escape(row['name'])}: {escape(row['description'])}</li>" for row in rows)
        return f"<h1>Results for {escape(q)}</h1><ul>{items}</ul>"

    @app.get("/download")
    def download():
        return send_from_directory(files_dir, request.args.get("name", "report.txt"), mimetype="text/plain")

    @app.get("/ping")
    def ping():
        host = request.args.get("host", "127.0.0.1")
        try:
            ipaddress.ip_address(host)
        except ValueError:
            if not HOST_NAME.match(host) or len(host) > 253:
                return jsonify(error="host must be an IP address or a host name"), 400
        try:
            argv = ["ping", "-c", "1", "-W", "1", "--", host]
            result = subprocess.run(argv, capture_output=True, text=True, timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            return jsonify(error="ping is not available"), 503
        return result.stdout, 200, {"Content-Type": "text/plain; charset=utf-8"}

    @app.get("/preview")
    def preview():
        text = request.args.get("text", "Welcome back!")
        return render_template_string("<h2>Preview</h2><div class='card'>{{ text }}</div>", text=text)

    @app.get("/redirect")
    def go():
        target = request.args.get("next", "/").replace("\\", "/")
        if not is_local_path(target):
            target = "/"
        return redirect(target)

    @app.get("/admin/report")
    def admin_report():
        require_user("admin")
        return jsonify(users=query("SELECT COUNT(*) AS n FROM users")[0]["n"], revenue=125000)

    @app.get("/admin/users")
    def admin_users():
        require_user("admin")
        return jsonify(users=query("SELECT id, username, role, email FROM users"))

    @app.get("/api/users/<int:user_id>")
    def get_user(user_id):
        user = require_user()
        if user["id"] != user_id and user["role"] != "admin":
            abort(404)
        rows = query("SELECT id, username, role, email FROM users WHERE id = ?", (user_id,))
        if not rows:
            abort(404)
        return jsonify(rows[0])

    return app


class QuietRequestHandler(WSGIRequestHandler):
    """The development server without its `Server: Werkzeug/x Python/y` banner."""

    def send_header(self, keyword, value):
        if keyword.lower() != "server":
            super().send_header(keyword, value)


def serve(port, host="127.0.0.1"):
    """A threaded server on loopback (port 0 picks a free one): call serve_forever() and shutdown()."""
    return make_server(host, port, create_app(), threaded=True, request_handler=QuietRequestHandler)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=5002)
    args = parser.parse_args()
    serve(args.port).serve_forever()
