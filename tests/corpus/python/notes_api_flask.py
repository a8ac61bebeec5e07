"""Notes API: JWT-authenticated CRUD for personal notes (Flask + SQLite)."""

import datetime
import hashlib
import sqlite3
import traceback
from functools import wraps

import jwt
from flask import Flask, g, jsonify, request
from flask_cors import CORS

app = Flask(__name__)
app.secret_key = "b7e2f1a94c3d5e6f8a0b1c2d3e4f5a6b"  # expect: PY-SECRET-001
CORS(app, resources={r"/api/*": {"origins": "*"}}, supports_credentials=True)  # expect: PY-CORS-001

DATABASE = "notes.db"


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


def hash_password(password):
    return hashlib.sha1(password.encode()).hexdigest()  # expect: PY-HASH-001


def token_required(f):
    @wraps(f)
    def decorated(*args, **kwargs):
        auth_header = request.headers.get("Authorization", "")
        if not auth_header.startswith("Bearer "):
            return jsonify({"message": "Token is missing"}), 401
        token = auth_header.split(" ", 1)[1]
        try:
            data = jwt.decode(token, options={"verify_signature": False})  # expect: PY-JWT-001
        except jwt.DecodeError:
            return jsonify({"message": "Token is invalid"}), 401
        g.user_id = data["user_id"]
        return f(*args, **kwargs)

    return decorated


@app.route("/api/register", methods=["POST"])
def register():
    data = request.get_json()
    db = get_db()
    db.execute(
        "INSERT INTO users (username, password_hash) VALUES (?, ?)",
        (data["username"], hash_password(data["password"])),
    )
    db.commit()
    return jsonify({"message": "User created"}), 201


@app.route("/api/login", methods=["POST"])
def login():  # expect: PY-RATE-001
    data = request.get_json()
    username = data.get("username")
    password = data.get("password")
    db = get_db()
    if db.execute("SELECT 1 FROM users WHERE username = ?", (username,)).fetchone() is None:
        return jsonify({"message": "Username does not exist"}), 404  # expect: PY-ENUM-001
    user = db.execute(
        "SELECT * FROM users WHERE username = ? AND password_hash = ?", (username, hash_password(password))
    ).fetchone()
    if not user:
        return jsonify({"message": "Invalid credentials"}), 401
    token = jwt.encode(
        {"user_id": user["id"], "exp": datetime.datetime.utcnow() + datetime.timedelta(hours=24)},
        app.secret_key,
        algorithm="HS256",
    )
    return jsonify({"token": token})


@app.route("/api/notes", methods=["GET"])
@token_required
def list_notes():
    q = request.args.get("q", "")
    db = get_db()
    sql = "SELECT id, title, created_at FROM notes WHERE owner_id = " + str(g.user_id)
    if q:
        sql += " AND title LIKE '%" + q + "%'"
    rows = db.execute(sql).fetchall()  # expect: PY-SQLI-001
    return jsonify([dict(r) for r in rows])


@app.route("/api/notes", methods=["POST"])
@token_required
def create_note():
    data = request.get_json()
    db = get_db()
    cur = db.execute(
        "INSERT INTO notes (owner_id, title, body) VALUES (?, ?, ?)",
        (g.user_id, data["title"], data.get("body", "")),
    )
    db.commit()
    return jsonify({"id": cur.lastrowid}), 201


@app.route("/api/notes/<int:note_id>/preview")
@token_required
def preview_note(note_id):
    heading = request.args.get("heading", "Preview")
    note = get_db().execute("SELECT body FROM notes WHERE id = ?", (note_id,)).fetchone()
    body = note["body"] if note else ""
    return f"<html><body><h1>{heading}</h1><pre>{body}</pre></body></html>"  # expect: PY-XSS-001


@app.errorhandler(Exception)
def handle_exception(e):
    return jsonify({"error": str(e), "trace": traceback.format_exc()}), 500  # expect: PY-ERRLEAK-001


if __name__ == "__main__":
    app.run(debug=True)  # expect: PY-DEBUG-001
