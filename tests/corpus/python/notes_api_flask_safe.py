"""Notes API: JWT-authenticated CRUD for personal notes (Flask + SQLite), hardened version."""

import datetime
import hashlib
import logging
import os
import sqlite3
from functools import wraps

import jwt
from flask import Flask, g, jsonify, request
from flask_cors import CORS
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from markupsafe import escape
from werkzeug.security import check_password_hash, generate_password_hash

app = Flask(__name__)
app.secret_key = os.environ["NOTES_SECRET_KEY"]  # ok: PY-SECRET-001
CORS(app, resources={r"/api/*": {"origins": ["https://notes.example.com"]}}, supports_credentials=True)  # ok: PY-CORS-001
limiter = Limiter(get_remote_address, app=app, default_limits=["200 per hour"])
logger = logging.getLogger(__name__)

DATABASE = os.environ.get("NOTES_DB", "notes.db")


def get_db():
    if "db" not in g:
        g.db = sqlite3.connect(DATABASE)
        g.db.row_factory = sqlite3.Row
    return g.db


@app.teardown_appcontext
def close_db(exception):
    db = g.pop("db", None)
    if db is not None:
        db.close()


def token_required(f):
    @wraps(f)
    def decorated(*args, **kwargs):
        auth_header = request.headers.get("Authorization", "")
        if not auth_header.startswith("Bearer "):
            return jsonify({"message": "Authentication required"}), 401
        token = auth_header.split(" ", 1)[1]
        try:
            data = jwt.decode(token, app.secret_key, algorithms=["HS256"])  # ok: PY-JWT-001
        except jwt.InvalidTokenError:
            return jsonify({"message": "Authentication required"}), 401
        g.user_id = data["user_id"]
        return f(*args, **kwargs)

    return decorated


@app.route("/api/register", methods=["POST"])
@limiter.limit("10 per hour")
def register():
    data = request.get_json()
    db = get_db()
    db.execute(
        "INSERT INTO users (username, password_hash) VALUES (?, ?)",
        (data["username"], generate_password_hash(data["password"])),  # ok: PY-HASH-001
    )
    db.commit()
    return jsonify({"message": "User created"}), 201


@app.route("/api/login", methods=["POST"])
@limiter.limit("5 per minute")
def login():  # ok: PY-RATE-001
    data = request.get_json()
    username = data.get("username", "")
    password = data.get("password", "")
    logger.info("login attempt for %r", username)  # ok: PY-LOG-001
    user = get_db().execute("SELECT * FROM users WHERE username = ?", (username,)).fetchone()
    if user is None or not check_password_hash(user["password_hash"], password):
        return jsonify({"message": "Invalid username or password"}), 401  # ok: PY-ENUM-001
    token = jwt.encode(
        {"user_id": user["id"], "exp": datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=1)},
        app.secret_key,
        algorithm="HS256",
    )
    return jsonify({"token": token})


@app.route("/api/notes", methods=["GET"])
@token_required
def list_notes():
    q = request.args.get("q", "")
    db = get_db()
    sql = "SELECT id, title, created_at FROM notes WHERE owner_id = ?"
    params = [g.user_id]
    if q:
        sql += " AND title LIKE ?"
        params.append(f"%{q}%")
    rows = db.execute(sql, params).fetchall()  # ok: PY-SQLI-001
    return jsonify([dict(r) for r in rows])


@app.route("/api/notes/<int:note_id>", methods=["GET"])
@token_required
def get_note(note_id):
    note = get_db().execute(
        "SELECT id, title, body FROM notes WHERE id = ? AND owner_id = ?", (note_id, g.user_id)
    ).fetchone()
    if note is None:
        return jsonify({"message": "Note not found"}), 404
    etag = hashlib.sha256(note["body"].encode()).hexdigest()  # ok: PY-HASH-001
    response = jsonify(dict(note))
    response.set_etag(etag)
    return response


@app.route("/api/notes/<int:note_id>/preview")
@token_required
def preview_note(note_id):
    heading = request.args.get("heading", "Preview")
    note = get_db().execute("SELECT body FROM notes WHERE id = ?", (note_id,)).fetchone()
    body = note["body"] if note else ""
    return f"<html><body><h1>{escape(heading)}</h1><pre>{escape(body)}</pre></body></html>"  # ok: PY-XSS-001


@app.errorhandler(Exception)
def handle_exception(e):
    logger.exception("unhandled error")
    return jsonify({"error": "Internal server error"}), 500  # ok: PY-ERRLEAK-001


if __name__ == "__main__":
    app.run(debug=os.environ.get("FLASK_DEBUG") == "1")  # ok: PY-DEBUG-001
