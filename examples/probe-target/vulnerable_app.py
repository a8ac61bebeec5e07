"""A deliberately VULNERABLE account service: the target that `slopguard probe` and `slopguard tests` attack.

Every flaw listed in README.md is planted on purpose. Never deploy this. It binds to 127.0.0.1 only.
Run it with `python vulnerable_app.py --port 5001`; its fixed twin is fixed_app.py (same routes).
"""

import argparse
import base64
import hashlib
import hmac
import json
import os
import sqlite3
import subprocess
import threading
import time
import traceback
import uuid

from flask import Flask, jsonify, make_response, redirect, render_template_string, request
from werkzeug.serving import make_server

SECRET_KEY = "dev-secret-change-me"
FILES_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "files")
USERS = [
    ("admin", "admin-pass", "admin", "admin@example.test"),
    ("alice", "alice-pass", "user", "alice@example.test"),
    ("bob", "bob-pass", "user", "bob@example.test"),
]
INDEX_PAGE = "<h1>Acme accounts</h1><a href='/search?q=lamp'>search</a> <a href='/download?name=report.txt'>report</a>"
PRODUCTS = [("lamp", "a desk lamp"), ("chair", "an office chair"), ("mug", "a coffee mug")]


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def issue_token(user):
    header = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    claims = {"sub": str(user["id"]), "name": user["username"], "role": user["role"], "exp": int(time.time()) + 3600}
    payload = b64url(json.dumps(claims).encode())
    signature = hmac.new(SECRET_KEY.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{b64url(signature)}"


def decode_token(token):
    header_part, payload_part, signature = token.split(".")
    header = json.loads(b64url_decode(header_part))
    claims = json.loads(b64url_decode(payload_part))
    if header.get("alg") == "none":
        return claims
    expected = hmac.new(SECRET_KEY.encode(), f"{header_part}.{payload_part}".encode(), hashlib.sha256).digest()
    if signature != b64url(expected):
        raise ValueError("bad signature")
    return claims


def create_app(files_dir=None):
    app = Flask(__name__)
    app.config["SECRET_KEY"] = SECRET_KEY
    files_dir = files_dir or FILES_DIR
    db = sqlite3.connect(":memory:", check_same_thread=False)
    db.row_factory = sqlite3.Row
    lock = threading.Lock()
    db.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, username TEXT, password TEXT, role TEXT, email TEXT)")
    db.execute("CREATE TABLE products (id INTEGER PRIMARY KEY, name TEXT, description TEXT)")
    db.executemany("INSERT INTO users (username, password, role, email) VALUES (?, ?, ?, ?)", USERS)
    db.executemany("INSERT INTO products (name, description) VALUES (?, ?)", PRODUCTS)
    sessions = {}

    def query(sql, params=()):
        with lock:
            return [dict(row) for row in db.execute(sql, params).fetchall()]

    def current_user():
        auth = request.headers.get("Authorization", "")
        if auth.startswith("Bearer "):
            try:
                claims = decode_token(auth[7:])
            except ValueError:
                return None
            return {"id": int(claims["sub"]), "username": claims.get("name"), "role": claims.get("role")}
        return sessions.get(request.cookies.get("sid", ""))

    @app.after_request
    def add_headers(response):
        response.headers["Server"] = "AcmeAccounts/1.4 Python/3.11"
        response.headers["X-Powered-By"] = "Flask"
        origin = request.headers.get("Origin")
        if origin:
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Access-Control-Allow-Credentials"] = "true"
        return response

    @app.errorhandler(500)
    def server_error(error):
        trace = "".join(traceback.format_exception(getattr(error, "original_exception", None) or error))
        return "<h1>Internal error</h1><pre>" + trace + "</pre>", 500

    @app.get("/")
    def index():
        return INDEX_PAGE

    @app.post("/login")
    def login():
        data = request.get_json(silent=True) or request.form
        username = data.get("username", "")
        password = data.get("password", "")
        rows = query(f"SELECT id, username, password, role FROM users WHERE username = '{username}'")
        if not rows:
            return jsonify(error="Unknown username"), 404
        user = rows[0]
        if user["password"] != password:
            return jsonify(error="Wrong password"), 401
        sid = uuid.uuid4().hex
        sessions[sid] = {"id": user["id"], "username": user["username"], "role": user["role"]}
        response = make_response(jsonify(token=issue_token(user), user={"id": user["id"], "role": user["role"]}))
        response.set_cookie("sid", sid)
        return response

    @app.post("/password-reset")
    def password_reset():
        data = request.get_json(silent=True) or request.form
        username = data.get("username", "")
        rows = query("SELECT email FROM users WHERE username = ?", (username,))
        if not rows:
            return jsonify(error="No account with that username"), 404
        return jsonify(message=f"Reset link sent to {rows[0]['email']}")

    @app.get("/search")
    def search():
        q = request.args.get("q", "")
        rows = query(f"SELECT name, description FROM products WHERE name LIKE '%{q}%'")
        items = "".join(f"<li>{row['name']}: {row['description']}</li>" for row in rows)
        return f"<h1>Results for {q}</h1><ul>{items}</ul>"

    @app.get("/download")
    def download():
        name = request.args.get("name", "report.txt")
        path = os.path.join(files_dir, name)
        with open(path, encoding="utf-8", errors="replace") as handle:
            content = handle.read()
        return content, 200, {"Content-Type": "text/plain; charset=utf-8"}

    @app.get("/ping")
    def ping():
        host = request.args.get("host", "127.0.0.1")
        result = subprocess.run(f"ping -c 1 -W 1 {host}", shell=True, capture_output=True, text=True, timeout=5)
        return result.stdout + result.stderr, 200, {"Content-Type": "text/plain; charset=utf-8"}

    @app.get("/preview")
    def preview():
        text = request.args.get("text", "Welcome back!")
        return render_template_string("<h2>Preview</h2><div class='card'>" + text + "</div>")

    @app.get("/redirect")
    def go():
        return redirect(request.args.get("next", "/"))

    @app.get("/admin/report")
    def admin_report():
        user = current_user()
        if user is None:
            return jsonify(error="login required"), 401
        if user["role"] != "admin":
            return jsonify(error="admins only"), 403
        return jsonify(users=query("SELECT COUNT(*) AS n FROM users")[0]["n"], revenue=125000)

    @app.get("/admin/users")
    def admin_users():
        return jsonify(users=query("SELECT id, username, role, email FROM users"))

    @app.get("/api/users/<int:user_id>")
    def get_user(user_id):
        if current_user() is None:
            return jsonify(error="login required"), 401
        rows = query("SELECT id, username, role, email FROM users WHERE id = ?", (user_id,))
        if not rows:
            return jsonify(error="not found"), 404
        return jsonify(rows[0])

    return app


def serve(port, host="127.0.0.1"):
    """A threaded server on loopback (port 0 picks a free one): call serve_forever() and shutdown()."""
    return make_server(host, port, create_app(), threaded=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=5001)
    args = parser.parse_args()
    serve(args.port).serve_forever()
